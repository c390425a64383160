// An image brought to the one size a model's networks are compiled for (a `Diffusion`'s width ×
// height): the studio (stored images) and the CLI (files) both read images through this, so the
// same picture gives the same pixels, and the same note, wherever it is edited or inverted.
import sharp from 'sharp';
import type { RgbImage } from '../support/image.ts';
import { growMask, shrinkMask } from './mask-morphology.ts';

/**
 * The image at `width`×`height`: as it is when it already has that size, else resized to cover it
 * (aspect kept) and centre-cropped, with a note saying so for the user.
 */
export async function toModelSize(image: RgbImage, width: number, height: number): Promise<{ image: RgbImage; note?: string }> {
  if (image.width === width && image.height === height) return { image };
  const { data, info } = await sharp(Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'cover', position: 'centre' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== width || info.height !== height) throw new Error(`resizing gave ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×3`);
  const cropped = image.width * height !== image.height * width ? ', centre-cropped to the same aspect' : '';
  return {
    image: { width, height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) },
    note: `the image is ${image.width}×${image.height}; resized to the model's ${width}×${height}${cropped}`,
  };
}

/** A picture brought to the model's size for an edit, and the way back to its own size and framing. */
export interface ModelFrame {
  /** The picture at the model's size (resized whole, not cropped). */
  image: RgbImage;
  /** The edited model-sized picture as a picture of the original's size: what the edit changed, in place; the original's own pixels elsewhere. */
  restore(edited: RgbImage): Promise<RgbImage>;
}

/** Colour distance (sum over channels) above which a model-sized pixel counts as changed by the edit. */
const CHANGED = 24;

/**
 * Frames `image` for an edit at `width`×`height`. A picture of another size is resized to it whole
 * (its aspect squeezed, nothing cut); `restore` scales the edit back and keeps the original's pixels
 * wherever the edit changed nothing, so a 320×240 upload comes back 320×240 with its detail.
 */
export async function frameForModel(image: RgbImage, width: number, height: number): Promise<ModelFrame> {
  if (image.width === width && image.height === height) return { image, restore: async (edited) => edited };
  const small = await resize(image, width, height);
  return {
    image: small,
    async restore(edited) {
      const changed = new Uint8Array(width * height);
      for (let p = 0; p < changed.length; p++) {
        let distance = 0;
        for (let c = 0; c < 3; c++) distance += Math.abs(edited.rgb[p * 3 + c]! - small.rgb[p * 3 + c]!);
        if (distance > CHANGED) changed[p] = 255;
      }
      const big = await resize(edited, image.width, image.height);
      const alpha = await grownAndSoftened(changed, width, height, image.width, image.height);
      const rgb = new Uint8Array(image.rgb.length);
      for (let p = 0; p < image.width * image.height; p++) {
        const a = alpha[p]! / 255;
        for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round(a * big.rgb[p * 3 + c]! + (1 - a) * image.rgb[p * 3 + c]!);
      }
      return { width: image.width, height: image.height, rgb };
    },
  };
}

/** Model pixels the changed area is grown by: an object's anti-aliased rim in the original must not survive where the edit removed it. */
const GROW = 2;

/**
 * The changed area at the original's size with a soft edge: specks left out (stars of a night sky
 * that a redraw moved are not the edit), then grown by `GROW` model pixels.
 */
async function grownAndSoftened(changed: Uint8Array, width: number, height: number, toWidth: number, toHeight: number): Promise<Uint8Array> {
  const area = growMask(shrinkMask(changed, width, height, 1), width, height, 1 + GROW);
  const raw = (data: Uint8Array, w: number, h: number) => sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width: w, height: h, channels: 1 } });
  // One operation per pipeline: sharp runs a pipeline's operations in its own order, not the calls'.
  const big = await raw(area, width, height).resize(toWidth, toHeight, { fit: 'fill', kernel: 'nearest' }).extractChannel(0).raw().toBuffer();
  const soft = await raw(big, toWidth, toHeight).blur(1.5).extractChannel(0).raw().toBuffer();
  return new Uint8Array(soft.buffer, soft.byteOffset, soft.byteLength);
}

async function resize(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  const { data } = await sharp(Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
