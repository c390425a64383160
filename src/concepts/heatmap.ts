// Where a dictionary's features fire on a picture: the picture encoded by the VAE, noised to the
// site's point of the schedule (a fixed seed), one UNet pass of [unconditional, conditional] as the
// build collected them, the site's delta taken apart position by position and SAE-encoded; the chosen
// features' activations summed per position and scaled to [0, 1] by the highest.
import { CONCEPT_PICTURES } from '../config/limits.ts';
import type { HostTensor } from '../engine/index.ts';
import { toFloat32 } from '../engine/index.ts';
import { siteName, type DictionarySite } from '../models/sae/dictionary.ts';
import { positionVectors } from '../models/sae/positions.ts';
import { rgbToTensor } from '../models/vae/index.ts';
import { concatBatch, repeatLatent } from '../pipeline/batch.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { NoiseSource } from '../pipeline/schedulers/index.ts';
import type { RgbImage } from '../support/image.ts';
import { activationMaps } from './label.ts';
import { stepAt } from './sites.ts';

export interface HeatmapOptions {
  site: DictionarySite;
  features: readonly number[];
  /** Steps of the build's schedule: the site's time is one of its steps. */
  steps: number;
  /** The conditional branch's prompt ('' = the empty prompt); the unconditional one is always ''. */
  caption: string;
  seed?: number;
}

export interface Heatmap {
  /** height × width cells in [0, 1] (all 0 when no feature fired). */
  heat: Float32Array;
  height: number;
  width: number;
  /** The hottest cell and its summed activation before scaling. */
  peak: { x: number; y: number; activation: number };
  timestep: number;
}

/** The features' summed activation map at their site on `image`, which must be at the model's size. */
export async function conceptHeatmap(diffusion: Diffusion, image: RgbImage, options: HeatmapOptions): Promise<Heatmap> {
  const { site, features } = options;
  if (features.length === 0) throw new RangeError('concept heat map: no features to draw');
  const unet = await diffusion.unet(2);
  const capture = `capture.${site.block}.delta`;
  if (!unet.captureNames.includes(capture)) throw new Error(`concept heat map: this UNet captures no ${capture} (it needs a Diffusion with hooks, and the block must exist)`);
  const latent = await diffusion.encode(rgbToTensor(image.rgb, image.width, image.height));
  const scheduler = diffusion.scheduler('ddim');
  scheduler.setTimesteps(options.steps);
  const timestep = scheduler.timesteps[stepAt(site.time, options.steps)] as number;
  const noisy = scheduler.addNoise(latent, new NoiseSource(options.seed ?? CONCEPT_PICTURES.seed).normal(latent.length), timestep);
  const [, ...shape] = diffusion.latentShape;
  const { captures } = await unet.step(
    {
      sample: { dtype: 'float32', shape: [2, ...shape], data: repeatLatent(scheduler.scaleModelInput(noisy, timestep), 2) },
      timestep: { dtype: 'float32', shape: [2], data: new Float32Array(2).fill(timestep) },
      encoderHiddenStates: concatBatch([await diffusion.encodePrompt(''), await diffusion.encodePrompt(options.caption)]),
    },
    { capture: [capture] },
  );
  const delta = captures[capture] as HostTensor;
  const data = delta.dtype === 'float32' ? (delta.data as Float32Array) : toFloat32(delta.dtype, delta.data);
  const positions = site.height * site.width;
  if (data.length !== 2 * site.sae.inputs * positions) throw new Error(`concept heat map: ${siteName(site)} captured ${data.length} values, the dictionary's site is ${site.sae.inputs} × ${site.height}×${site.width} per branch`);
  const rows = positionVectors(data, site.branch === 'cond' ? 1 : 0, site.sae.inputs, positions);
  const maps = activationMaps(site.sae, rows, positions);
  const heat = new Float32Array(positions);
  for (const f of features) for (let p = 0; p < positions; p++) heat[p] = (heat[p] as number) + (maps[f * positions + p] as number);
  let best = 0;
  for (let p = 1; p < positions; p++) if ((heat[p] as number) > (heat[best] as number)) best = p;
  const max = heat[best] as number;
  if (max > 0) for (let p = 0; p < positions; p++) heat[p] = (heat[p] as number) / max;
  return { heat, height: site.height, width: site.width, peak: { x: best % site.width, y: Math.floor(best / site.width), activation: max }, timestep };
}
