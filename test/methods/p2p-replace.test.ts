import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { toFloat32, type HostTensor } from '../../src/engine/index.ts';
import { runEdit, EditRequestError } from '../../src/methods/index.ts';
import { p2pReplace } from '../../src/methods/p2p/replace.ts';
import { promptEdit, runPromptToPrompt, tokenizerOf } from '../../src/methods/p2p/shared.ts';
import { promptTokens, wordPositions } from '../../src/methods/shared/tokens.ts';
import { rgbToTensor } from '../../src/models/vae/index.ts';
import { psnr } from '../../src/support/image.ts';
import { meanAbsoluteDifference, releaseShipped, shippedDiffusion, SHORT_RUN_GUIDANCE } from './support.ts';
import { backgroundWeight, colourSwap, decodeImage, editInput, maxAbsDiff, P2P_STEPS } from './support-p2p.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

function element(tensor: HostTensor, index: number): Float32Array {
  const all = toFloat32(tensor.dtype, tensor.data);
  const size = all.length / (tensor.shape[0] as number);
  return all.slice(index * size, (index + 1) * size);
}

describe('p2p.replace on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('source branch under invert.direct reproduces the VAE reconstruction of the source', async () => {
    const diffusion = shippedDiffusion();
    const { rendered, source, target } = colourSwap();
    const run = await runEdit(diffusion, { method: p2pReplace, source: { image: rendered, prompt: source }, targetPrompt: target, inversion: 'invert.direct', steps: P2P_STEPS, guidance: SHORT_RUN_GUIDANCE });
    const sourceLatent = await diffusion.encode(rgbToTensor(rendered.rgb, rendered.width, rendered.height));
    const reconstruction = await decodeImage(diffusion, sourceLatent);
    const sourceBranch = await decodeImage(diffusion, run.output.extraLatents!.source!);
    const latentDiff = maxAbsDiff(run.output.extraLatents!.source!, sourceLatent);
    const value = psnr(sourceBranch, reconstruction);
    assert.ok(latentDiff < 1e-5 && value > 60, `source branch vs VAE reconstruction: PSNR ${value.toFixed(1)} dB, latent max |Δ| ${latentDiff.toExponential(2)}`);
    console.log(`  source branch vs VAE reconstruction: PSNR ${value} dB (latent max |Δ| ${latentDiff.toExponential(2)}); edit vs source PSNR ${psnr(run.image, reconstruction).toFixed(1)} dB`);
    assert.deepEqual([run.output.metrics!.crossReplaceSteps, run.output.metrics!.selfReplaceSteps], [Math.floor(0.4 * (P2P_STEPS + 1)), Math.floor(0.6 * P2P_STEPS)]);
  });

  it('with the target prompt equal to the source, the edit equals the reconstruction', async () => {
    const diffusion = shippedDiffusion();
    const { rendered, source } = colourSwap();
    // invert.negative_prompt: no per-branch correction, so both branches compute the same thing.
    const run = await runEdit(diffusion, { method: p2pReplace, source: { image: rendered, prompt: source }, targetPrompt: source, inversion: 'invert.negative_prompt', steps: P2P_STEPS, guidance: SHORT_RUN_GUIDANCE });
    const d = maxAbsDiff(run.output.latent, run.output.extraLatents!.source!);
    console.log(`  invert.negative_prompt, target = source: edit vs source branch latent max |Δ| ${d.toExponential(2)}`);
    assert.ok(d < 1e-4, `edit vs reconstruction (source branch) latent max |Δ| ${d}`);
    // Under invert.direct the source branch is corrected and the target is not: close, not equal.
    const direct = await runEdit(diffusion, { method: p2pReplace, source: { image: rendered, prompt: source }, targetPrompt: source, inversion: 'invert.direct', steps: P2P_STEPS, guidance: SHORT_RUN_GUIDANCE });
    const reconstruction = await decodeImage(diffusion, direct.output.extraLatents!.source!);
    console.log(`  invert.direct, target = source: edit vs reconstruction PSNR ${psnr(direct.image, reconstruction).toFixed(1)} dB`);
  });

  it('gives unchanged tokens the source maps during the replacement steps and keeps the background', async () => {
    const diffusion = shippedDiffusion();
    const { rendered, source, target, to } = colourSwap();
    const input = await editInput(diffusion, rendered, { source, target }, { inversion: 'invert.direct' });
    const tokenizer = tokenizerOf(diffusion);
    const changed = new Set(wordPositions(tokenizer, target, to));
    const length = promptTokens(tokenizer, target).length;
    const unchanged = [...Array(length).keys()].filter((n) => !changed.has(n));
    const keys = diffusion.textLength;
    const perStep: number[] = [];
    let crossSteps = 0;
    let elements = { sourceCond: 0, targetCond: 0 };
    let sites: string[] = [];
    const edit = promptEdit(tokenizer, source, target, 'replace');
    const output = await runPromptToPrompt(input, { edit, crossReplaceSteps: 0.4, selfReplaceSteps: 0.6 }, {
      onStart: (info) => {
        crossSteps = info.crossSteps;
        elements = info.elements;
        sites = info.unet.layout.crossAttention.map((s) => s.path);
      },
      captures: () => sites.flatMap((p) => [`capture.${p}.probs`, `capture.${p}.edited`]),
      onCaptures: (_step, captures) => {
        let worst = 0;
        for (const path of sites) {
          const src = element(captures[`capture.${path}.probs`]!, elements.sourceCond);
          const tgt = element(captures[`capture.${path}.edited`]!, elements.targetCond);
          for (let i = 0; i < src.length; i += keys) for (const n of unchanged) worst = Math.max(worst, Math.abs((src[i + n] as number) - (tgt[i + n] as number)));
        }
        perStep.push(worst);
      },
    });
    const during = Math.max(...perStep.slice(0, crossSteps));
    const afterwards = Math.min(...perStep.slice(crossSteps));
    console.log(`  max |target − source| cross-attention on unchanged tokens per step: ${perStep.map((d) => d.toExponential(1)).join(' ')} (replacement for the first ${crossSteps})`);
    assert.ok(during < 1e-5, `unchanged tokens' maps differ by ${during} during the replacement steps`);
    assert.ok(afterwards > 1e-3, `after the replacement steps the target's own maps should differ from the source's (min ${afterwards})`);

    // Background (no object of the scene) over three held-out scenes, beside a target-prompt run from
    // the same x_T with no attention edits (cross 0, self 0). On the shipped model that run keeps the
    // background about as well (UNet fine-tune step 1,001: 1.23 vs 1.19; on UNet step 6,841 p2p was
    // ahead, 1.25 vs 1.33), also with prompts that name only the object: x_T from invert.direct
    // carries the background here, so the bound is absolute.
    const rows: string[] = [];
    const kept: number[] = [];
    const freeRuns: number[] = [];
    for (const seed of [9_100_001, 9_100_005, 9_100_011]) {
      const scene = colourSwap(seed);
      const sceneInput = seed === 9_100_001 ? input : await editInput(diffusion, scene.rendered, { source: scene.source, target: scene.target }, { inversion: 'invert.direct' });
      const sceneEdit = promptEdit(tokenizer, scene.source, scene.target, 'replace');
      const edited = seed === 9_100_001 ? output : await runPromptToPrompt(sceneInput, { edit: sceneEdit, crossReplaceSteps: 0.4, selfReplaceSteps: 0.6 });
      const free = await runPromptToPrompt(sceneInput, { edit: sceneEdit, crossReplaceSteps: 0, selfReplaceSteps: 0 });
      const background = backgroundWeight(scene.rendered);
      const reconstruction = await decodeImage(diffusion, sceneInput.source.latent);
      kept.push(meanAbsoluteDifference(await decodeImage(diffusion, edited.latent), reconstruction, background));
      freeRuns.push(meanAbsoluteDifference(await decodeImage(diffusion, free.latent), reconstruction, background));
      rows.push(`'${scene.source}' → ${scene.to}: p2p.replace ${kept.at(-1)!.toFixed(2)}, unconstrained ${freeRuns.at(-1)!.toFixed(2)}`);
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    console.log(`  background mean |Δ| to the source (0–255):\n    ${rows.join('\n    ')}`);
    assert.ok(mean(kept) < 2, `background mean |Δ|: p2p.replace ${mean(kept).toFixed(2)} vs unconstrained target run from the same x_T ${mean(freeRuns).toFixed(2)}\n${rows.join('\n')}`);
  });

  it('refuses prompts of different lengths and bad schedules', async () => {
    const { rendered, source } = colourSwap();
    const base = { method: p2pReplace, source: { image: rendered, prompt: source }, steps: 2, inversion: 'invert.ddim' as const };
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, targetPrompt: `${source} and a small red ring` }), (e: Error) => e instanceof EditRequestError && /use p2p\.refine/.test(e.message) && e.message.includes(source));
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, targetPrompt: source, params: { crossReplaceSteps: 1.5 } }), /p2p.replace parameter 'crossReplaceSteps'/);
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, targetPrompt: source, inversion: 'invert.ddpm' }), /p2p.replace works with invert.direct or invert.null_text/);
  });
});
