// An image brought to the one size a model's networks are compiled for (a `Diffusion`'s width ×
// height): the studio (stored images) and the CLI (files) both read images through this, so the
// same picture gives the same pixels, and the same note, wherever it is edited or inverted.
import sharp from 'sharp';
import type { RgbImage } from '../world/image.ts';

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
