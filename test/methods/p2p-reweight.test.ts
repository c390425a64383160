import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { toFloat32 } from '../../src/engine/index.ts';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { p2pReweight } from '../../src/methods/p2p/reweight.ts';
import { promptEdit, runPromptToPrompt, tokenizerOf } from '../../src/methods/p2p/shared.ts';
import { wordPositions } from '../../src/methods/shared/tokens.ts';
import { meanAbsoluteDifference, releaseShipped, shippedDiffusion, SHORT_RUN_GUIDANCE } from './support.ts';
import { colourSwap, editInput, P2P_STEPS } from './support-p2p.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

describe('p2p.reweight on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('scales the attention mass of the token in the edited branch by c', async () => {
    const diffusion = shippedDiffusion();
    const { rendered, source, from } = colourSwap();
    const input = await editInput(diffusion, rendered, { source, target: source }, { inversion: 'invert.direct' });
    const tokenizer = tokenizerOf(diffusion);
    const positions = wordPositions(tokenizer, source, from);
    const keys = diffusion.textLength;
    const masses: number[] = [];
    for (const weight of [0, 1, 2, 4]) {
      const scales = new Float32Array(keys).fill(1);
      for (const p of positions) scales[p] = weight;
      let mass = 0;
      let crossSteps = 0;
      let target = 0;
      let sites: string[] = [];
      await runPromptToPrompt(input, { edit: { ...promptEdit(tokenizer, source, source, 'auto'), scales }, crossReplaceSteps: 0.4, selfReplaceSteps: 0.6 }, {
        onStart: (info) => {
          crossSteps = info.crossSteps;
          target = info.elements.targetCond;
          sites = info.unet.layout.crossAttention.map((s) => `capture.${s.path}.edited`);
        },
        captures: (step) => (step < crossSteps ? sites : undefined),
        onCaptures: (_step, captures) => {
          for (const name of sites) {
            const t = captures[name]!;
            const all = toFloat32(t.dtype, t.data);
            const size = all.length / (t.shape[0] as number);
            // Mean over pixels of the token's column (its share of attention), averaged over layers.
            for (let i = target * size; i < (target + 1) * size; i += keys) for (const p of positions) mass += (all[i + p] as number) / (size / keys) / sites.length;
          }
        },
      });
      masses.push(mass / crossSteps);
    }
    console.log(`  attention mass on '${from}' in the edited branch (replacement steps) for c = 0 / 1 / 2 / 4: ${masses.map((m) => m.toFixed(4)).join(' / ')}`);
    assert.ok(masses[0] === 0 && masses[1]! < masses[2]! && masses[2]! < masses[3]!, `masses ${masses.join(', ')}`);
    assert.ok(Math.abs(masses[3]! / masses[1]! - 4) < 1e-3, `c = 4 gives ${masses[3]! / masses[1]!}× the mass of c = 1`);
  });

  it('moves the image away from the unweighted edit monotonically in |c − 1|', async () => {
    const diffusion = shippedDiffusion();
    const { rendered, source, from } = colourSwap();
    const images = new Map<number, Awaited<ReturnType<typeof runEdit>>['image']>();
    for (const weight of [-2, 0, 1, 2, 3.5, 5]) {
      const run = await runEdit(diffusion, { method: p2pReweight, params: { token: from, weight }, source: { image: rendered, prompt: source }, targetPrompt: source, steps: P2P_STEPS, guidance: SHORT_RUN_GUIDANCE });
      images.set(weight, run.image);
    }
    const d = (w: number) => meanAbsoluteDifference(images.get(w)!, images.get(1)!);
    const up = [1, 2, 3.5, 5].map(d);
    const down = [1, 0, -2].map(d);
    const text = `mean |Δ| to the c = 1 edit (0–255), reweighting '${from}': c = 1, 2, 3.5, 5: ${up.map((v) => v.toFixed(2)).join(', ')}; c = 1, 0, −2: ${down.map((v) => v.toFixed(2)).join(', ')}`;
    console.log(`  ${text}`);
    for (const series of [up, down]) for (let i = 1; i < series.length; i++) assert.ok(series[i]! > series[i - 1]!, text);
  });

  it('refuses weights out of range and words not in the prompt', async () => {
    const { rendered, source } = colourSwap();
    const base = { method: p2pReweight, source: { image: rendered, prompt: source }, targetPrompt: source, steps: 2, inversion: 'invert.ddim' as const };
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: { token: 'diamond', weight: 6 } }), (e: Error) => e instanceof EditRequestError && /p2p.reweight parameter 'weight'/.test(e.message));
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: { token: 'diamond', weight: -3 } }), /parameter 'weight'/);
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: { token: 'giraffe' } }), (e: Error) => e instanceof EditRequestError && e.message === `'giraffe' is not in the target prompt '${source}'`);
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: {} }), /parameter 'token'/);
  });
});
