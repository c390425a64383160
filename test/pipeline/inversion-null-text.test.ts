import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { invert, invertNullText, NullTextGraph, reconstruct, type NullTextInversionResult } from '../../src/pipeline/inversion/index.ts';
import { FixtureModel, maxDifference, PROMPT, rms, STEPS, x0 } from './inversion-support.ts';

describe('invert.null_text', () => {
  const model = new FixtureModel();
  let graph: NullTextGraph;
  let inversion: NullTextInversionResult;
  before(async () => {
    graph = await NullTextGraph.compile(model);
    inversion = await invertNullText(model, { latent: x0, prompt: PROMPT, steps: STEPS, graph });
  });
  after(async () => {
    await graph.release();
    await model.release();
  });

  it('regenerates the image better than DDIM inversion does at guidance 7.5, the more so the longer it optimises', async () => {
    // The fixture's random UNet makes guidance 7.5 violent (DDIM's rms error ~10 on a latent of rms 0.8),
    // so the official 10 Adam iterations per step only go part of the way; 40 go most of it.
    const ddim = await invert(model, 'invert.ddim', { latent: x0, prompt: PROMPT, steps: STEPS });
    const ddimError = rms((await reconstruct(model, ddim)).latent, x0);
    const nullTextError = rms((await reconstruct(model, inversion)).latent, x0);
    assert.ok(nullTextError < 0.8 * ddimError, `null-text rms ${nullTextError} vs DDIM ${ddimError}`);
    const longer = await invertNullText(model, { latent: x0, prompt: PROMPT, steps: STEPS, graph, innerSteps: 40 });
    const longerError = rms((await reconstruct(model, longer)).latent, x0);
    assert.ok(longerError < nullTextError && longerError < ddimError / 3, `40 iterations: rms ${longerError}`);
    // At guidance 1 the null embedding has no effect: it regenerates as DDIM does.
    const plain = await reconstruct(model, ddim, { guidance: 1 });
    assert.ok(maxDifference((await reconstruct(model, inversion, { guidance: 1 })).latent, plain.latent) < 1e-6);
  });

  it('keeps one optimised null embedding per step, starting from the empty prompt', async () => {
    assert.deepEqual(inversion.nullEmbeddings.shape, [STEPS, 7, 32]);
    assert.equal(inversion.losses.length, STEPS);
    assert.ok(inversion.iterations.every((n) => n >= 1 && n <= 10));
    const empty = (await model.encodePrompt('')).data as Float32Array;
    const first = (inversion.nullEmbeddings.data as Float32Array).subarray(0, empty.length);
    const moved = maxDifference(first, empty);
    // Adam's first steps move each value by about the learning rate (1e-2).
    assert.ok(moved > 1e-3 && moved < 0.2, `first embedding moved ${moved}`);
    assert.ok(inversion.timings.optimiseMs! > 0 && inversion.timings.totalMs >= inversion.timings.optimiseMs!);
  });

  it('stops early once the loss is under the threshold, and the optimised step lands on the pivot', async () => {
    // With a huge epsilon every step stops after one Adam iteration.
    const quick = await invertNullText(model, { latent: x0, prompt: PROMPT, steps: 4, graph, epsilon: 1e9 });
    assert.deepEqual(quick.iterations, [1, 1, 1, 1]);
    // The loss of the last iteration of each step is small compared with where plain CFG starts.
    const none = await invertNullText(model, { latent: x0, prompt: PROMPT, steps: 4, graph, innerSteps: 1 });
    const full = await invertNullText(model, { latent: x0, prompt: PROMPT, steps: 4, graph, innerSteps: 10 });
    assert.ok(full.losses[0]! < none.losses[0]!, `losses ${full.losses[0]} vs ${none.losses[0]}`);
  });
});
