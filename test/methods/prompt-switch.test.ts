import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { promptSwitch, switchStep } from '../../src/methods/prompt-switch.ts';
import { rgbToTensor } from '../../src/models/vae/index.ts';
import { sample } from '../../src/pipeline/sampler.ts';
import { releaseShipped, shippedDiffusion, SHORT_RUN_GUIDANCE } from './support.ts';
import { colourSwap, maxAbsDiff, rms } from './support-p2p.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const STEPS = 12;
const LAYOUT = 'a large flat red circle in the top left on grass';
const TARGET = 'a small striped blue star in the bottom right on night';

describe('guide.prompt_switch on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('from seeded noise: switching at 0 is the target prompt, at 1 the first prompt (bitwise), in between lies between', async () => {
    const diffusion = shippedDiffusion();
    const plain = async (prompt: string) =>
      (await sample({ unet: await diffusion.unet(2), scheduler: diffusion.scheduler('ddim'), steps: STEPS, guidance: SHORT_RUN_GUIDANCE, cond: await diffusion.encodePrompt(prompt), uncond: await diffusion.encodePrompt(''), seed: 4 })).latent;
    const pureTarget = await plain(TARGET);
    const pureLayout = await plain(LAYOUT);
    const at = async (switchAt: number) => (await runEdit(diffusion, { method: promptSwitch, params: { switchAt, layoutPrompt: LAYOUT }, targetPrompt: TARGET, steps: STEPS, seed: 4, guidance: SHORT_RUN_GUIDANCE })).output.latent;
    assert.equal(maxAbsDiff(await at(0), pureTarget), 0, 'switchAt 0 = the target prompt alone');
    assert.equal(maxAbsDiff(await at(1), pureLayout), 0, 'switchAt 1 = the first prompt alone');
    const rows: string[] = [];
    for (const switchAt of [0.25, 0.5, 0.75]) {
      const mid = await at(switchAt);
      const toLayout = rms(mid, pureLayout);
      const toTarget = rms(mid, pureTarget);
      const apart = rms(pureLayout, pureTarget);
      rows.push(`switchAt ${switchAt} (${switchStep(STEPS, switchAt)} steps): rms to first-prompt run ${toLayout.toFixed(3)}, to target run ${toTarget.toFixed(3)} (the two apart ${apart.toFixed(3)})`);
      assert.ok(toLayout < apart && toTarget < apart && toLayout > 0 && toTarget > 0, rows.join('\n'));
    }
    console.log(`  ${rows.join('\n  ')}`);
  });

  it('from the source inversion (invert.direct): at 1 the source itself, at 0 the target from x_T, moving from one to the other', async () => {
    const diffusion = shippedDiffusion();
    const { rendered, source, target } = colourSwap();
    const sourceLatent = await diffusion.encode(rgbToTensor(rendered.rgb, rendered.width, rendered.height));
    const runs = new Map<number, Float32Array>();
    for (const switchAt of [0, 0.25, 0.5, 0.75, 1]) {
      const run = await runEdit(diffusion, { method: promptSwitch, params: { switchAt }, source: { image: rendered, prompt: source }, targetPrompt: target, inversion: 'invert.direct', steps: STEPS, guidance: SHORT_RUN_GUIDANCE });
      runs.set(switchAt, run.output.latent);
    }
    assert.equal(maxAbsDiff(runs.get(1)!, sourceLatent), 0, 'switchAt 1 re-traces the inversion to the source latent');
    const distances = [0, 0.25, 0.5, 0.75, 1].map((s) => rms(runs.get(s)!, sourceLatent));
    console.log(`  rms to the source latent by switchAt 0 / 0.25 / 0.5 / 0.75 / 1: ${distances.map((d) => d.toFixed(3)).join(' / ')}`);
    // The trained model settles the colour in the later steps, so switching anywhere in the first half
    // lands about as far as the target itself (0.328 / 0.331 / 0.340 at 0 / 0.25 / 0.5); from there on
    // the distance falls to 0.
    const [atZero, , , atThreeQuarters, atOne] = distances as [number, number, number, number, number];
    assert.ok(atOne < atThreeQuarters && atThreeQuarters < atZero, distances.join(', '));
    for (const d of distances) assert.ok(d <= atZero * 1.1, distances.join(', '));
  });

  it('refuses a run with no first prompt and switch points out of range', async () => {
    await assert.rejects(runEdit(shippedDiffusion(), { method: promptSwitch, targetPrompt: TARGET, steps: 2 }), (e: Error) => e instanceof EditRequestError && /give a source image with its prompt, or layoutPrompt/.test(e.message));
    await assert.rejects(runEdit(shippedDiffusion(), { method: promptSwitch, params: { switchAt: 1.2, layoutPrompt: LAYOUT }, targetPrompt: TARGET, steps: 2 }), /guide.prompt_switch parameter 'switchAt'/);
  });
});
