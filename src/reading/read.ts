// How a model with a read-back sees its own pictures. The shipped model draws only the procedural
// world, and the world's analysis reads any picture of that world back into a scene (objects with
// shape, colour, size, place and pattern; the background): to complete what a short prompt left out
// before an edit is planned, to check an edit or a drawing after it is made, and to say when a
// picture is plainly not of that world.
import sharp from 'sharp';
import { SHIPPED_MODEL_NAME } from '../models/catalog.ts';
import { analyseImage, captionOf, positionIndex, renderScene, type DetectedObject, type Scene, type SceneObject } from '../world/index.ts';
import { psnr, type RgbImage } from '../support/image.ts';
import type { Background } from '../world/vocabulary.ts';

/** The size the world is drawn and read at (the shipped model's). */
export const READING_SIZE = 128;

/**
 * A render of the scene read must match the picture to at least this PSNR (dB) for the picture to
 * count as one of the world. Generated pictures of the world measure 23–32 dB, photos and drawings
 * from elsewhere 9–15 dB (test/reading/reading.test.ts).
 */
export const IN_WORLD_FIT_DB = 18;

export interface ReadObject extends SceneObject {
  /** Soft mask (0–255) at READING_SIZE. */
  mask: Uint8Array;
  /** How well the best shape template fits (cosine, 0–1). */
  shapeScore: number;
  /** RGB distance between the measured colour and the colour named. */
  colourDistance: number;
}

export interface Reading {
  background: Background;
  /** In reading order (top left first), as the caption names them. */
  objects: ReadObject[];
  /** The world's caption of what was read ("a medium red star in the center on grass"). */
  caption: string;
  /** PSNR (dB) between the picture (at READING_SIZE) and a render of the scene read. */
  fit: number;
  /** Whether the reading explains the picture well enough to be trusted (fit ≥ IN_WORLD_FIT_DB). */
  inWorld: boolean;
}

/** Reads a picture of the world. Pictures of another size are resized (not cropped) first. */
export async function readPicture(image: RgbImage): Promise<Reading> {
  const square = image.width === READING_SIZE && image.height === READING_SIZE ? image : await resized(image, READING_SIZE);
  return readSquare(square);
}

function readSquare(image: RgbImage): Reading {
  const analysis = analyseImage(image);
  const objects = [...analysis.objects].sort((a, b) => positionIndex(a.position) - positionIndex(b.position)).map(toReadObject);
  const scene: Scene = { background: analysis.background, seed: 0, objects: objects.map(plainObject) };
  const fit = psnr(image, renderScene(scene, { size: image.width }));
  return { background: analysis.background, objects, caption: captionOf(scene), fit, inWorld: fit >= IN_WORLD_FIT_DB };
}

function toReadObject(found: DetectedObject): ReadObject {
  const { shape, colour, size, position, style, mask, shapeScore, colourDistance } = found;
  return { shape, colour, size, position, style, mask, shapeScore, colourDistance };
}

export function plainObject(object: SceneObject): SceneObject {
  const { shape, colour, size, position, style } = object;
  return { shape, colour, size, position, style };
}

/** The scene a reading describes (no masks), as the world's edits and checks take it. */
export function sceneOf(reading: Pick<Reading, 'background' | 'objects'>): Scene {
  return { background: reading.background, seed: 0, objects: reading.objects.map(plainObject) };
}

async function resized(image: RgbImage, size: number): Promise<RgbImage> {
  const { data } = await sharp(Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size, size, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: size, height: size, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Whether pictures of this model (by its catalog name) can be read back: the shipped model's can. */
export function hasReader(modelName: string): boolean {
  return modelName === SHIPPED_MODEL_NAME;
}
