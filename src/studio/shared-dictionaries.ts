// The models' shared concept dictionaries as a worker uses them on every /imagine and SAE edit: loaded once and
// kept while they are current. A shared dictionary of SD weights is hundreds of megabytes to read;
// asking which one is current is one small query.
import type { ConceptDictionaryStore, StoredConceptDictionary } from '../store/concept-dictionaries.ts';

export class SharedDictionaries {
  private readonly loaded = new Map<string, StoredConceptDictionary>();

  constructor(private readonly store: ConceptDictionaryStore) {}

  /** The model's ready shared dictionary, or undefined when it has none. */
  async get(modelHash: string): Promise<StoredConceptDictionary | undefined> {
    const current = await this.store.readyVersion({ modelHash });
    const held = this.loaded.get(modelHash);
    if (!current) {
      this.loaded.delete(modelHash);
      return undefined;
    }
    if (held && held.id === current.id && held.updatedAt.getTime() === current.updatedAt.getTime()) return held;
    const dictionary = await this.store.loadDictionary({ modelHash });
    if (dictionary) this.loaded.set(modelHash, dictionary);
    else this.loaded.delete(modelHash);
    return dictionary;
  }
}
