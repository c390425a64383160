import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runEdit } from '../../src/methods/index.ts';
import { diffedit } from '../../src/methods/diffedit.ts';
import { downsample } from '../../src/methods/shared/mask.ts';
import { applyEdit, COLOURS } from '../../src/world/index.ts';
import { heldOutScenes, releaseShipped, shippedDiffusion, SHORT_RUN_GUIDANCE } from './support.ts';
import { differenceWhere, iou, vaeRoundTrip } from './support-noise-and-mask.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

describe('diffedit on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('finds the object whose words changed better than trivial masks, and keeps the rest', async () => {
    const diffusion = shippedDiffusion();
    const [, , lh, lw] = diffusion.latentShape;
    const cell = diffusion.width / lw;
    const whole = new Float32Array(lh * lw).fill(1);
    const centre = new Float32Array(lh * lw);
    for (let y = lh / 4; y < (3 * lh) / 4; y++) for (let x = lw / 4; x < (3 * lw) / 4; x++) centre[y * lw + x] = 1;
    const scores = { diffedit: [] as number[], whole: [] as number[], centre: [] as number[], outsideMean: [] as number[], outsideMax: [] as number[], inside: [] as number[], area: [] as number[], precision: [] as number[], chance: [] as number[] };
    for (const { scene, rendered } of heldOutScenes(6)) {
      const object = scene.objects[0]!;
      const colour = COLOURS.find((c) => c !== object.colour)!;
      const targetPrompt = applyEdit(scene, { type: 'colour', target: object.shape, colour }).caption;
      const run = await runEdit(diffusion, { method: diffedit, source: { image: rendered, prompt: rendered.caption }, targetPrompt, steps: 10, seed: 7, guidance: SHORT_RUN_GUIDANCE, pasteOutside: false });
      const mask = run.output.mask!;
      assert.equal(mask.length, lh * lw);
      const truth = downsample(Float32Array.from(rendered.masks[0]!, (v) => v / 255), rendered.width, rendered.height, lw, lh);
      scores.diffedit.push(iou(mask, truth));
      scores.whole.push(iou(whole, truth));
      scores.centre.push(iou(centre, truth));
      scores.area.push(run.output.metrics?.maskArea ?? NaN);
      // Precision: the share of the mask's cells on the object, against the object's share of the image (chance).
      let hits = 0;
      let set = 0;
      let object_ = 0;
      for (let i = 0; i < mask.length; i++) {
        if ((truth[i] as number) >= 0.5) object_++;
        if ((mask[i] as number) > 0.5) {
          set++;
          if ((truth[i] as number) >= 0.5) hits++;
        }
      }
      scores.precision.push(set ? hits / set : 0);
      scores.chance.push(object_ / mask.length);
      // Preservation outside the computed mask (grown by one latent cell), against the VAE round trip.
      const trip = await vaeRoundTrip(diffusion, rendered);
      const grown = (p: number) => {
        const x = Math.floor((p % rendered.width) / cell);
        const y = Math.floor(Math.floor(p / rendered.width) / cell);
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if ((mask[(y + dy) * lw + x + dx] ?? 0) > 0.5 && x + dx >= 0 && x + dx < lw) return true;
        return false;
      };
      const outside = differenceWhere(run.image, trip, (p) => !grown(p));
      const inside = differenceWhere(run.image, trip, (p) => (mask[Math.floor(Math.floor(p / rendered.width) / cell) * lw + Math.floor((p % rendered.width) / cell)] as number) > 0.5);
      scores.outsideMean.push(outside.mean);
      scores.outsideMax.push(outside.max);
      scores.inside.push(inside.mean);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const list = (xs: number[], digits = 2) => xs.map((x) => x.toFixed(digits)).join(', ');
    const figures =
      `IoU with the true object mask (latent grid) over 6 scenes: DiffEdit ${list(scores.diffedit)} (mean ${mean(scores.diffedit).toFixed(2)}); ` +
      `whole image ${mean(scores.whole).toFixed(2)}; centre box ${mean(scores.centre).toFixed(2)}; mask area ${list(scores.area)}; ` +
      `precision (mask cells on the object) ${list(scores.precision)} (mean ${mean(scores.precision).toFixed(2)}) vs chance ${mean(scores.chance).toFixed(2)}; ` +
      `outside the mask grown 8 px: mean ${list(scores.outsideMean)} max ${list(scores.outsideMax, 0)} /255 from the VAE round trip; inside mean change ${list(scores.inside, 1)} /255`;
    console.log(figures);
    assert.ok(mean(scores.diffedit) > 2 * Math.max(mean(scores.whole), mean(scores.centre)), figures);
    assert.ok(mean(scores.precision) > 3 * mean(scores.chance), figures);
    assert.ok(Math.max(...scores.outsideMean) < 2.5 && Math.max(...scores.outsideMax) <= 16, figures);
  });

  it('uses a given mask instead of computing one', async () => {
    const { rendered } = heldOutScenes(1)[0]!;
    const data = new Uint8Array(128 * 128);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) data[y * 128 + x] = 255;
    const run = await runEdit(shippedDiffusion(), { method: diffedit, source: { image: rendered, prompt: rendered.caption }, targetPrompt: 'x', steps: 4, mask: { data, width: 128, height: 128 } });
    assert.equal(run.output.metrics?.maskArea, 0.25);
    await assert.rejects(runEdit(shippedDiffusion(), { method: diffedit, source: { image: rendered, prompt: '' }, targetPrompt: 'x', steps: 2, params: { threshold: 1 } }), /diffedit parameter 'threshold'/);
  });
});
