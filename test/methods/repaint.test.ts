import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { jumpSchedule, repaint } from '../../src/methods/repaint.ts';
import { heldOutScenes, releaseShipped, shippedDiffusion } from './support.ts';
import { describeFigures, latentChangeOutside, maskCase, maskFigures } from './support-noise-and-mask.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

describe('RePaint jump schedule', () => {
  it('follows the official get_schedule_jump', () => {
    // 6 levels, jump 2, resample 2: jump points 0 and 2 (below 6 − 2), each gone back up once.
    assert.deepEqual(jumpSchedule(6, 2, 2), [5, 4, 3, 2, 3, 4, 3, 2, 1, 0, 1, 2, 1, 0, -1]);
    assert.deepEqual(jumpSchedule(4, 2, 1), [3, 2, 1, 0, -1]);
    // Reverse steps: levels + (resample − 1) · jump · jump points. 50 steps at the defaults: 230.
    const s = jumpSchedule(50, 5, 5);
    const down = s.filter((v, i) => i > 0 && v < (s[i - 1] as number)).length;
    assert.equal(down, 50 + 4 * 5 * 9);
  });
});

describe('repaint on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('keeps the source outside the mask and redraws inside', async () => {
    const diffusion = shippedDiffusion();
    const c = await maskCase(diffusion);
    const started = performance.now();
    const run = await runEdit(diffusion, {
      method: repaint,
      source: { image: c.rendered, prompt: c.rendered.caption },
      targetPrompt: c.targetPrompt,
      mask: { data: c.mask, width: c.rendered.width, height: c.rendered.height },
      steps: 12,
      seed: 5,
      // The method's own keeping, through the decoder: no paste-back (test/methods/paste.test.ts).
      pasteOutside: false,
    });
    const f = maskFigures(c, run.image);
    const latentOutside = latentChangeOutside(c, run.output.latent);
    const figures = `${describeFigures('repaint', f)}; latent outside the mask max |Δ| ${latentOutside.toExponential(1)}; ${run.output.metrics?.unetCalls} UNet calls, ${((performance.now() - started) / 1000).toFixed(1)} s`;
    console.log(figures);
    // Outside the mask the final latent is the source's exactly. The pixels still move a little
    // everywhere: the VAE decoder's group norms and mid-block attention are global, so the new
    // content inside shifts the whole image's decoding slightly (≈1/255 on average).
    assert.ok(latentOutside < 1e-6, figures);
    assert.ok(f.outside[1]!.mean < 2.5 && f.outside[1]!.max <= 16, figures);
    assert.ok(f.inside > 5 * f.outside[1]!.mean && f.inside > 5, figures);
  });

  it('refuses a request without a mask, or with an empty one', async () => {
    const { rendered } = heldOutScenes(1)[0]!;
    const base = { method: repaint, source: { image: rendered, prompt: rendered.caption }, targetPrompt: 'x', steps: 1 };
    await assert.rejects(runEdit(shippedDiffusion(), base), /repaint needs a mask/);
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, mask: { data: new Uint8Array(128 * 128), width: 128, height: 128 } }), (e: Error) => e instanceof EditRequestError && /covers no latent cell/.test(e.message));
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: { resample: 0 } }), /repaint parameter 'resample'/);
  });
});
