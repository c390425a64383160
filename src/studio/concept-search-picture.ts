// The picture a concept search answers with (`/concepts <word>`, `retouch concepts search --out`):
// the best features' top images, a row each, from the thumbnails their dictionaries keep.
import { CONCEPT_PICTURES } from '../config/limits.ts';
import { thumbnailGrid, type Picture } from '../concepts/pictures.ts';
import type { ConceptDictionaryStore, ConceptMatch } from '../store/concept-dictionaries.ts';

/** A PNG of the first `features` matches that have thumbnails, or undefined when none has (a dictionary built before they were kept). */
export async function searchPicture(store: ConceptDictionaryStore, matches: readonly ConceptMatch[], features: number = CONCEPT_PICTURES.features): Promise<{ picture: Picture; shown: ConceptMatch[] } | undefined> {
  const shown = matches.filter((m) => m.topImageIndices.length > 0).slice(0, features);
  if (shown.length === 0) return undefined;
  const rows: (Uint8Array | undefined)[][] = [];
  for (const m of shown) {
    const images = m.topImageIndices.slice(0, CONCEPT_PICTURES.topImages);
    const thumbnails = await store.thumbnails(m.dictionary.id, images);
    rows.push(images.map((image) => thumbnails.get(image)));
  }
  if (rows.every((row) => row.every((t) => t === undefined))) return undefined;
  return { picture: await thumbnailGrid(rows), shown };
}
