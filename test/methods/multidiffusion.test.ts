import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runEdit } from '../../src/methods/index.ts';
import { decodePanorama, multidiffusion } from '../../src/methods/multidiffusion.ts';
import { releaseShipped, shippedDiffusion } from './support.ts';
import { analyseImage } from '../../src/world/index.ts';
import type { RgbImage } from '../../src/support/image.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const STEPS = 10;
/** Region prompts at the official 50 steps (20 of them bootstrapping): at 10 the regions' objects are often not drawn. */
const REGION_STEPS = 50;

/** Mean |horizontal luminance step| across columns x−1|x at the given borders vs at every other column. */
function seamRatio(image: RgbImage, borders: Set<number>): number {
  let atB = 0;
  let nB = 0;
  let other = 0;
  let nO = 0;
  const lum = (p: number) => 0.299 * image.rgb[3 * p]! + 0.587 * image.rgb[3 * p + 1]! + 0.114 * image.rgb[3 * p + 2]!;
  for (let y = 0; y < image.height; y++) {
    for (let x = 1; x < image.width; x++) {
      const d = Math.abs(lum(y * image.width + x) - lum(y * image.width + x - 1));
      if (borders.has(x)) (atB += d), nB++;
      else (other += d), nO++;
    }
  }
  return atB / nB / (other / nO);
}

describe('multidiffusion on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('makes a 4:1 panorama without seams at the window borders', async () => {
    const diffusion = shippedDiffusion();
    // A large object at a window's right edge: tiles without overlap cut it at every border (a seam a
    // smooth sky alone would not show); MultiDiffusion's overlapping windows have to agree there.
    const prompt = 'a large red square in the middle right on grass';
    const run = await runEdit(diffusion, { method: multidiffusion, params: { widthFactor: 4 }, targetPrompt: prompt, steps: STEPS, seed: 2 });
    const m = run.output.metrics!;
    assert.deepEqual([m.width, m.height, m.latentWidth, m.latentHeight, m.stride], [512, 128, 64, 16, 2]);
    const image = await decodePanorama(diffusion, run.output.extraLatents!.panorama!, m.latentWidth!, m.latentHeight!);
    // Window borders: every stride (2 latent = 16 px); a tiled run (stride = the window) has borders every 128 px.
    const tiled = await runEdit(diffusion, { method: multidiffusion, params: { widthFactor: 4, stride: 64 }, targetPrompt: prompt, steps: STEPS, seed: 2 });
    const tiledImage = await decodePanorama(diffusion, tiled.output.extraLatents!.panorama!, 64, 16);
    const fused = seamRatio(image, new Set([128, 256, 384]));
    const naive = seamRatio(tiledImage, new Set([128, 256, 384]));
    const figures = `gradient at x = 128/256/384 vs elsewhere: MultiDiffusion (stride 16 px) ${fused.toFixed(2)}, tiles without overlap ${naive.toFixed(2)}`;
    assert.ok(fused < 1.5 && fused < naive, figures);
    console.log(`multidiffusion: ${figures}`);
  });

  it('puts each region prompt’s object in its region, and swapping the regions swaps the objects', async () => {
    const diffusion = shippedDiffusion();
    // Region prompts that name an object and no place (the model decides where, within its region);
    // the background prompt names both. Over three seeds, red left/blue right and then the other way.
    const left = { x0: 0, y0: 0, x1: 0.5, y1: 1 };
    const right = { x0: 0.5, y0: 0, x1: 1, y1: 1 };
    const prompts = { red: 'a red circle on grass', blue: 'a blue square on grass' } as const;
    let drawn = 0;
    let inRegion = 0;
    const seen: string[] = [];
    for (const seed of [4, 5, 6]) {
      for (const redLeft of [true, false]) {
        const run = await runEdit(diffusion, {
          method: multidiffusion,
          params: { regions: [{ prompt: prompts.red, region: redLeft ? left : right }, { prompt: prompts.blue, region: redLeft ? right : left }] },
          targetPrompt: 'a red circle and a blue square on grass',
          steps: REGION_STEPS,
          seed,
        });
        for (const object of analyseImage(run.image).objects) {
          if (object.colour !== 'red' && object.colour !== 'blue') continue;
          drawn++;
          const side = object.centre.x < run.image.width / 2 ? 'left' : 'right';
          const wanted = (object.colour === 'red') === redLeft ? 'left' : 'right';
          if (side === wanted) inRegion++;
          seen.push(`${object.colour} ${side} (red ${redLeft ? 'left' : 'right'}, seed ${seed})`);
        }
      }
    }
    const figures = `${inRegion} of ${drawn} red or blue objects in their prompt's region, of 12 asked for: ${seen.join(', ')}`;
    assert.ok(drawn >= 6 && inRegion === drawn, figures);
    console.log(`multidiffusion regions: ${figures}`);
  });
});
