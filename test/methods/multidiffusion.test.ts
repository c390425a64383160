import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runEdit } from '../../src/methods/index.ts';
import { decodePanorama, multidiffusion } from '../../src/methods/multidiffusion.ts';
import { releaseShipped, shippedDiffusion, SKIP_WITHOUT_MODEL } from './support.ts';
import type { RgbImage } from '../../src/world/image.ts';

const STEPS = 10;

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

describe('multidiffusion on models/world-sd', { skip: SKIP_WITHOUT_MODEL }, () => {
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

  // todo: every scene of this world has one background, so a window half night, half sand is outside
  // what the model learned: with the two region prompts it draws a noisy patchwork (luminance night
  // left 197/148, night right 149/194), while the same prompt in both regions gives the plain image.
  it('puts each region prompt’s background in its region', { todo: 'the shipped model never saw two backgrounds in one scene' }, async () => {
    const diffusion = shippedDiffusion();
    const left = { x0: 0, y0: 0, x1: 0.5, y1: 1 };
    const right = { x0: 0.5, y0: 0, x1: 1, y1: 1 };
    const luminance = (image: RgbImage, half: 0 | 1) => {
      let sum = 0;
      let n = 0;
      for (let y = 0; y < image.height; y++) for (let x = half * (image.width / 2); x < (half + 1) * (image.width / 2); x++) {
        const p = y * image.width + x;
        sum += 0.299 * image.rgb[3 * p]! + 0.587 * image.rgb[3 * p + 1]! + 0.114 * image.rgb[3 * p + 2]!;
        n++;
      }
      return sum / n;
    };
    const runs = [];
    for (const [a, b] of [[left, right], [right, left]]) {
      const run = await runEdit(diffusion, {
        method: multidiffusion,
        params: { regions: [{ prompt: 'a small red circle in the center on night', region: a }, { prompt: 'a small red circle in the center on sand', region: b }] },
        targetPrompt: 'a small red circle in the center on plain',
        steps: STEPS,
        seed: 4,
      });
      runs.push([luminance(run.image, 0), luminance(run.image, 1)]);
    }
    const figures = `mean luminance left/right: night left ${runs[0]![0]!.toFixed(0)}/${runs[0]![1]!.toFixed(0)}, night right ${runs[1]![0]!.toFixed(0)}/${runs[1]![1]!.toFixed(0)}`;
    assert.ok(runs[0]![0]! < runs[0]![1]! - 20 && runs[1]![1]! < runs[1]![0]! - 20, figures);
    console.log(`multidiffusion regions: ${figures}`);
  });
});
