import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { blended } from '../../src/methods/blended.ts';
import { repaint } from '../../src/methods/repaint.ts';
import { heldOutScenes, releaseShipped, shippedDiffusion, SHORT_RUN_GUIDANCE } from './support.ts';
import { describeFigures, edgeJump, latentChangeOutside, maskCase, maskFigures } from './support-noise-and-mask.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

describe('blended on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('keeps the source outside the mask and redraws inside; compared with repaint', async () => {
    const diffusion = shippedDiffusion();
    const c = await maskCase(diffusion);
    const request = {
      source: { image: c.rendered, prompt: c.rendered.caption },
      targetPrompt: c.targetPrompt,
      mask: { data: c.mask, width: c.rendered.width, height: c.rendered.height },
      steps: 12,
      guidance: SHORT_RUN_GUIDANCE,
      seed: 5,
      // The method's own keeping, through the decoder: no paste-back (test/methods/paste.test.ts).
      pasteOutside: false,
    };
    const timed = async (method: typeof blended) => {
      const started = performance.now();
      const run = await runEdit(diffusion, { ...request, method });
      return { run, seconds: (performance.now() - started) / 1000 };
    };
    const b = await timed(blended);
    const r = await timed(repaint);
    // Seam: the jump across the mask's edge (the source's own edge jump there for reference).
    const seam = (image: typeof b.run.image) => edgeJump(image, c.mask);
    const describe = (name: string, x: typeof b) =>
      `${describeFigures(name, maskFigures(c, x.run.image))}; latent outside max |Δ| ${latentChangeOutside(c, x.run.output.latent).toExponential(1)}; jump across the mask edge ${seam(x.run.image).toFixed(2)}; ${x.run.output.metrics?.unetCalls} UNet calls, ${x.seconds.toFixed(1)} s`;
    const figures = `${describe('blended', b)} | ${describe('repaint', r)} | source's jump there ${seam(c.roundTrip).toFixed(2)}`;
    console.log(figures);
    const f = maskFigures(c, b.run.image);
    assert.ok(latentChangeOutside(c, b.run.output.latent) < 1e-6, figures);
    assert.ok(f.outside[1]!.mean < 2.5 && f.outside[1]!.max <= 16, figures);
    assert.ok(f.inside > 5 * f.outside[1]!.mean && f.inside > 5, figures);
    // Blended runs (1 − skip) of the steps once; repaint resamples: more UNet calls.
    assert.ok((b.run.output.metrics?.unetCalls ?? 0) < (r.run.output.metrics?.unetCalls ?? 0), figures);
  });

  it('refuses a request without a mask, and bad parameters', async () => {
    const { rendered } = heldOutScenes(1)[0]!;
    const base = { method: blended, source: { image: rendered, prompt: rendered.caption }, targetPrompt: 'x', steps: 1 };
    await assert.rejects(runEdit(shippedDiffusion(), base), /blended needs a mask/);
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, mask: { data: new Uint8Array(128 * 128), width: 128, height: 128 } }), (e: Error) => e instanceof EditRequestError && /covers no latent cell/.test(e.message));
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: { skip: 1 } }), /blended parameter 'skip'/);
  });
});
