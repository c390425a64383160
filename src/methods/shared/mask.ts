// Masks at image resolution in, masks at latent resolution for the methods.
import { EditRequestError, type EditMask } from '../types.ts';

/** Values in [0, 1] (bytes are divided by 255), one per pixel, row-major. */
export interface MaskImage {
  data: Float32Array | Uint8Array;
  width: number;
  height: number;
}

/** Checks a mask against the image size and averages it down to the latent grid. */
export function toEditMask(mask: MaskImage, image: { width: number; height: number }, latent: { width: number; height: number }): EditMask {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new EditRequestError(`the mask is ${mask.width}×${mask.height} and the image ${image.width}×${image.height}; they must be the same size`);
  }
  if (mask.data.length !== mask.width * mask.height) {
    throw new EditRequestError(`the mask has ${mask.data.length} values for ${mask.width}×${mask.height} pixels (one value per pixel)`);
  }
  const scale = mask.data instanceof Uint8Array ? 1 / 255 : 1;
  const pixels = Float32Array.from(mask.data, (v) => v * scale);
  if (pixels.some((v) => !(v >= 0 && v <= 1))) throw new EditRequestError('mask values must lie in [0, 1]');
  return { image: pixels, latent: downsample(pixels, mask.width, mask.height, latent.width, latent.height), width: mask.width, height: mask.height, latentWidth: latent.width, latentHeight: latent.height };
}

/** Area average onto a coarser grid (sizes must divide). */
export function downsample(values: Float32Array, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  if (width % toWidth !== 0 || height % toHeight !== 0) throw new RangeError(`downsample: ${width}×${height} does not divide into ${toWidth}×${toHeight}`);
  const fx = width / toWidth;
  const fy = height / toHeight;
  const out = new Float32Array(toWidth * toHeight);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cell = Math.floor(y / fy) * toWidth + Math.floor(x / fx);
      out[cell] = (out[cell] as number) + (values[y * width + x] as number) / (fx * fy);
    }
  }
  return out;
}

/** Nearest-neighbour upsampling of a grid (a latent-resolution mask shown at image size). */
export function upsample(values: Float32Array, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  const out = new Float32Array(toWidth * toHeight);
  for (let y = 0; y < toHeight; y++) {
    const sy = Math.min(height - 1, Math.floor((y * height) / toHeight));
    for (let x = 0; x < toWidth; x++) out[y * toWidth + x] = values[sy * width + Math.min(width - 1, Math.floor((x * width) / toWidth))] as number;
  }
  return out;
}

/** Blends per latent pixel across all channels: where mask is 1 take `inside`, where 0 `outside`. */
export function blendLatents(inside: Float32Array, outside: Float32Array, mask: Float32Array): Float32Array {
  const plane = mask.length;
  const out = new Float32Array(inside.length);
  for (let i = 0; i < inside.length; i++) {
    const m = mask[i % plane] as number;
    out[i] = m * (inside[i] as number) + (1 - m) * (outside[i] as number);
  }
  return out;
}
