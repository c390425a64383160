// What the method tests share: the shipped model compiled with hooks, and held-out scenes of its
// world with their truth (caption, per-object masks) to edit.
import { evaluationScenes } from '../../src/eval/t2i.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { openStableDiffusion } from '../../src/models/stable-diffusion.ts';
import { Diffusion } from '../../src/pipeline/diffusion.ts';
import { renderScene, type RenderedScene, type Scene } from '../../src/world/index.ts';

/**
 * Guidance for the method tests' short runs (10–20 steps). At SD's 7.5 the trained model overshoots
 * when it takes so few steps: DiffEdit's 10-step colour edit ends with latents up to 6.6 where the
 * source's reach 4.2, and the VAE decoder's mid-block attention carries that into the whole image
 * (27.9/255 outside the mask, whose latents are exactly the source's). At 50 steps and 7.5 the same
 * edit keeps the outside at 0.78/255, and at 10 steps guidance 5 at 0.90.
 */
export const SHORT_RUN_GUIDANCE = 5;

let shared: Diffusion | undefined;

/** One hooked Diffusion of the shipped model per test file (compiling UNets is the slow part). */
export function shippedDiffusion(): Diffusion {
  shared ??= new Diffusion(openStableDiffusion(SHIPPED_MODEL_DIR), { hooks: true });
  return shared;
}

export async function releaseShipped(): Promise<void> {
  await shared?.release();
  shared = undefined;
}

/** Held-out scenes (never trained on) with `objects` objects each, rendered at the model's size. */
export function heldOutScenes(count: number, objects: 1 | 2 | 3 = 1, seed = 9_100_001): { scene: Scene; rendered: RenderedScene }[] {
  return evaluationScenes(count, objects, seed).map((scene) => ({ scene, rendered: renderScene(scene, { size: 128 }) }));
}

/** Mean absolute difference per byte between two images of the same size. */
export function meanAbsoluteDifference(a: { rgb: Uint8Array }, b: { rgb: Uint8Array }, weight?: (pixel: number) => number): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < a.rgb.length; i++) {
    const w = weight ? weight(Math.floor(i / 3)) : 1;
    sum += w * Math.abs((a.rgb[i] as number) - (b.rgb[i] as number));
    total += w;
  }
  return total === 0 ? 0 : sum / total;
}
