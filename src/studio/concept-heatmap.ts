// A word's heat map on a picture (`/concepts <word>` on an image, `retouch concepts heatmap`): the
// features with the word at one site of one dictionary — the best match's, the model's shared one or
// the user's or workspace's own — drawn over the picture where they fire (src/concepts/heatmap.ts).
import { conceptHeatmap, type Heatmap } from '../concepts/heatmap.ts';
import { heatOverlay, type Picture } from '../concepts/pictures.ts';
import { siteName, type SiteKey } from '../models/sae/dictionary.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { toModelSize } from '../pipeline/model-size.ts';
import { MAX_SEARCH_LIMIT, type ConceptDictionaryStore, type ConceptMatch, type DictionaryScope } from '../store/concept-dictionaries.ts';
import type { PrismaClient } from '../store/database.ts';
import { storeImage } from '../store/images.ts';
import type { RgbImage } from '../support/image.ts';
import { loadRgb } from './results.ts';
import type { Studio } from './studio.ts';

/** The features a heat map of `word` sums, at their one site. */
export interface HeatmapChoice {
  dictionary: ConceptMatch['dictionary'];
  site: SiteKey;
  features: ConceptMatch[];
}

export interface HeatmapSearch {
  modelHash: string;
  word: string;
  userId?: string | undefined;
  workspaceId?: string | undefined;
}

/**
 * The best match's dictionary and site, and every feature there with the word; undefined when no
 * feature has it. A site at the very first step is passed over for a later one when there is one:
 * there the picture is noised nearly all away, so its features show where the prompt, not the
 * picture, puts things.
 */
export async function chooseHeatmapFeatures(store: ConceptDictionaryStore, search: HeatmapSearch): Promise<HeatmapChoice | undefined> {
  const matches = await store.searchConcepts({ ...search, limit: MAX_SEARCH_LIMIT });
  const best = matches.find((m) => m.site.time < 1) ?? matches[0];
  if (!best) return undefined;
  const features = matches.filter((m) => m.dictionary.id === best.dictionary.id && siteName(m.site) === siteName(best.site));
  return { dictionary: best.dictionary, site: best.site, features };
}

export interface DrawnHeatmap extends HeatmapChoice {
  /** The picture at the model's size with the heat over it, scaled up. */
  picture: Picture;
  heatmap: Heatmap;
  /** The conditional branch's prompt ('' = the empty prompt). */
  caption: string;
  notes: string[];
}

export class NoConceptError extends Error {
  override readonly name = 'NoConceptError';
}

/** Draws the heat map of `choice` on `image` (resized to the model's size as edits are); `diffusion` needs hooks. */
export async function drawHeatmap(diffusion: Diffusion, store: ConceptDictionaryStore, choice: HeatmapChoice, image: RgbImage, caption: string): Promise<DrawnHeatmap> {
  const stored = await store.loadSite(choice.dictionary.id, choice.site);
  if (!stored) throw new NoConceptError(`the dictionary "${choice.dictionary.name}" was replaced or removed while the heat map was asked for; ask again`);
  const steps = stored.dictionary.build.steps;
  if (typeof steps !== 'number') throw new Error(`concept dictionary ${choice.dictionary.id} records no build steps, so its sites' timesteps are unknown`);
  const sized = await toModelSize(image, diffusion.width, diffusion.height);
  const heatmap = await conceptHeatmap(diffusion, sized.image, { site: stored.site, features: choice.features.map((f) => f.feature), steps, caption });
  const picture = await heatOverlay(sized.image, heatmap.heat, heatmap.height, heatmap.width);
  const notes = sized.note ? [sized.note] : [];
  if (heatmap.peak.activation <= 0) notes.push('none of these features fired anywhere on this picture');
  return { ...choice, picture, heatmap, caption, notes };
}

/** What a 'train' job's heat map asks for (its payload, checked). */
export interface HeatmapWork {
  model?: string | undefined;
  owner: { userId: string; workspaceId: string };
  imageId: string;
  word: string;
  caption: string;
}

/** What a 'train' job's heat map returns. */
export type HeatmapResult = {
  kind: 'heatmap';
  /** The picture with the heat over it, stored as the job owner's image. */
  imageId: string;
  word: string;
  dictionary: { name: string; scope: DictionaryScope };
  site: SiteKey;
  features: { feature: number; words: { word: string; count: number }[] }[];
  caption: string;
  /** The hottest cell of the site's height × width map, and its summed activation. */
  peak: { x: number; y: number; activation: number };
  cells: { height: number; width: number };
  notes: string[];
  seconds: number;
};

/** A 'train' job's heat map: drawn on the studio's model, stored as the owner's image. */
export async function heatmapForJob(studio: Studio, prisma: PrismaClient, store: ConceptDictionaryStore, work: HeatmapWork): Promise<HeatmapResult> {
  const loaded = await loadRgb(prisma, work.imageId);
  if (!loaded) throw new NoConceptError('the image no longer exists (it may have been deleted)');
  const started = performance.now();
  const drawn = await studio.exclusive(async ({ model, diffusion }) => {
    const choice = await chooseHeatmapFeatures(store, { modelHash: model.hash, word: work.word, userId: work.owner.userId, workspaceId: work.owner.workspaceId });
    if (!choice) throw new NoConceptError(`no feature of this model's concept dictionaries has the word "${work.word}"`);
    return drawHeatmap(diffusion({ hooks: true }), store, choice, loaded.image, work.caption);
  }, work.model);
  const stored = await storeImage(prisma, { ...drawn.picture, sourceFormat: 'PNG' }, work.owner);
  const { heatmap } = drawn;
  return {
    kind: 'heatmap', imageId: stored.id, word: work.word, dictionary: { name: drawn.dictionary.name, scope: drawn.dictionary.scope }, site: drawn.site,
    features: drawn.features.map((f) => ({ feature: f.feature, words: f.words })), caption: drawn.caption, peak: heatmap.peak,
    cells: { height: heatmap.height, width: heatmap.width }, notes: drawn.notes, seconds: (performance.now() - started) / 1000,
  };
}
