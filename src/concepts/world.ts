// What a concept dictionary of the shipped model is built from: captions of the world's scenes, and
// the labelled regions of each picture drawn from them — each object read back (its mask, with its
// shape and colour words, and its pattern's unless flat) and the background (what no object covers,
// with the background's word).
import { readPicture, sampleWorldCaptions } from '../reading/index.ts';
import { LABEL_DEFAULTS, regionMask, type LabelRegion } from './label.ts';

export async function worldRegions(image: { pixels: Uint8Array; width: number; height: number }, side: number = LABEL_DEFAULTS.side): Promise<LabelRegion[] | undefined> {
  const reading = await readPicture({ width: image.width, height: image.height, rgb: image.pixels });
  if (!reading.inWorld) return undefined;
  const size = Math.round(Math.sqrt(reading.objects[0]?.mask.length ?? 0)) || 0;
  const regions: LabelRegion[] = reading.objects.map((o) => ({
    words: o.style === 'flat' ? [o.shape, o.colour] : [o.shape, o.colour, o.style],
    mask: regionMask(o.mask, size, size, side),
  }));
  const background = new Uint8Array(side * side).fill(1);
  for (const r of regions) for (let i = 0; i < background.length; i++) if (r.mask[i]) background[i] = 0;
  regions.push({ words: [reading.background], mask: background });
  return regions;
}

/** `count` captions of random scenes of the world, the same for the same seed. */
export function worldPrompts(count: number, seed: number): string[] {
  return sampleWorldCaptions(count, seed);
}
