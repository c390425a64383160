// A latent canvas of another size than the model's (a panorama) decoded with a VAE compiled for it.
import { tensorToRgb } from '../../models/vae/index.ts';
import { Diffusion } from '../../pipeline/diffusion.ts';
import type { RgbImage } from '../../support/image.ts';

/** Decodes a canvas latent [1, C, latentHeight, latentWidth] with a VAE compiled for its size. */
export async function decodeCanvas(diffusion: Diffusion, latent: Float32Array, latentWidth: number, latentHeight: number): Promise<RgbImage> {
  const factor = diffusion.width / (diffusion.latentShape[3] as number);
  const wide = new Diffusion(diffusion.model, { width: latentWidth * factor, height: latentHeight * factor, compile: diffusion.options.compile });
  try {
    const { pixels, width, height } = tensorToRgb(await wide.decode(latent));
    return { rgb: pixels, width, height };
  } finally {
    await wide.release();
  }
}
