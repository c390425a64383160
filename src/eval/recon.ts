import { rgbToTensor, tensorToImage } from '../models/vae/index.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { invertDdim } from '../pipeline/inversion/ddim.ts';
import { sample } from '../pipeline/sampler.ts';
import { BACKGROUNDS, OBJECT_ATTRIBUTES, renderScene, scoreScene, STYLES, type Background, type ObjectAttribute, type Style } from '../world/index.ts';
import { psnr } from '../support/image.ts';
import { evaluationScenes } from './t2i.ts';

export interface ReconEvalOptions {
  /** Held-out scenes to reconstruct. */
  n: number;
  /** DDIM steps of the inversion and of the regeneration. */
  steps?: number;
  onImage?: (done: number, total: number) => void;
}

export interface ReconEvalResult {
  scenes: number;
  /** Mean PSNR (dB) of VAE encode → decode against the rendered scene. */
  vaePsnr: number;
  /** The same per background (null where no scene had it): textures and night's stars cost the most. */
  vaePsnrByBackground: Record<Background, number | null>;
  /**
   * Fraction of objects whose attribute the world's analysis reads back right from the VAE's
   * reconstruction: the ceiling of what generation can score, since every image passes the decoder.
   */
  vaeAttributes: Record<ObjectAttribute, number>;
  /** Per drawn style, its objects and the share read back with that style (null where none): patterns are what the VAE loses. */
  vaeStyles: Record<Style, { objects: number; readBack: number | null }>;
  /** Mean PSNR (dB) of DDIM inversion to x_T and regeneration at guidance 1, both under the caption. */
  ddimPsnr: number;
  steps: number;
  secondsPerImage: number;
}

/** How faithfully the model gives back held-out images: through the VAE alone, and through a 50-step DDIM inversion. */
export async function evaluateReconstruction(diffusion: Diffusion, options: ReconEvalOptions): Promise<ReconEvalResult> {
  const steps = options.steps ?? 50;
  const scenes = [...evaluationScenes(Math.ceil(options.n / 2), 1, 9_000_001), ...evaluationScenes(Math.floor(options.n / 2), 2, 9_000_001)];
  let vae = 0;
  const byBackground = Object.fromEntries(BACKGROUNDS.map((b) => [b, [] as number[]])) as Record<Background, number[]>;
  let ddim = 0;
  let objects = 0;
  const readBack = Object.fromEntries(OBJECT_ATTRIBUTES.map((a) => [a, 0])) as Record<ObjectAttribute, number>;
  const styles = Object.fromEntries(STYLES.map((s) => [s, { objects: 0, right: 0 }])) as Record<Style, { objects: number; right: number }>;
  const started = performance.now();
  for (const [index, scene] of scenes.entries()) {
    const rendered = renderScene(scene, { size: diffusion.width });
    const latent = await diffusion.encode(rgbToTensor(rendered.rgb, rendered.width, rendered.height));
    const reconstructed = tensorToImage(await diffusion.decode(latent));
    const vaePsnr = psnr(rendered, reconstructed);
    vae += vaePsnr;
    byBackground[scene.background].push(vaePsnr);
    for (const object of scoreScene(scene, reconstructed).objects) {
      objects++;
      for (const attribute of OBJECT_ATTRIBUTES) if (object.correct[attribute]) readBack[attribute]++;
      styles[object.expected.style].objects++;
      if (object.correct.style) styles[object.expected.style].right++;
    }
    const inversion = await invertDdim(diffusion, { latent, prompt: rendered.caption, steps });
    const regenerated = await sample({
      unet: await diffusion.unet(1),
      scheduler: diffusion.scheduler('ddim'),
      steps,
      guidance: 1,
      cond: inversion.cond,
      seed: 0,
      start: inversion.trajectory.at(-1),
    });
    ddim += psnr(rendered, tensorToImage(await diffusion.decode(regenerated.latent)));
    options.onImage?.(index + 1, scenes.length);
  }
  const count = Math.max(scenes.length, 1);
  const vaeAttributes = Object.fromEntries(OBJECT_ATTRIBUTES.map((a) => [a, readBack[a] / Math.max(objects, 1)])) as Record<ObjectAttribute, number>;
  const vaePsnrByBackground = Object.fromEntries(
    BACKGROUNDS.map((b) => [b, byBackground[b].length ? byBackground[b].reduce((x, y) => x + y, 0) / byBackground[b].length : null]),
  ) as Record<Background, number | null>;
  const vaeStyles = Object.fromEntries(STYLES.map((s) => [s, { objects: styles[s].objects, readBack: styles[s].objects ? styles[s].right / styles[s].objects : null }])) as ReconEvalResult['vaeStyles'];
  return { scenes: scenes.length, vaePsnr: vae / count, vaePsnrByBackground, vaeAttributes, vaeStyles, ddimPsnr: ddim / count, steps, secondsPerImage: (performance.now() - started) / 1000 / count };
}
