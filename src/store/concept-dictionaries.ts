// Concept dictionaries in Postgres: for one model, a TopK SAE per UNet site and what its features
// mean (src/models/sae/dictionary.ts). A build begins a `building` row, and saveDictionary() writes
// every site and concept and flips it to `ready` in one transaction, deleting the older ready
// dictionary of the same model, scope, owner and name in that same transaction: readers see the old
// one or the new one, whole, never a mix, a half-written one or none. Reads run in one
// repeatable-read transaction, so a replacement committing between their queries can't split them.
//
// The thumbnails of the build's pictures that are some feature's top image are kept with it, written
// and replaced in that same transaction; concepts name them by the picture's index in the build.
//
// Each site's SAE is stored as a safetensors file (sae.toTensors()) with its sha256, checked on
// every read: a damaged blob is a CorruptConceptSiteError naming the dictionary and the site.
import { createHash } from 'node:crypto';
import { decodeSafetensors, encodeSafetensors } from '../engine/safetensors.ts';
import type { Logger } from '../log.ts';
import { siteName, type ConceptDictionary, type ConceptThumbnail, type DictionarySite, type FeatureMeaning, type SaeQualityFigures, type SiteKey } from '../models/sae/dictionary.ts';
import { TopKSae } from '../models/sae/sae.ts';
import { Prisma, type PrismaClient } from './generated/client.ts';
import { canonicalJson } from './inversions.ts';

export type DictionaryScope = 'model' | 'workspace' | 'user';
export type DictionaryStatus = 'building' | 'ready' | 'failed';

/** Whose dictionary: the model's shared one (scope model), a workspace's or a user's. */
export interface DictionaryOwner {
  scope: DictionaryScope;
  userId?: string | undefined;
  workspaceId?: string | undefined;
}

export interface BeginDictionary extends DictionaryOwner {
  modelHash: string;
  name: string;
  description?: string;
  /** How it is being built: prompts, steps, seed, SAE options; `model`, the model's catalog name, is what modelHashOf() finds. */
  build: Record<string, unknown>;
}

export interface LoadDictionary {
  modelHash: string;
  /** Default: the model's shared dictionary. */
  scope?: DictionaryScope;
  userId?: string | undefined;
  workspaceId?: string | undefined;
  /** Default: the owner's most recently saved one. */
  name?: string;
}

export interface StoredConceptDictionary extends ConceptDictionary {
  id: string;
  scope: DictionaryScope;
  updatedAt: Date;
}

export interface SearchConcepts {
  modelHash: string;
  word: string;
  /** Besides the model's shared dictionary, search this user's and this workspace's own. */
  userId?: string | undefined;
  workspaceId?: string | undefined;
  limit: number;
}

export interface ConceptMatch {
  dictionary: { id: string; name: string; scope: DictionaryScope };
  site: SiteKey;
  feature: number;
  label: string | null;
  words: { word: string; count: number }[];
  intensity: number;
  topImages: string[];
  /** The build indices of the top images, in the same order: the dictionary's thumbnails of them (empty for a dictionary built without). */
  topImageIndices: number[];
}

/** One site of a ready dictionary, as loadSite() reads it: enough to encode a picture's vectors at it. */
export interface StoredConceptSite {
  dictionary: { id: string; name: string; scope: DictionaryScope; build: Record<string, unknown> };
  site: DictionarySite;
}

export interface ListDictionaries {
  modelHash?: string;
  scope?: DictionaryScope;
  userId?: string;
  workspaceId?: string;
  status?: DictionaryStatus;
}

export interface DictionarySummary {
  id: string;
  modelHash: string;
  scope: DictionaryScope;
  userId: string | null;
  workspaceId: string | null;
  name: string;
  description: string;
  status: DictionaryStatus;
  /** Why the build failed. */
  failure: string | null;
  build: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  sites: SiteSummary[];
}

export interface SiteSummary extends SiteKey {
  k: number;
  inputs: number;
  features: number;
  height: number;
  width: number;
  quality: SaeQualityFigures;
  /** Features with a stored meaning. */
  concepts: number;
  /** Features with a label. */
  labelled: number;
  /** Each label with how many features carry it (their most given word), most first. */
  labels: { label: string; features: number }[];
}

/** A site's stored SAE does not match its sha256, or doesn't decode to the SAE it describes. */
export class CorruptConceptSiteError extends Error {
  override readonly name = 'CorruptConceptSiteError';
  constructor(readonly dictionaryId: string, readonly dictionaryName: string, readonly site: string, readonly reason: string) {
    super(`concept dictionary ${dictionaryId} (${JSON.stringify(dictionaryName)}), site ${site}: ${reason}`);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_DICTIONARY_NAME = 100;
export const MAX_SEARCH_LIMIT = 500;
/** Namespace of the advisory lock that serialises the saves of one model + scope + owner + name. */
const REPLACE_LOCK = 0x52_43_44_52; // "RCDR"
/** A shared dictionary of a large UNet is hundreds of megabytes of weights to write or read. */
const TRANSACTION_TIMEOUT_MS = 10 * 60_000;

export class ConceptDictionaryStore {
  constructor(private readonly prisma: PrismaClient, private readonly logger?: Logger) {}

  /** Records a dictionary about to be built; it is never served until saveDictionary() makes it ready. */
  async beginDictionary(request: BeginDictionary): Promise<string> {
    checkModelHash(request.modelHash);
    checkOwner(request);
    checkName(request.name);
    const row = await this.prisma.conceptDictionary.create({
      data: {
        modelHash: request.modelHash, scope: request.scope, userId: request.userId ?? null, workspaceId: request.workspaceId ?? null,
        name: request.name, description: request.description ?? '', build: jsonObject(request.build, 'build'),
      },
      select: { id: true },
    });
    return row.id;
  }

  /**
   * Writes every site and concept of a begun dictionary and makes it ready, replacing the older
   * ready one of the same model, scope, owner and name — all in one transaction.
   */
  async saveDictionary(id: string, dictionary: ConceptDictionary): Promise<void> {
    checkId(id, 'dictionary id');
    const row = await this.prisma.conceptDictionary.findUnique({ where: { id } });
    if (!row) throw new Error(`saveDictionary: there is no concept dictionary ${id}`);
    if (dictionary.modelHash !== row.modelHash) throw new Error(`saveDictionary: dictionary ${id} was begun for model ${row.modelHash}, this one is of ${dictionary.modelHash}`);
    if (dictionary.name !== row.name) throw new Error(`saveDictionary: dictionary ${id} was begun as ${JSON.stringify(row.name)}, this one is named ${JSON.stringify(dictionary.name)}`);
    const contents = dictionaryContents(dictionary);
    const replaced = await this.prisma.$transaction(
      async (tx) => {
        await lockReplacement(tx, row);
        const { count } = await tx.conceptDictionary.updateMany({ where: { id, status: 'building' }, data: { status: 'ready', build: contents.build } });
        if (count === 0) {
          const now = await tx.conceptDictionary.findUnique({ where: { id }, select: { status: true } });
          throw new Error(`saveDictionary: concept dictionary ${id} is ${now ? now.status : 'gone'}, not building`);
        }
        return writeContents(tx, id, row, contents);
      },
      { timeout: TRANSACTION_TIMEOUT_MS },
    );
    this.logger?.info({ dictionaryId: id, modelHash: row.modelHash, scope: row.scope, name: row.name, sites: contents.sites.length, thumbnails: contents.thumbnails.length, replaced }, 'concept dictionary ready');
  }

  /**
   * Stores a dictionary built elsewhere (a seed shipped with the model) as the model's shared one,
   * ready, unless the model has a ready shared dictionary already — checked and written in one
   * transaction under the lock saveDictionary() takes, so processes starting together import it
   * once. The new dictionary's id, or undefined when there was one.
   */
  async importShared(dictionary: ConceptDictionary, description = ''): Promise<string | undefined> {
    const owner = { modelHash: dictionary.modelHash, scope: 'model' as const, userId: null, workspaceId: null, name: dictionary.name };
    checkModelHash(owner.modelHash);
    checkName(owner.name);
    const contents = dictionaryContents(dictionary);
    const id = await this.prisma.$transaction(
      async (tx) => {
        await lockReplacement(tx, owner);
        const ready = await tx.conceptDictionary.findFirst({ where: { modelHash: owner.modelHash, scope: 'model', status: 'ready' }, select: { id: true } });
        if (ready) return undefined;
        const { id } = await tx.conceptDictionary.create({ data: { ...owner, description, status: 'ready', build: contents.build }, select: { id: true } });
        await writeContents(tx, id, owner, contents);
        return id;
      },
      { timeout: TRANSACTION_TIMEOUT_MS },
    );
    if (id) this.logger?.info({ dictionaryId: id, modelHash: owner.modelHash, scope: 'model', name: owner.name, sites: contents.sites.length, thumbnails: contents.thumbnails.length }, 'concept dictionary imported');
    return id;
  }

  /** A build that failed: recorded with its reason. False when the dictionary isn't building (gone, ready, or failed already). */
  async markFailed(id: string, reason: string): Promise<boolean> {
    checkId(id, 'dictionary id');
    const { count } = await this.prisma.conceptDictionary.updateMany({ where: { id, status: 'building' }, data: { status: 'failed', failure: reason } });
    return count === 1;
  }

  /** The ready dictionary of a model for an owner (the model's shared one by default), or undefined. */
  async loadDictionary(request: LoadDictionary): Promise<StoredConceptDictionary | undefined> {
    const where = readyWhere(request);
    const row = await this.prisma.$transaction(
      (tx) =>
        tx.conceptDictionary.findFirst({
          where,
          orderBy: READY_ORDER,
          include: {
            sites: {
              orderBy: [{ block: 'asc' }, { time: 'desc' }, { branch: 'asc' }],
              include: { concepts: { orderBy: { featureIndex: 'asc' } } },
            },
            thumbnails: { orderBy: { image: 'asc' } },
          },
        }),
      { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead, timeout: TRANSACTION_TIMEOUT_MS },
    );
    if (!row) return undefined;
    return {
      id: row.id,
      scope: row.scope,
      updatedAt: row.updatedAt,
      modelHash: row.modelHash,
      name: row.name,
      build: row.build as Record<string, unknown>,
      sites: row.sites.map((site) => storedSite(row, site)),
      thumbnails: row.thumbnails.map((t) => ({ image: t.image, data: new Uint8Array(t.data) })),
    };
  }

  /** Which dictionary loadDictionary() would return (its id and when it was saved), without reading its weights: to know whether a loaded one is still current. */
  async readyVersion(request: LoadDictionary): Promise<{ id: string; updatedAt: Date } | undefined> {
    const row = await this.prisma.conceptDictionary.findFirst({ where: readyWhere(request), orderBy: READY_ORDER, select: { id: true, updatedAt: true } });
    return row ?? undefined;
  }

  /** One site of a ready dictionary (its SAE checked and decoded, its concepts), or undefined when the dictionary or site is gone or not ready. */
  async loadSite(dictionaryId: string, key: SiteKey): Promise<StoredConceptSite | undefined> {
    checkId(dictionaryId, 'dictionary id');
    const row = await this.prisma.conceptSite.findFirst({
      where: { dictionaryId, block: key.block, time: key.time, branch: key.branch, dictionary: { status: 'ready' } },
      include: { concepts: { orderBy: { featureIndex: 'asc' } }, dictionary: { select: { id: true, name: true, scope: true, build: true } } },
    });
    if (!row) return undefined;
    const { dictionary } = row;
    return { dictionary: { ...dictionary, build: dictionary.build as Record<string, unknown> }, site: storedSite(dictionary, row) };
  }

  /** The thumbnails of these build pictures of a ready dictionary, by picture index; pictures it has none of are left out. */
  async thumbnails(dictionaryId: string, images: readonly number[]): Promise<Map<number, Uint8Array>> {
    checkId(dictionaryId, 'dictionary id');
    const rows = await this.prisma.conceptThumbnail.findMany({
      where: { dictionaryId, image: { in: [...new Set(images)] }, dictionary: { status: 'ready' } },
      select: { image: true, data: true },
    });
    return new Map(rows.map((r) => [r.image, new Uint8Array(r.data)]));
  }

  /**
   * Features whose label or words include `word` (case-insensitive, whole words), in the model's
   * shared dictionary and the user's and workspace's own (ready ones only). Best first: the word
   * as the label, then the more images gave the word, then the stronger feature.
   */
  async searchConcepts(request: SearchConcepts): Promise<ConceptMatch[]> {
    checkModelHash(request.modelHash);
    const term = request.word.trim().toLowerCase();
    if (!term) throw new TypeError('searchConcepts: word must have a letter, got an empty string');
    if (!(Number.isInteger(request.limit) && request.limit >= 1 && request.limit <= MAX_SEARCH_LIMIT)) {
      throw new RangeError(`searchConcepts: limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${request.limit}`);
    }
    if (request.userId !== undefined) checkId(request.userId, 'userId');
    if (request.workspaceId !== undefined) checkId(request.workspaceId, 'workspaceId');
    const owners: Prisma.ConceptDictionaryWhereInput[] = [{ scope: 'model' }];
    if (request.userId !== undefined) owners.push({ scope: 'user', userId: request.userId });
    if (request.workspaceId !== undefined) owners.push({ scope: 'workspace', workspaceId: request.workspaceId });

    const rows = await this.prisma.concept.findMany({
      where: { terms: { has: term }, site: { dictionary: { modelHash: request.modelHash, status: 'ready', OR: owners } } },
      select: {
        featureIndex: true, label: true, words: true, intensity: true, topImages: true, topImageIndices: true,
        site: { select: { block: true, time: true, branch: true, dictionary: { select: { id: true, name: true, scope: true } } } },
      },
    });
    const matches = rows.map((r) => ({
      dictionary: r.site.dictionary,
      site: { block: r.site.block, time: r.site.time, branch: r.site.branch as SiteKey['branch'] },
      feature: r.featureIndex,
      label: r.label,
      words: r.words as ConceptMatch['words'],
      intensity: r.intensity,
      topImages: r.topImages as string[],
      topImageIndices: r.topImageIndices,
    }));
    const asLabel = (m: ConceptMatch) => (m.label?.toLowerCase() === term ? 1 : 0);
    const count = (m: ConceptMatch) => m.words.reduce((sum, w) => sum + (w.word.toLowerCase() === term ? w.count : 0), 0);
    matches.sort((a, b) => asLabel(b) - asLabel(a) || count(b) - count(a) || b.intensity - a.intensity);
    return matches.slice(0, request.limit);
  }

  /** Dictionaries with their status and sites (no weights), newest first; each filter optional. */
  async listDictionaries(filter: ListDictionaries = {}): Promise<DictionarySummary[]> {
    if (filter.modelHash !== undefined) checkModelHash(filter.modelHash);
    if (filter.userId !== undefined) checkId(filter.userId, 'userId');
    if (filter.workspaceId !== undefined) checkId(filter.workspaceId, 'workspaceId');
    const where = { modelHash: filter.modelHash, scope: filter.scope, userId: filter.userId, workspaceId: filter.workspaceId, status: filter.status };
    const [rows, labelGroups] = await this.prisma.$transaction(
      [
        this.prisma.conceptDictionary.findMany({
          where,
          orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
          include: {
            sites: {
              orderBy: [{ block: 'asc' }, { time: 'desc' }, { branch: 'asc' }],
              select: {
                id: true, block: true, time: true, branch: true, k: true, inputs: true, features: true, height: true, width: true, quality: true,
                _count: { select: { concepts: true } },
              },
            },
          },
        }),
        this.prisma.concept.groupBy({ by: ['siteId', 'label'], where: { site: { dictionary: where }, label: { not: null } }, _count: { _all: true } }),
      ],
      { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
    );
    const labelsOf = (siteId: string) =>
      labelGroups
        .filter((g) => g.siteId === siteId)
        .map((g) => ({ label: g.label as string, features: g._count._all }))
        .sort((a, b) => b.features - a.features || a.label.localeCompare(b.label));
    return rows.map(({ sites, build, ...row }) => ({
      ...row,
      build: build as Record<string, unknown>,
      sites: sites.map(({ id, _count, quality, branch, ...site }) => {
        const labels = labelsOf(id);
        return {
          ...site, branch: branch as SiteKey['branch'], quality: quality as unknown as SaeQualityFigures, concepts: _count.concepts,
          labelled: labels.reduce((sum, l) => sum + l.features, 0), labels,
        };
      }),
    }));
  }

  /**
   * The hash of the model a catalog name stood for when its newest dictionary was begun (builders
   * record the name as `build.model`), or undefined: how the chat, which knows models by name only,
   * finds their dictionaries.
   */
  async modelHashOf(modelName: string): Promise<string | undefined> {
    const row = await this.prisma.conceptDictionary.findFirst({
      where: { build: { path: ['model'], equals: modelName } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      select: { modelHash: true },
    });
    return row?.modelHash;
  }
}

const READY_ORDER = [{ updatedAt: 'desc' as const }, { id: 'asc' as const }];

/** The ready dictionaries a LoadDictionary asks for (newest first by READY_ORDER). */
function readyWhere(request: LoadDictionary): Prisma.ConceptDictionaryWhereInput {
  checkModelHash(request.modelHash);
  const owner = { scope: request.scope ?? 'model', userId: request.userId, workspaceId: request.workspaceId };
  checkOwner(owner);
  return {
    modelHash: request.modelHash, scope: owner.scope, userId: owner.userId ?? null, workspaceId: owner.workspaceId ?? null,
    status: 'ready', ...(request.name === undefined ? {} : { name: request.name }),
  };
}

type Transaction = Prisma.TransactionClient;
type DictionaryKey = { modelHash: string; scope: DictionaryScope; userId: string | null; workspaceId: string | null; name: string };

/** A dictionary checked and turned into the rows saveDictionary() and importShared() write. */
function dictionaryContents(dictionary: ConceptDictionary) {
  checkSites(dictionary.sites);
  const thumbnails = dictionary.thumbnails ?? [];
  checkThumbnails(dictionary.sites, thumbnails);
  return { sites: dictionary.sites.map(siteRow), thumbnails, build: jsonObject(dictionary.build, 'build') };
}

/** Serialises the saves of one model + scope + owner + name until the transaction ends. */
async function lockReplacement(tx: Transaction, key: DictionaryKey): Promise<void> {
  const replaceKey = JSON.stringify([key.modelHash, key.scope, key.userId, key.workspaceId, key.name]);
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REPLACE_LOCK}::int4, hashtext(${replaceKey}::text))`;
}

/** Writes a ready dictionary's sites and thumbnails and deletes the older ready one it replaces; how many it deleted. */
async function writeContents(tx: Transaction, id: string, key: DictionaryKey, contents: ReturnType<typeof dictionaryContents>): Promise<number> {
  for (const site of contents.sites) await tx.conceptSite.create({ data: { dictionaryId: id, ...site } });
  if (contents.thumbnails.length > 0) await tx.conceptThumbnail.createMany({ data: contents.thumbnails.map((t) => ({ dictionaryId: id, image: t.image, data: bytesOf(t.data) })) });
  const older = await tx.conceptDictionary.deleteMany({
    where: { id: { not: id }, status: 'ready', modelHash: key.modelHash, scope: key.scope, userId: key.userId, workspaceId: key.workspaceId, name: key.name },
  });
  return older.count;
}

/** The labels most features carry across these dictionaries' sites, most first. */
export function commonLabels(dictionaries: readonly DictionarySummary[], count: number): string[] {
  const features = new Map<string, number>();
  for (const site of dictionaries.flatMap((d) => d.sites)) for (const { label, features: n } of site.labels) features.set(label, (features.get(label) ?? 0) + n);
  return [...features].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, count).map(([label]) => label);
}

type SiteRow = Prisma.ConceptSiteGetPayload<{ include: { concepts: true } }>;

/** A stored site back in memory; its SAE rebuilt from the blob after checking its sha256. */
function storedSite(dictionary: { id: string; name: string }, row: SiteRow): DictionarySite {
  const key: SiteKey = { block: row.block, time: row.time, branch: row.branch as SiteKey['branch'] };
  const corrupt = (reason: string) => new CorruptConceptSiteError(dictionary.id, dictionary.name, siteName(key), reason);
  if (sha256(row.weights) !== row.weightsSha256) throw corrupt(`its SAE weights (${row.weights.length} bytes) do not match their sha256 ${row.weightsSha256}`);
  let sae: TopKSae;
  try {
    sae = TopKSae.fromTensors(decodeSafetensors(row.weights, 'the SAE weights').tensors, row.k);
  } catch (error) {
    throw corrupt(`its SAE weights do not decode: ${(error as Error).message}`);
  }
  if (sae.inputs !== row.inputs || sae.features !== row.features) {
    throw corrupt(`its SAE weights are ${sae.features}×${sae.inputs}, the site records ${row.features}×${row.inputs}`);
  }
  const features = row.concepts.map((concept): FeatureMeaning => {
    if (concept.vector.length % 4 !== 0) throw corrupt(`feature ${concept.featureIndex}'s vector has ${concept.vector.length} bytes, not whole float32s`);
    return {
      feature: concept.featureIndex,
      words: concept.words as FeatureMeaning['words'],
      vector: new Float32Array(Uint8Array.from(concept.vector).buffer),
      intensity: concept.intensity,
      topImages: concept.topImages as string[],
      ...(concept.topImageIndices.length > 0 ? { topImageIndices: concept.topImageIndices } : {}),
    };
  });
  return { ...key, sae, quality: row.quality as unknown as SaeQualityFigures, features, height: row.height, width: row.width };
}

/** A site as the row (and its concept rows) to create. */
function siteRow(site: DictionarySite) {
  const weights = encodeSafetensors(site.sae.toTensors());
  const quality: SaeQualityFigures = { explainedVariance: site.quality.explainedVariance, scaledMse: site.quality.scaledMse, deadFraction: site.quality.deadFraction, meanNorm: site.quality.meanNorm };
  return {
    block: site.block, time: site.time, branch: site.branch, k: site.sae.k, inputs: site.sae.inputs, features: site.sae.features,
    height: site.height, width: site.width, quality: { ...quality }, weights, weightsSha256: sha256(weights),
    concepts: {
      createMany: {
        data: site.features.map((f) => ({
          featureIndex: f.feature,
          label: topWord(f.words),
          words: f.words.map((w) => ({ word: w.word, count: w.count })),
          terms: [...new Set(f.words.map((w) => w.word.toLowerCase()))],
          vector: toBytes(f.vector),
          intensity: f.intensity,
          topImages: [...f.topImages],
          topImageIndices: [...(f.topImageIndices ?? [])],
        })),
      },
    },
  };
}

/** The word most images gave (the first of equals), or null. */
function topWord(words: readonly { word: string; count: number }[]): string | null {
  let best: { word: string; count: number } | undefined;
  for (const w of words) if (!best || w.count > best.count) best = w;
  return best?.word ?? null;
}

/** What a dictionary must be for its rows to read back as the same dictionary. */
function checkSites(sites: readonly DictionarySite[]): void {
  if (sites.length === 0) throw new RangeError('saveDictionary: a dictionary needs at least one site, got none');
  const seen = new Set<string>();
  for (const site of sites) {
    const name = siteName(site);
    const fail = (message: string) => new RangeError(`saveDictionary: site ${name}: ${message}`);
    if (seen.has(name)) throw fail('appears twice');
    seen.add(name);
    if (!site.block) throw fail('block must be a non-empty module path');
    if (!(Number.isFinite(site.time) && site.time >= 0 && site.time <= 1)) throw fail(`time must be from 0 to 1, got ${site.time}`);
    if (site.branch !== 'cond' && site.branch !== 'uncond') throw fail(`branch must be 'cond' or 'uncond', got ${JSON.stringify(site.branch)}`);
    for (const side of ['height', 'width'] as const) {
      if (!(Number.isInteger(site[side]) && site[side] >= 1)) throw fail(`${side} must be a positive integer, got ${site[side]}`);
    }
    for (const figure of ['explainedVariance', 'scaledMse', 'deadFraction', 'meanNorm'] as const) {
      if (!Number.isFinite(site.quality[figure])) throw fail(`quality.${figure} must be a finite number, got ${site.quality[figure]}`);
    }
    if (!(site.sae instanceof TopKSae)) throw fail('sae must be a TopKSae');
    const features = new Set<number>();
    for (const meaning of site.features) {
      const feature = meaning.feature;
      if (!(Number.isInteger(feature) && feature >= 0 && feature < site.sae.features)) throw fail(`feature ${feature} is outside 0–${site.sae.features - 1}`);
      if (features.has(feature)) throw fail(`feature ${feature} has two meanings`);
      features.add(feature);
      if (!Number.isFinite(meaning.intensity)) throw fail(`feature ${feature}: intensity must be a finite number, got ${meaning.intensity}`);
      if (!(meaning.vector instanceof Float32Array)) throw fail(`feature ${feature}: vector must be a Float32Array`);
      for (const w of meaning.words) {
        if (!w.word.trim()) throw fail(`feature ${feature}: a word is empty`);
        if (!(Number.isInteger(w.count) && w.count >= 0)) throw fail(`feature ${feature}: the count of ${JSON.stringify(w.word)} must be a whole number, got ${w.count}`);
      }
      if (!meaning.topImages.every((prompt) => typeof prompt === 'string')) throw fail(`feature ${feature}: topImages must be prompts (strings)`);
    }
  }
}

/** Every top image a feature names has its thumbnail, once; a feature names one index per top image. */
function checkThumbnails(sites: readonly DictionarySite[], thumbnails: readonly ConceptThumbnail[]): void {
  const kept = new Set<number>();
  for (const t of thumbnails) {
    if (!(Number.isInteger(t.image) && t.image >= 0)) throw new RangeError(`saveDictionary: a thumbnail's image must be a whole number, got ${t.image}`);
    if (kept.has(t.image)) throw new RangeError(`saveDictionary: image ${t.image} has two thumbnails`);
    if (!(t.data instanceof Uint8Array) || t.data.length === 0) throw new RangeError(`saveDictionary: the thumbnail of image ${t.image} is empty`);
    kept.add(t.image);
  }
  for (const site of sites) {
    for (const f of site.features) {
      if (f.topImageIndices === undefined) continue;
      const fail = (message: string) => new RangeError(`saveDictionary: site ${siteName(site)}, feature ${f.feature}: ${message}`);
      if (f.topImageIndices.length !== f.topImages.length) throw fail(`${f.topImages.length} top images but ${f.topImageIndices.length} indices`);
      const missing = f.topImageIndices.find((image) => !kept.has(image));
      if (missing !== undefined) throw fail(`top image ${missing} has no thumbnail`);
    }
  }
}

function checkModelHash(modelHash: string): void {
  if (!HEX64.test(modelHash)) throw new TypeError(`modelHash must be 64 lowercase hex digits, got ${JSON.stringify(modelHash)}`);
}

function checkId(id: string, what: string): void {
  if (!UUID.test(id)) throw new TypeError(`${what} must be a UUID, got ${JSON.stringify(id)}`);
}

function checkName(name: string): void {
  if (!name.trim() || name.length > MAX_DICTIONARY_NAME) throw new RangeError(`a dictionary name must have 1 to ${MAX_DICTIONARY_NAME} characters, got ${JSON.stringify(name)} (${name.length})`);
}

/** The model's shared dictionary has no owner; a user's names only the user, a workspace's only the workspace. */
function checkOwner({ scope, userId, workspaceId }: DictionaryOwner): void {
  if (scope === 'model') {
    if (userId !== undefined || workspaceId !== undefined) throw new TypeError("scope 'model' is the model's shared dictionary: it takes no userId or workspaceId");
  } else if (scope === 'user') {
    if (userId === undefined || workspaceId !== undefined) throw new TypeError("scope 'user' needs a userId and no workspaceId");
    checkId(userId, 'userId');
  } else if (scope === 'workspace') {
    if (workspaceId === undefined || userId !== undefined) throw new TypeError("scope 'workspace' needs a workspaceId and no userId");
    checkId(workspaceId, 'workspaceId');
  } else {
    throw new TypeError(`scope must be 'model', 'workspace' or 'user', got ${JSON.stringify(scope)}`);
  }
}

/** A plain JSON object as Prisma stores it; non-finite numbers and class instances are refused, not silently changed. */
function jsonObject(value: Record<string, unknown>, what: string): Prisma.InputJsonObject {
  let json: string;
  try {
    json = canonicalJson(value);
  } catch (error) {
    throw new TypeError(`${what} must be plain JSON: ${(error as Error).message}`);
  }
  const parsed = JSON.parse(json) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError(`${what} must be a JSON object, got ${json.slice(0, 40)}`);
  return parsed as Prisma.InputJsonObject;
}

function bytesOf(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(data) as Uint8Array<ArrayBuffer>;
}

function toBytes(array: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength) as ArrayBuffer);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
