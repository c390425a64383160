// MultiDiffusion (Bar-Tal et al., ICML 2023): one canvas, many denoising windows and prompts fused
// every step. Each window (the UNet's size) of the canvas, with each prompt whose region reaches it,
// is denoised one step; the canvas becomes the per-pixel weighted average of all those steps
// (the closed-form least-squares fusion with mask weights). Panoramas: a canvas wider than the UNet
// (e.g. 4:1), windows at a stride; region prompts: masks per prompt over a background prompt (the
// request's target prompt, everywhere), with a short bootstrapping phase in which each region's
// outside is replaced by a noised constant colour so regions keep to their masks.
//
// Defaults (official code): stride 8 latent pixels of SD's 64-wide window, mapped by resolution
// (shared/layers.ts: 8 of 64 = an eighth of the window's side; the shipped model's 16-wide window:
// 2); bootstrapping for 20 of 50 steps (0.4 of the steps, official region-based script); DDIM.
// Output: `latent` is the window at the canvas's centre (the model's size); the whole canvas is
// `extraLatents.panorama` with metrics.latentWidth/latentHeight; `decodePanorama` decodes it (a
// Diffusion compiled for the canvas's size: the VAE decoder is convolutional, any size works).
import { z } from 'zod';
import type { HostTensor } from '../engine/index.ts';
import { rgbToTensor } from '../models/vae/index.ts';
import { NoiseSource, guide } from '../pipeline/schedulers/index.ts';
import { SamplingCancelled } from '../pipeline/sampler.ts';
import { createRandom } from '../support/random.ts';
import { mapSide } from './shared/layers.ts';
import { boxMask, boxSchema } from './shared/feature-control.ts';
import { cellBox, GRID_CELLS } from './shared/grid.ts';
import { defineMethod, EditRequestError } from './types.ts';
import { concatBatch } from '../pipeline/batch.ts';

const regionSchema = z.strictObject({
  prompt: z.string().min(1),
  /**
   * A box in fractions of the canvas, a cell of the 3×3 grid plans name places by, or 'mask' for the
   * request's mask (model-sized canvases only).
   */
  region: z.union([boxSchema, z.enum(GRID_CELLS).transform(cellBox), z.literal('mask')]),
});

export const multidiffusion = defineMethod({
  id: 'multidiffusion',
  name: 'MultiDiffusion',
  summary: 'Panoramas of any width and region prompts: windows denoised separately, fused every step',
  edit: 'canvas',
  promptDriven: false,
  params: z.strictObject({
    /** Canvas width in model widths (4 = a 4:1 panorama; 1 = the model's size). */
    widthFactor: z.number().min(1).max(16).default(1),
    /** Window stride in SD latent pixels of a 64-wide window (official 8), mapped by resolution. */
    stride: z.number().int().min(1).max(64).default(8),
    /** Region prompts over the background (the target prompt). */
    regions: z.array(regionSchema).max(8).default([]),
    /** Fraction of the steps with constant-colour backgrounds for the regions (official 20 of 50). */
    bootstrap: z.number().min(0).max(1).default(0.4),
  }),
  needs: { generates: true, mask: 'optional' },
  async run(input, params) {
    const { diffusion } = input;
    const [, channels, windowHeight, windowWidth] = diffusion.latentShape;
    const canvasWidth = Math.round(windowWidth * params.widthFactor);
    const canvasHeight = windowHeight;
    const stride = Math.min(windowWidth, mapSide(windowWidth, params.stride));
    const xs: number[] = [];
    for (let x = 0; x + windowWidth <= canvasWidth; x += stride) xs.push(x);
    if (xs[xs.length - 1]! + windowWidth < canvasWidth) xs.push(canvasWidth - windowWidth);
    const plane = canvasWidth * canvasHeight;
    const guided = input.guidance !== 1;
    const uncond = guided ? await diffusion.encodePrompt(input.target.negativePrompt ?? '') : undefined;
    const prompts: { cond: HostTensor; mask: Float32Array; colour?: Float32Array }[] = [{ cond: await diffusion.encodePrompt(input.target.prompt), mask: new Float32Array(plane).fill(1) }];
    const random = createRandom(input.seed + 1);
    for (const region of params.regions) {
      let mask: Float32Array;
      if (region.region === 'mask') {
        if (!input.mask) throw new EditRequestError(`the region of '${region.prompt}' is the mask, and no mask was given`);
        if (canvasWidth !== windowWidth) throw new EditRequestError('a mask region needs a canvas of the model’s size (widthFactor 1); give boxes for panoramas');
        mask = input.mask.latent;
      } else mask = boxMask(region.region, canvasWidth, canvasHeight);
      // Bootstrapping background: a constant colour, encoded once (official: random colours).
      const rgb = new Uint8Array(diffusion.width * diffusion.height * 3);
      const colour = [0, 1, 2].map(() => Math.floor(random.next() * 256));
      for (let p = 0; p < rgb.length; p++) rgb[p] = colour[p % 3]!;
      prompts.push({ cond: await diffusion.encodePrompt(region.prompt), mask, colour: await diffusion.encode(rgbToTensor(rgb, diffusion.width, diffusion.height)) });
    }
    // The background prompt covers what no region does (official: bg mask = 1 − Σ fg masks, clipped at 0).
    const background = prompts[0]!.mask;
    for (const region of prompts.slice(1)) for (let p = 0; p < plane; p++) background[p] = Math.max(0, background[p]! - region.mask[p]!);
    const unet = await diffusion.unet(guided ? 2 : 1);
    const scheduler = diffusion.scheduler('ddim');
    scheduler.setTimesteps(input.steps);
    const timesteps = [...scheduler.timesteps];
    const bootstrapSteps = params.regions.length ? Math.floor(input.steps * params.bootstrap + 1e-9) : 0;
    const noise = new NoiseSource(input.seed);
    let latent = noise.normal(channels * plane);
    const windowSize = channels * windowHeight * windowWidth;
    const crop = (x0: number, from: Float32Array = latent) => {
      const out = new Float32Array(windowSize);
      for (let c = 0; c < channels; c++) for (let y = 0; y < windowHeight; y++) for (let x = 0; x < windowWidth; x++) out[(c * windowHeight + y) * windowWidth + x] = from[(c * canvasHeight + y) * canvasWidth + x0 + x]!;
      return out;
    };
    for (const [index, t] of timesteps.entries()) {
      if (input.signal?.aborted) throw new SamplingCancelled(`cancelled after ${index} of ${timesteps.length} steps`);
      const sum = new Float32Array(latent.length);
      const weight = new Float32Array(plane);
      let predOriginal = new Float32Array(0);
      for (const x0 of xs) {
        for (const prompt of prompts) {
          const m = crop(x0, prompt.mask);
          if (!m.some((v) => v > 0)) continue;
          let window = crop(x0);
          if (index < bootstrapSteps && prompt.colour) {
            const background = scheduler.addNoise(prompt.colour, noise.normal(windowSize), t);
            const mixed = new Float32Array(windowSize);
            const area = windowHeight * windowWidth;
            for (let i = 0; i < windowSize; i++) mixed[i] = m[i % area]! * window[i]! + (1 - m[i % area]!) * background[i]!;
            window = mixed;
          }
          const { sample } = await unet.step({
            sample: { dtype: 'float32', shape: [guided ? 2 : 1, channels, windowHeight, windowWidth], data: guided ? new Float32Array([...window, ...window]) : window },
            timestep: { dtype: 'float32', shape: [guided ? 2 : 1], data: new Float32Array(guided ? 2 : 1).fill(t) },
            encoderHiddenStates: concatBatch(guided ? [uncond!, prompt.cond] : [prompt.cond]),
          });
          const out = sample.data as Float32Array;
          const eps = guided ? guide(out.subarray(0, windowSize), out.subarray(windowSize), input.guidance) : out;
          const step = scheduler.step(eps, t, window);
          if (x0 === xs[Math.floor(xs.length / 2)] && prompt === prompts[0]) predOriginal = step.predOriginal;
          for (let c = 0; c < channels; c++) {
            for (let y = 0; y < windowHeight; y++) {
              for (let x = 0; x < windowWidth; x++) {
                const w = m[y * windowWidth + x]!;
                if (w === 0) continue;
                const p = y * canvasWidth + x0 + x;
                sum[c * plane + p]! += w * step.prevSample[(c * windowHeight + y) * windowWidth + x]!;
                if (c === 0) weight[p]! += w;
              }
            }
          }
        }
      }
      for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / Math.max(1e-8, weight[i % plane]!);
      latent = sum;
      await input.onStep?.({ step: index + 1, total: timesteps.length, timestep: t, predOriginal });
    }
    const centre = Math.round((canvasWidth - windowWidth) / 2);
    return {
      latent: crop(centre),
      extraLatents: canvasWidth !== windowWidth ? { panorama: latent } : undefined,
      canvas: canvasWidth !== windowWidth ? { latent, latentWidth: canvasWidth, latentHeight: canvasHeight } : undefined,
      metrics: { width: (canvasWidth * diffusion.width) / windowWidth, height: diffusion.height, latentWidth: canvasWidth, latentHeight: canvasHeight, windows: xs.length, stride },
      notes: canvasWidth !== windowWidth ? [`the panorama is ${(canvasWidth * diffusion.width) / windowWidth}×${diffusion.height}; the image shown is its centre`] : undefined,
    };
  },
});

export { decodeCanvas as decodePanorama } from './shared/canvas.ts';

