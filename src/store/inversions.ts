// Per-user store of inversions: the tensors an inversion method produced for one image (latent
// trajectory, null-text embeddings, noises, ...), kept so the next edit of the same image with the
// same model, method and parameters starts from them instead of inverting again.
//
// Key: (user, image content hash (a stored image's Blob hash), model content hash, method id,
// sha256 of the canonical JSON of the method's parameters) — the unique key of the `inversions`
// table. The tensors live in a content-addressed Blob (src/store/inversion-codec.ts: float16,
// byte-shuffled, brotli) whose hash is checked on every read: a blob that doesn't hash to its
// address, or doesn't decode, is reported, deleted with every inversion that points at it, and
// never returned — the caller inverts again.
//
// Lifetime: an inversion expires `ttlMs` after it was last stored or read (sliding), and each user
// has `quotaBytesPerUser` of stored bytes; a put past the quota evicts that user's
// least-recently-used inversions. `sweep()` (on a node-cron schedule through `startSweeper()`)
// deletes expired inversions and blobs nothing references any more.
//
// Images and inversions are linked by content hash only (no foreign key: an inversion names the
// image's bytes, not one Image row), so the database does not cascade an image's deletion to its
// inversions: delete images through `deleteImage()` here, or call `deleteForImage()`.
import { createHash } from 'node:crypto';
import cron from 'node-cron';
import type { Logger } from '../log.ts';
import type { Prisma, PrismaClient } from './generated/client.ts';
import {
  CorruptInversionError,
  decodeInversion,
  encodeInversion,
  INVERSION_CODEC,
  INVERSION_MEDIA_TYPE,
  type Float32Tensor,
  type StorableTensor,
} from './inversion-codec.ts';

export { CorruptInversionError, type Float32Tensor, type StorableTensor } from './inversion-codec.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface InversionKey {
  userId: string;
  /** sha256 (lowercase hex) of the image's bytes: its Blob hash. */
  imageHash: string;
  /** Content id of the model the inversion was made with (64 lowercase hex). */
  modelHash: string;
  /** Method id, e.g. `invert.null_text`. */
  method: string;
  /** The method's parameters; keys in any order (they are hashed canonically). */
  params: JsonObject;
}

export interface StoredInversion {
  id: string;
  userId: string;
  imageHash: string;
  modelHash: string;
  method: string;
  params: JsonObject;
  paramsHash: string;
  /** Decoded to float32: the exact values of the stored halves. */
  tensors: Record<string, Float32Tensor>;
  /** Content hash of the stored bytes (the Blob's hash). */
  dataHash: string;
  codec: string;
  /** Stored (compressed) size: what counts against the quota. */
  bytes: number;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date | null;
}

export type InversionLookup =
  | { status: 'hit'; inversion: StoredInversion }
  | { status: 'miss' }
  /** The stored bytes were damaged; they and every inversion using them were deleted. */
  | { status: 'corrupt'; reason: string; dataHash: string };

export type PutResult =
  | { stored: true; id: string; dataHash: string; bytes: number; evicted: number }
  /** One inversion alone is larger than the user's whole quota: nothing was stored. */
  | { stored: false; reason: 'over-quota'; bytes: number };

export interface SweepReport {
  expired: number;
  orphanBlobs: number;
}

export interface InversionStoreOptions {
  /** Stored bytes each user may keep; past it, their least-recently-used inversions go. */
  quotaBytesPerUser: number;
  /** How long an inversion lives after it was last stored or read; Infinity: until evicted. */
  ttlMs: number;
  /** A blob must be this old before sweep() deletes it as unreferenced (default 1 hour): a blob
   *  is written before the row that references it (an upload, a put), and must survive the gap. */
  orphanGraceMs?: number;
  clock?: () => Date;
  logger?: Logger;
}

/** JSON with object keys sorted at every level; undefined members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not representable in JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects, arrays and primitives');
    const members = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
}

/** sha256 (lowercase hex) of the canonical JSON of a method's parameters. */
export function paramsHash(params: JsonObject): string {
  return sha256(canonicalJson(params));
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

function checkKey(key: InversionKey): void {
  if (!HEX64.test(key.imageHash)) throw new TypeError(`imageHash must be 64 lowercase hex digits, got ${JSON.stringify(key.imageHash)}`);
  if (!HEX64.test(key.modelHash)) throw new TypeError(`modelHash must be 64 lowercase hex digits, got ${JSON.stringify(key.modelHash)}`);
  if (!key.method) throw new TypeError('method must be a non-empty string');
}

/** Namespace of the per-user advisory lock that serialises a user's puts (quota accounting). */
const QUOTA_LOCK = 0x52_49_56_51; // "RIVQ"
const DEFAULT_GRACE_MS = 60 * 60 * 1000;

type Tx = Prisma.TransactionClient;

export class InversionStore {
  private readonly quota: number;
  private readonly ttlMs: number;
  private readonly graceMs: number;
  private readonly clock: () => Date;
  private readonly logger: Logger | undefined;

  constructor(private readonly prisma: PrismaClient, options: InversionStoreOptions) {
    if (!(options.quotaBytesPerUser > 0)) throw new RangeError('quotaBytesPerUser must be positive');
    if (!(options.ttlMs > 0)) throw new RangeError('ttlMs must be positive');
    this.quota = options.quotaBytesPerUser;
    this.ttlMs = options.ttlMs;
    this.graceMs = options.orphanGraceMs ?? DEFAULT_GRACE_MS;
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger;
  }

  private expiry(now: Date): Date | null {
    return Number.isFinite(this.ttlMs) ? new Date(now.getTime() + this.ttlMs) : null;
  }

  /** The stored inversion for `key`, or undefined (none, expired, or damaged: then it is deleted). */
  async get(key: InversionKey): Promise<StoredInversion | undefined> {
    const found = await this.lookup(key);
    return found.status === 'hit' ? found.inversion : undefined;
  }

  /** Like get(), saying why there is nothing to return. A hit counts as a use (LRU, sliding TTL). */
  async lookup(key: InversionKey): Promise<InversionLookup> {
    checkKey(key);
    const hash = paramsHash(key.params);
    const row = await this.prisma.inversion.findUnique({
      where: {
        userId_imageHash_modelHash_method_paramsHash: {
          userId: key.userId, imageHash: key.imageHash, modelHash: key.modelHash, method: key.method, paramsHash: hash,
        },
      },
      include: { data: true },
    });
    if (!row) return { status: 'miss' };
    const now = this.clock();
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) {
      await this.prisma.inversion.deleteMany({ where: { id: row.id, expiresAt: { lte: now } } });
      await this.deleteOrphanBlobs([row.dataHash]);
      return { status: 'miss' };
    }

    const bytes = row.data.data;
    let reason: string | undefined;
    let tensors: Record<string, Float32Tensor> | undefined;
    if (bytes.length !== row.data.size) reason = `blob is ${bytes.length} bytes, recorded as ${row.data.size}`;
    else if (sha256(bytes) !== row.dataHash) reason = 'blob does not match its sha256';
    // Bytes that don't match their address may be healed by a concurrent put: look again before deleting.
    const damaged = reason !== undefined;
    if (!damaged) {
      if (row.codec !== INVERSION_CODEC) reason = `unknown codec ${row.codec}`;
      else {
        try {
          tensors = decodeInversion(bytes);
        } catch (error) {
          if (!(error instanceof CorruptInversionError)) throw error;
          reason = error.message;
        }
      }
    }
    if (!tensors) {
      reason ??= 'undecodable';
      await this.discardData(row.dataHash, damaged);
      this.logger?.warn({ inversionId: row.id, dataHash: row.dataHash, userId: row.userId, reason }, 'stored inversion was corrupt and is deleted');
      return { status: 'corrupt', reason, dataHash: row.dataHash };
    }

    const expiresAt = this.expiry(now);
    await this.prisma.inversion.updateMany({ where: { id: row.id }, data: { lastUsedAt: now, expiresAt } });
    return {
      status: 'hit',
      inversion: {
        id: row.id, userId: row.userId, imageHash: row.imageHash, modelHash: row.modelHash, method: row.method,
        params: row.params as JsonObject, paramsHash: row.paramsHash, tensors, dataHash: row.dataHash, codec: row.codec,
        bytes: bytes.length, createdAt: row.createdAt, lastUsedAt: now, expiresAt,
      },
    };
  }

  /**
   * Stores (or replaces) the inversion for `key`. float32 tensors are rounded to float16; float16
   * tensors (raw bits) are kept as they are. Evicts the user's least-recently-used inversions past
   * the quota; an inversion larger than the whole quota is not stored.
   */
  async put(key: InversionKey, tensors: Readonly<Record<string, StorableTensor>>): Promise<PutResult> {
    checkKey(key);
    const params = JSON.parse(canonicalJson(key.params)) as JsonObject;
    const hash = paramsHash(params);
    const bytes = encodeInversion(tensors);
    if (bytes.length > this.quota) return { stored: false, reason: 'over-quota', bytes: bytes.length };
    const dataHash = sha256(bytes);
    const now = this.clock();
    const expiresAt = this.expiry(now);

    const { id, evicted, released } = await this.prisma.$transaction(
      async (tx) => {
        // One put at a time per user, so two concurrent puts can't both fit under the quota.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${QUOTA_LOCK}::int4, hashtext(${key.userId}::text))`;
        // Content-addressed: the same bytes may already be stored. Rewrite them only if what is
        // there differs (a damaged copy), so a put heals a blob a read found corrupt.
        await tx.$executeRaw`
          INSERT INTO "blobs" ("hash", "media_type", "size", "data", "created_at")
          VALUES (${dataHash}, ${INVERSION_MEDIA_TYPE}, ${bytes.length}::int4, ${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)}, ${now})
          ON CONFLICT ("hash") DO UPDATE SET "data" = EXCLUDED."data", "size" = EXCLUDED."size"
          WHERE "blobs"."size" <> EXCLUDED."size" OR "blobs"."data" <> EXCLUDED."data"`;
        const unique = {
          userId: key.userId, imageHash: key.imageHash, modelHash: key.modelHash, method: key.method, paramsHash: hash,
        };
        const previous = await tx.inversion.findUnique({
          where: { userId_imageHash_modelHash_method_paramsHash: unique },
          select: { dataHash: true },
        });
        const row = await tx.inversion.upsert({
          where: { userId_imageHash_modelHash_method_paramsHash: unique },
          create: { ...unique, params, dataHash, codec: INVERSION_CODEC, createdAt: now, lastUsedAt: now, expiresAt },
          update: { params, dataHash, codec: INVERSION_CODEC, lastUsedAt: now, expiresAt },
          select: { id: true },
        });
        const evictedRows = await this.evictPastQuota(tx, key.userId, row.id);
        const released = evictedRows.map((r) => r.dataHash);
        if (previous && previous.dataHash !== dataHash) released.push(previous.dataHash);
        return { id: row.id, evicted: evictedRows.length, released };
      },
      { timeout: 60_000 },
    );
    if (released.length > 0) await this.deleteOrphanBlobs(released);
    if (evicted > 0) this.logger?.info({ userId: key.userId, evicted }, 'inversions evicted past the user quota');
    return { stored: true, id, dataHash, bytes: bytes.length, evicted };
  }

  /** Deletes the user's least-recently-used inversions (never `keepId`) until they fit the quota. */
  private async evictPastQuota(tx: Tx, userId: string, keepId: string): Promise<{ id: string; dataHash: string }[]> {
    const rows = await tx.inversion.findMany({
      where: { userId },
      select: { id: true, dataHash: true, data: { select: { size: true } } },
      orderBy: [{ lastUsedAt: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    });
    let total = rows.reduce((sum, r) => sum + r.data.size, 0);
    const evicted: { id: string; dataHash: string }[] = [];
    for (const r of rows) {
      if (total <= this.quota) break;
      if (r.id === keepId) continue;
      evicted.push({ id: r.id, dataHash: r.dataHash });
      total -= r.data.size;
    }
    if (evicted.length > 0) await tx.inversion.deleteMany({ where: { id: { in: evicted.map((r) => r.id) } } });
    return evicted;
  }

  /** How much a user has stored. */
  async usage(userId: string): Promise<{ inversions: number; bytes: number }> {
    const rows = await this.prisma.inversion.findMany({ where: { userId }, select: { data: { select: { size: true } } } });
    return { inversions: rows.length, bytes: rows.reduce((sum, r) => sum + r.data.size, 0) };
  }

  /** Deletes the inversions of an image (of one user, or of everyone); returns how many. */
  async deleteForImage(imageHash: string, userId?: string): Promise<number> {
    const where = userId === undefined ? { imageHash } : { imageHash, userId };
    const rows = await this.prisma.inversion.findMany({ where, select: { dataHash: true } });
    if (rows.length === 0) return 0;
    const { count } = await this.prisma.inversion.deleteMany({ where });
    await this.deleteOrphanBlobs(rows.map((r) => r.dataHash));
    return count;
  }

  /** See deleteImageWithInversions. */
  deleteImage(imageId: string): Promise<boolean> {
    return deleteImageWithInversions(this.prisma, imageId, this.logger);
  }

  /** Deletes inversions expired at `now`, then blobs no inversion or image references (older than the grace period). */
  async sweep(now: Date = this.clock()): Promise<SweepReport> {
    const { count: expired } = await this.prisma.inversion.deleteMany({ where: { expiresAt: { lte: now } } });
    const cutoff = new Date(now.getTime() - this.graceMs);
    const candidates = await this.prisma.blob.findMany({
      where: { createdAt: { lt: cutoff }, inversions: { none: {} }, images: { none: {} } },
      select: { hash: true },
    });
    const orphanBlobs = await this.deleteOrphanBlobs(candidates.map((c) => c.hash), cutoff);
    if (expired > 0 || orphanBlobs > 0) this.logger?.info({ expired, orphanBlobs }, 'inversion store swept');
    return { expired, orphanBlobs };
  }

  /**
   * Runs sweep() on a cron schedule (node-cron syntax; default every 10 minutes); returns a
   * function that stops it. Several processes may sweep the same database: deletes are idempotent.
   */
  startSweeper(expression = '*/10 * * * *'): () => Promise<void> {
    if (!cron.validate(expression)) throw new RangeError(`startSweeper: invalid cron expression ${JSON.stringify(expression)}`);
    const task = cron.schedule(
      expression,
      async () => {
        try {
          await this.sweep();
        } catch (error) {
          this.logger?.error({ err: error }, 'inversion store sweep failed');
        }
      },
      { name: 'inversion-store-sweep', noOverlap: true },
    );
    return async () => {
      await task.destroy();
    };
  }

  /** Damaged bytes: every inversion pointing at them goes, then the blob (unless an image uses it). */
  private async discardData(dataHash: string, recheck: boolean): Promise<void> {
    if (recheck) {
      // A concurrent put may have rewritten the blob with good bytes since we read it.
      const blob = await this.prisma.blob.findUnique({ where: { hash: dataHash }, select: { data: true, size: true } });
      if (blob && blob.data.length === blob.size && sha256(blob.data) === dataHash) return;
    }
    await this.prisma.inversion.deleteMany({ where: { dataHash } });
    await this.deleteOrphanBlobs([dataHash]);
  }

  private deleteOrphanBlobs(hashes: readonly string[], createdBefore?: Date): Promise<number> {
    return deleteOrphanBlobs(this.prisma, hashes, { createdBefore, logger: this.logger });
  }
}

/**
 * Deletes an Image row and, unless its owner still has another image with the same content,
 * that owner's inversions of it; then the image's blob if nothing else uses it. Returns false when
 * there was no such image.
 */
export async function deleteImageWithInversions(prisma: PrismaClient, imageId: string, logger?: Logger): Promise<boolean> {
  const image = await prisma.image.findUnique({ where: { id: imageId }, select: { blobHash: true, ownerId: true } });
  if (!image) return false;
  const dataHashes = await prisma.$transaction(async (tx) => {
    await tx.image.deleteMany({ where: { id: imageId } });
    const stillHas = await tx.image.count({ where: { ownerId: image.ownerId, blobHash: image.blobHash } });
    if (stillHas > 0) return [];
    const where = { userId: image.ownerId, imageHash: image.blobHash };
    const rows = await tx.inversion.findMany({ where, select: { dataHash: true } });
    await tx.inversion.deleteMany({ where });
    return rows.map((r) => r.dataHash);
  });
  await deleteOrphanBlobs(prisma, [...dataHashes, image.blobHash], { logger });
  return true;
}

/** Deletes some of one user's inversions by id, then their blobs if nothing else uses them; returns how many went. */
export async function deleteInversions(prisma: PrismaClient, userId: string, ids: readonly string[], logger?: Logger): Promise<number> {
  const where = { userId, id: { in: [...ids] } };
  const rows = await prisma.inversion.findMany({ where, select: { dataHash: true } });
  const { count } = await prisma.inversion.deleteMany({ where });
  await deleteOrphanBlobs(prisma, rows.map((r) => r.dataHash), { logger });
  return count;
}

/**
 * Deletes those of `hashes` no inversion or image references (created before `createdBefore`
 * when given). Best effort: a blob that a concurrent writer references again is left alone.
 */
async function deleteOrphanBlobs(prisma: PrismaClient, hashes: readonly string[], options: { createdBefore?: Date | undefined; logger?: Logger | undefined } = {}): Promise<number> {
  const unique = [...new Set(hashes)];
  if (unique.length === 0) return 0;
  const { createdBefore, logger } = options;
  const orphan = (hash: string | { in: string[] }) => ({
    hash, inversions: { none: {} }, images: { none: {} },
    ...(createdBefore ? { createdAt: { lt: createdBefore } } : {}),
  });
  try {
    return (await prisma.blob.deleteMany({ where: orphan({ in: unique }) })).count;
  } catch {
    // A foreign key refused the batch: someone referenced one of them meanwhile. One by one.
    let count = 0;
    for (const hash of unique) {
      try {
        count += (await prisma.blob.deleteMany({ where: orphan(hash) })).count;
      } catch (error) {
        logger?.debug({ err: error, hash }, 'blob still referenced; left for the next sweep');
      }
    }
    return count;
  }
}
