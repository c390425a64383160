// sae.compose's layout: where each thing a prompt asks for will go, read from a transformer block's
// delta at the first sampling step — long before the picture shows it. The delta's conditional
// vectors give each position's conceptual vector (compose.ts); each position goes to the prompt
// entity (its objects, its background) it leans to most (compose.ts's owners), and a position where
// no feature with a concept vector is active to the background; a small picture paints each position
// in its owner's colour.
import { toFloat32, type HostTensor } from '../engine/index.ts';
import { cellPositions, steeringSite } from '../methods/sae/concepts.ts';
import { GRID_CELLS, type GridCell } from '../methods/shared/grid.ts';
import type { ConceptDictionary, DictionarySite } from '../models/sae/dictionary.ts';
import { conditionalVectors } from '../models/sae/positions.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { SamplingCancelled } from '../pipeline/sampler.ts';
import { textToImage } from '../pipeline/text-to-image.ts';
import { conceptualMap, entityScores, owners } from './compose.ts';
import { promptEntities, type PromptEntity } from './entities.ts';
import { stepAt } from './sites.ts';
import { WordVectors } from './word-vectors.ts';

export interface EntityArea {
  entity: PromptEntity;
  /** Positions of the block's map it owns, and their share of the map. */
  positions: number;
  share: number;
  /** The 3×3 grid cells where it owns more positions than any other entity. */
  cells: GridCell[];
}

export interface Layout {
  site: DictionarySite;
  /** Per position of the site's height × width map: the owning entity's index. */
  owners: Int32Array;
  /** Positions where no feature with a concept vector was active, given to the background. */
  empty: number;
  areas: EntityArea[];
}

/** What reading a layout out of a run needs, made before sampling: the site, what to capture at which step, the entities' vectors. */
export interface LayoutProbe {
  site: DictionarySite;
  entities: PromptEntity[];
  /** The capture name of the site's block delta. */
  capture: string;
  step: number;
  /** The layout from the captured delta ([batch, C, H, W]; the last element is the conditional branch). */
  read(delta: HostTensor): Layout;
}

/**
 * The probe of a prompt on a dictionary site: by default the up block's conditional SAE at the
 * first step (the site `retouch eval concepts` measures composition at); an EditRequestError when
 * the dictionary has no such site.
 */
export async function layoutProbe(diffusion: Diffusion, dictionary: ConceptDictionary, prompt: string, steps: number, block?: string): Promise<LayoutProbe> {
  const site = steeringSite(dictionary, block, 1, 'sae.compose');
  const entities = promptEntities(prompt);
  const vectors = await entityVectors(new WordVectors(diffusion), entities.map((e) => e.words));
  const positions = site.height * site.width;
  return {
    site, entities, capture: `capture.${site.block}.delta`, step: stepAt(site.time, steps),
    read(captured) {
      const delta = captured.dtype === 'float32' ? (captured.data as Float32Array) : toFloat32(captured.dtype, captured.data);
      const channels = site.sae.inputs;
      if (delta.length % (channels * positions) !== 0) throw new Error(`sae.compose: ${site.block}'s delta has ${delta.length} values, not whole maps of ${channels} × ${site.height}×${site.width} (the dictionary's); is the picture another size than the dictionary's?`);
      const map = conceptualMap(site, conditionalVectors(delta, channels, positions));
      const owner = owners(entityScores(map, vectors, entities.length - 1), site.height, site.width);
      const empty = map.filter((v) => v === undefined).length;
      return { site, owners: owner, empty, areas: areasOf(owner, entities, site.height, site.width) };
    },
  };
}

/** Each list of words as one vector: the mean of its words' vectors. */
export async function entityVectors(words: WordVectors, lists: readonly (readonly string[])[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const list of lists) {
    await words.load(list);
    const mean = new Float32Array(words.get(list[0] as string).length);
    for (const w of list) {
      const v = words.get(w);
      for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (v[i] as number) / list.length;
    }
    out.push(mean);
  }
  return out;
}

function areasOf(owners: Int32Array, entities: readonly PromptEntity[], height: number, width: number): EntityArea[] {
  const areas: EntityArea[] = entities.map((entity) => ({ entity, positions: 0, share: 0, cells: [] }));
  for (const e of owners) (areas[e] as EntityArea).positions += 1;
  for (const a of areas) a.share = a.positions / owners.length;
  for (const cell of GRID_CELLS) {
    const counts = new Array<number>(entities.length).fill(0);
    cellPositions(cell, height, width).forEach((inside, p) => {
      const e = owners[p] as number;
      if (inside) counts[e] = (counts[e] as number) + 1;
    });
    const best = counts.indexOf(Math.max(...counts));
    if ((counts[best] as number) > 0) areas[best]?.cells.push(cell);
  }
  return areas;
}

/** The layout as RGB: each position in its owner's colour, `scale` pixels a side (nearest neighbour). */
export function layoutPicture(layout: Layout, scale: number): { rgb: Uint8Array; width: number; height: number } {
  const { height: mh, width: mw } = layout.site;
  const width = mw * scale, height = mh * scale;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const owner = layout.owners[Math.floor(y / scale) * mw + Math.floor(x / scale)] as number;
      rgb.set((layout.areas[owner] as EntityArea).entity.rgb, (y * width + x) * 3);
    }
  }
  return { rgb, width, height };
}

export interface FirstStepOptions {
  seed: number;
  steps: number;
  guidance?: number;
  negativePrompt?: string;
  block?: string;
}

/**
 * The layout of a prompt without drawing the picture: sampling stops once the probe's step is
 * captured. `diffusion` needs hooks.
 */
export async function firstStepLayout(diffusion: Diffusion, dictionary: ConceptDictionary, prompt: string, options: FirstStepOptions): Promise<Layout> {
  const probe = await layoutProbe(diffusion, dictionary, prompt, options.steps, options.block);
  const stop = new AbortController();
  let layout: Layout | undefined;
  try {
    await textToImage(diffusion, {
      prompt, negativePrompt: options.negativePrompt, seed: options.seed, steps: options.steps, guidance: options.guidance, signal: stop.signal,
      captures: (step) => (step === probe.step ? [probe.capture] : undefined),
      onCaptures: (_step, captures) => {
        const t = captures[probe.capture];
        if (t) layout = probe.read(t);
        stop.abort();
      },
    });
  } catch (error) {
    if (!(error instanceof SamplingCancelled && layout)) throw error;
  }
  if (!layout) throw new Error(`sae.compose: step ${probe.step} of ${options.steps} captured no ${probe.capture}`);
  return layout;
}
