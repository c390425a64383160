// What a UNet's self-attention maps carry, layer by layer. FPE shares the source's maps with the
// target and MasaCtrl lets the target's queries read the source's keys and values; both rest on
// maps that pick out keys by where and what they are, as SD's do. Measured on held-out world scenes
// noised to a few timesteps (one UNet call each, the scene's caption as the prompt):
// - entropy: a query's map's entropy as a share of log(keys) (1: it attends to every key alike);
// - locality: the mass a query puts on its 3×3 neighbourhood, over the neighbourhood's share of keys;
// - object routing: the mass the object's queries put on the object's keys, over the object's share.
// Ratios of 1 mean the maps carry nothing of the layout or the content.
import type { Diffusion } from '../pipeline/diffusion.ts';
import { NoiseSource } from '../pipeline/schedulers/index.ts';
import { rgbToTensor } from '../models/vae/index.ts';
import type { AttentionSite } from '../models/unet/hooks.ts';
import { resampleMask } from '../methods/shared/feature-control.ts';
import { toFloat32 } from '../engine/index.ts';
import { renderScene } from '../world/index.ts';
import { evaluationScenes } from './t2i.ts';

export interface AttentionEvalOptions {
  /** Held-out one-object scenes. */
  n: number;
  /** Timesteps (of 1000) the scenes are noised to. */
  timesteps?: readonly number[];
  onImage?: (done: number, total: number) => void;
}

export interface LayerAttention {
  path: string;
  place: AttentionSite['place'];
  height: number;
  width: number;
  entropy: number;
  locality: number;
  /** Null where the object fills no cell of this map by more than half in any scene. */
  objectRouting: number | null;
}

export interface AttentionEvalResult {
  scenes: number;
  timesteps: readonly number[];
  layers: LayerAttention[];
}

const DEFAULT_TIMESTEPS = [250, 500, 750];

export async function evaluateAttention(diffusion: Diffusion, options: AttentionEvalOptions): Promise<AttentionEvalResult> {
  const timesteps = options.timesteps ?? DEFAULT_TIMESTEPS;
  const [, , latentHeight, latentWidth] = diffusion.latentShape;
  const unet = await diffusion.unet(1, { selfMapTokens: latentHeight * latentWidth });
  const sites = unet.layout.selfAttention;
  const sums = sites.map(() => ({ entropy: 0, locality: 0, maps: 0, routing: 0, routed: 0 }));
  const scheduler = diffusion.scheduler('ddim');
  const noise = new NoiseSource(1);
  const scenes = evaluationScenes(options.n, 1, 9_300_001);
  for (const [index, scene] of scenes.entries()) {
    const rendered = renderScene(scene, { size: diffusion.width });
    const latent = await diffusion.encode(rgbToTensor(rendered.rgb, rendered.width, rendered.height));
    const cond = await diffusion.encodePrompt(rendered.caption);
    const objectMask = Float32Array.from(rendered.masks[0]!, (v) => v / 255);
    const insideBySite = sites.map((site) => Array.from(resampleMask(objectMask, rendered.width, rendered.height, site.width, site.height), (v) => v > 0.5));
    for (const t of timesteps) {
      const { captures } = await unet.step(
        {
          sample: { dtype: 'float32', shape: diffusion.latentShape, data: scheduler.addNoise(latent, noise.normal(latent.length), t) },
          timestep: { dtype: 'float32', shape: [1], data: new Float32Array([t]) },
          encoderHiddenStates: cond,
        },
        { capture: sites.map((site) => `capture.${site.path}.probs`) },
      );
      sites.forEach((site, i) => {
        const captured = captures[`capture.${site.path}.probs`]!;
        const stats = mapStatistics(toFloat32(captured.dtype, captured.data), site, insideBySite[i]!);
        const sum = sums[i]!;
        sum.entropy += stats.entropy;
        sum.locality += stats.locality;
        sum.maps++;
        if (stats.objectRouting !== null) {
          sum.routing += stats.objectRouting;
          sum.routed++;
        }
      });
    }
    options.onImage?.(index + 1, scenes.length);
  }
  return {
    scenes: scenes.length,
    timesteps,
    layers: sites.map((site, i) => {
      const sum = sums[i]!;
      return {
        path: site.path, place: site.place, height: site.height, width: site.width,
        entropy: sum.entropy / sum.maps,
        locality: sum.locality / sum.maps,
        objectRouting: sum.routed ? sum.routing / sum.routed : null,
      };
    }),
  };
}

/** One map [tokens, tokens] (rows: queries): its entropy share, locality and object routing (see the header). */
export function mapStatistics(probs: Float32Array, site: Pick<AttentionSite, 'width' | 'height' | 'tokens'>, inside: readonly boolean[]): { entropy: number; locality: number; objectRouting: number | null } {
  const { width, tokens } = site;
  const objectTokens = inside.filter(Boolean).length;
  let entropy = 0;
  let locality = 0;
  let objectMass = 0;
  for (let q = 0; q < tokens; q++) {
    const qx = q % width;
    const qy = Math.floor(q / width);
    let near = 0;
    let nearKeys = 0;
    for (let k = 0; k < tokens; k++) {
      const p = probs[q * tokens + k] as number;
      if (p > 0) entropy -= p * Math.log(p);
      if (Math.abs((k % width) - qx) <= 1 && Math.abs(Math.floor(k / width) - qy) <= 1) {
        near += p;
        nearKeys++;
      }
      if (inside[q] && inside[k]) objectMass += p;
    }
    locality += near / (nearKeys / tokens);
  }
  const routed = objectTokens > 0 && objectTokens < tokens;
  return {
    entropy: tokens > 1 ? entropy / tokens / Math.log(tokens) : 0,
    locality: locality / tokens,
    objectRouting: routed ? objectMass / objectTokens / (objectTokens / tokens) : null,
  };
}
