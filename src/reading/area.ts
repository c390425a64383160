// The part of a picture an edit needs to redraw, from the reading of the picture and the scene
// expected after the edit: where a changed or removed object is now (its mask, grown a little), the
// grid cell a changed, moved or added object will occupy, or, for a new background, everything
// but the objects. Masked methods redraw only there; the rest is kept to the pixel.
import { POSITIONS, type Scene } from '../world/index.ts';
import { growMask } from '../pipeline/mask-morphology.ts';
import { pairObjects } from './check.ts';
import { READING_SIZE, type Reading } from './read.ts';

/** Pixels a changed object's mask is grown by: a blurry edge and a pattern's rim stay inside. */
const GROW = 3;

/**
 * `drawn`, a reading of what a method made, narrows a changed or added object's destination from
 * its grid cell to where it was drawn (grown the same): a cell redrawn whole on sand left a lighter
 * square around a new star, read later as a white square.
 */
export function changeArea(before: Pick<Reading, 'background' | 'objects'>, expected: Pick<Scene, 'background' | 'objects'>, size = READING_SIZE, drawn?: Pick<Reading, 'objects'>): Uint8Array {
  const area = new Uint8Array(size * size);
  if (before.background !== expected.background) {
    const objects = new Uint8Array(size * size);
    for (const object of before.objects) add(objects, grown(object.mask, size, 1));
    for (let p = 0; p < area.length; p++) area[p] = objects[p] ? 0 : 255;
  }
  const pairs = pairObjects(before.objects, expected.objects);
  const paired = new Set(pairs.values());
  const made = drawn ? pairObjects(expected.objects, drawn.objects) : new Map<number, number>();
  const destination = (e: number) => {
    const d = made.get(e);
    return d === undefined ? cell(expected.objects[e]!.position, size) : grown(drawn!.objects[d]!.mask, size, GROW);
  };
  before.objects.forEach((object, b) => {
    const e = pairs.get(b);
    const wanted = e === undefined ? undefined : expected.objects[e];
    const same = wanted && wanted.shape === object.shape && wanted.colour === object.colour && wanted.size === object.size && wanted.position === object.position && wanted.style === object.style;
    if (same) return;
    add(area, grown(object.mask, size, GROW));
    if (e !== undefined) add(area, destination(e));
  });
  expected.objects.forEach((_, e) => {
    if (!paired.has(e)) add(area, destination(e));
  });
  return area;
}

function add(into: Uint8Array, mask: Uint8Array): void {
  for (let p = 0; p < into.length; p++) if (mask[p]! > into[p]!) into[p] = mask[p]!;
}

/** A soft mask made binary (half coverage) and grown by `radius` pixels (square). */
function grown(mask: Uint8Array, size: number, radius: number): Uint8Array {
  return growMask(Uint8Array.from(mask, (v) => (v >= 128 ? 255 : 0)), size, size, radius);
}

/** One cell of the world's 3×3 grid, by its place or its index in reading order, at `width`×`height`. */
export function cell(position: (typeof POSITIONS)[number] | number, width: number, height = width): Uint8Array {
  const index = typeof position === 'number' ? position : POSITIONS.indexOf(position);
  const column = index % 3;
  const row = Math.floor(index / 3);
  const out = new Uint8Array(width * height);
  for (let y = Math.floor((row * height) / 3); y < Math.floor(((row + 1) * height) / 3); y++) {
    out.fill(255, y * width + Math.floor((column * width) / 3), y * width + Math.floor(((column + 1) * width) / 3));
  }
  return out;
}

/** The objects of a reading by their soft masks (0–255: an edge pixel is part object, part background): what a new background is drawn around. */
export function objectsArea(reading: Pick<Reading, 'objects'>, size = READING_SIZE): Uint8Array {
  const area = new Uint8Array(size * size);
  for (const object of reading.objects) add(area, object.mask);
  return area;
}
