import sharp from 'sharp';
import type { HostTensor } from '../../engine/index.ts';
import { toFloat32 } from '../../engine/dtype.ts';
import type { RgbImage } from '../../support/image.ts';

/** Interleaved 8-bit pixels (3 or more channels, the first three RGB) -> [1, 3, H, W] in [-1, 1]. */
export function rgbToTensor(pixels: Uint8Array, width: number, height: number, channels = 3): HostTensor {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (pixels[i * channels + c] as number) / 127.5 - 1;
  }
  return { dtype: 'float32', shape: [1, 3, height, width], data: out };
}

/**
 * Image `index` of a [B, 3, H, W] float tensor in [-1, 1] (clamped) -> interleaved RGB bytes,
 * rounded as diffusers does ((x / 2 + 0.5).clamp(0, 1) * 255, rounded).
 */
export function tensorToRgb(tensor: HostTensor, index = 0): { pixels: Uint8Array; width: number; height: number } {
  const [batch, channels, height, width] = tensor.shape as [number, number, number, number];
  if (tensor.shape.length !== 4 || channels !== 3) throw new Error(`tensorToRgb: needs [batch, 3, height, width], got [${tensor.shape.join(', ')}]`);
  if (index < 0 || index >= batch) throw new Error(`tensorToRgb: image ${index} of a batch of ${batch}`);
  const values = tensor.dtype === 'float32' || tensor.dtype === 'float64' ? (tensor.data as Float32Array | Float64Array) : toFloat32(tensor.dtype, tensor.data);
  const plane = width * height;
  const base = index * 3 * plane;
  const pixels = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(Math.max((values[base + c * plane + i] as number) / 2 + 0.5, 0), 1);
      pixels[i * 3 + c] = Math.round(v * 255);
    }
  }
  return { pixels, width, height };
}

/** Image `index` of a [B, 3, H, W] tensor in [-1, 1] as an RgbImage (tensorToRgb's pixels). */
export function tensorToImage(tensor: HostTensor, index = 0): RgbImage {
  const { pixels, width, height } = tensorToRgb(tensor, index);
  return { width, height, rgb: pixels };
}

/** Image `index` of a [B, 3, H, W] tensor in [-1, 1] as PNG bytes. */
export async function tensorToPng(tensor: HostTensor, index = 0): Promise<Buffer> {
  const { pixels, width, height } = tensorToRgb(tensor, index);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
