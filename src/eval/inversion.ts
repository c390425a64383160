import { GUIDANCE } from '../config/limits.ts';
import { rgbToTensor, tensorToImage } from '../models/vae/index.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { invert, NullTextGraph, reconstruct, type InversionMethod } from '../pipeline/inversion/index.ts';
import { renderScene } from '../world/index.ts';
import { psnr } from '../support/image.ts';
import { evaluationScenes } from './t2i.ts';

export const INVERSION_EVAL_METHODS: readonly InversionMethod[] = ['invert.ddim', 'invert.null_text', 'invert.negative_prompt', 'invert.direct', 'invert.ddpm'];

export interface InversionEvalOptions {
  /** Held-out scenes (the recon suite's). */
  n: number;
  steps?: number;
  /** Guidance of the regeneration (and what null-text / ddpm invert for). */
  guidance?: number;
  methods?: readonly InversionMethod[];
  onImage?: (done: number, total: number) => void;
}

export interface InversionMethodScore {
  method: InversionMethod;
  /** Mean PSNR (dB) of regeneration vs the rendered scene. */
  psnr: number;
  /** Mean seconds per image: inversion, regeneration, both. */
  invertSeconds: number;
  reconstructSeconds: number;
  secondsPerImage: number;
}

export interface InversionEvalResult {
  scenes: number;
  steps: number;
  guidance: number;
  /** Mean PSNR of VAE encode → decode: the ceiling for every method. */
  vaePsnr: number;
  methods: InversionMethodScore[];
  /** One-off compile of the null-text gradient graph (not in the per-image times). */
  compileSeconds: number;
}

/**
 * The inversions side by side on held-out scenes: each inverts under the scene's caption and
 * regenerates at `guidance` (7.5), decoded and compared with the rendered scene. `invert.ddim` is
 * the baseline whose error CFG amplifies.
 */
export async function evaluateInversions(diffusion: Diffusion, options: InversionEvalOptions): Promise<InversionEvalResult> {
  const steps = options.steps ?? 50;
  const guidance = options.guidance ?? GUIDANCE.default;
  const methods = options.methods ?? INVERSION_EVAL_METHODS;
  const scenes = [...evaluationScenes(Math.ceil(options.n / 2), 1, 9_000_001), ...evaluationScenes(Math.floor(options.n / 2), 2, 9_000_001)];
  const compileStarted = performance.now();
  await diffusion.unet(1);
  await diffusion.unet(guidance === 1 ? 1 : 2);
  const graph = methods.includes('invert.null_text') ? await NullTextGraph.compile(diffusion) : undefined;
  const compileSeconds = (performance.now() - compileStarted) / 1000;
  const totals = new Map(methods.map((method) => [method, { psnr: 0, invert: 0, reconstruct: 0 }]));
  let vae = 0;
  try {
    for (const [index, scene] of scenes.entries()) {
      const rendered = renderScene(scene, { size: diffusion.width });
      const latent = await diffusion.encode(rgbToTensor(rendered.rgb, rendered.width, rendered.height));
      vae += psnr(rendered, tensorToImage(await diffusion.decode(latent)));
      for (const method of methods) {
        const started = performance.now();
        const inversion = await invert(diffusion, method, { latent, prompt: rendered.caption, steps, guidance, graph, seed: index });
        const inverted = performance.now();
        const { latent: regenerated } = await reconstruct(diffusion, inversion, { guidance });
        const total = totals.get(method)!;
        total.invert += inverted - started;
        total.reconstruct += performance.now() - inverted;
        total.psnr += psnr(rendered, tensorToImage(await diffusion.decode(regenerated)));
      }
      options.onImage?.(index + 1, scenes.length);
    }
  } finally {
    await graph?.release();
  }
  const count = Math.max(scenes.length, 1);
  return {
    scenes: scenes.length,
    steps,
    guidance,
    vaePsnr: vae / count,
    compileSeconds,
    methods: methods.map((method) => {
      const total = totals.get(method)!;
      return {
        method,
        psnr: total.psnr / count,
        invertSeconds: total.invert / 1000 / count,
        reconstructSeconds: total.reconstruct / 1000 / count,
        secondsPerImage: (total.invert + total.reconstruct) / 1000 / count,
      };
    }),
  };
}
