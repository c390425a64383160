import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient } from '../../src/store/generated/client.ts';
import { decodeInversionHalves, type Float32Tensor } from '../../src/store/inversion-codec.ts';
import { float32ToFloat16Array } from '../../src/engine/float16.ts';
import { InversionStore, paramsHash, type InversionKey } from '../../src/store/inversions.ts';
import { queryOnce, startTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
let url: string;
let prisma: PrismaClient;
const extraClients: PrismaClient[] = [];
let clockNow = new Date('2030-01-01T00:00:00Z');
const clock = () => new Date(clockNow);
const advance = (ms: number) => (clockNow = new Date(clockNow.getTime() + ms));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

before(async () => {
  db = await startTestDatabase();
  url = db.url;
  prisma = db.prisma;
});
after(async () => {
  for (const client of extraClients) await client.$disconnect().catch(() => undefined);
  await db?.destroy();
});

const query = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => queryOnce<T>(url, sql, params);

const hex = (label: string) => createHash('sha256').update(label).digest('hex');
const MODEL = hex('model');

let userCount = 0;
async function newUser(): Promise<string> {
  userCount += 1;
  const user = await prisma.user.create({ data: { platform: 'local', externalId: `u${userCount}`, displayName: `User ${userCount}` } });
  return user.id;
}

function key(userId: string, image: string, params: InversionKey['params'] = { steps: 50, guidance: 7.5 }): InversionKey {
  return { userId, imageHash: hex(image), modelHash: MODEL, method: 'invert.null_text', params };
}

function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

const tensor = (shape: number[], seed: number): Float32Tensor => ({
  dtype: 'float32', shape, data: gaussian(shape.reduce((a, b) => a * b, 1), seed),
});

/** A full-size null-text inversion of a 128×128 image (16×16 latents). */
const fullInversion = (seed: number) => ({
  latents: tensor([51, 4, 16, 16], seed),
  nullEmbeddings: tensor([50, 77, 128], seed + 1),
});

/** A small one, about 3 KB stored. */
const smallInversion = (seed: number) => ({ latents: tensor([2, 4, 16, 16], seed) });

function store(options: Partial<ConstructorParameters<typeof InversionStore>[1]> = {}, client: PrismaClient = prisma): InversionStore {
  return new InversionStore(client, { quotaBytesPerUser: 50_000_000, ttlMs: 24 * HOUR, orphanGraceMs: 5 * MINUTE, clock, ...options });
}

async function blobExists(hash: string): Promise<boolean> {
  return (await query('SELECT 1 FROM blobs WHERE hash = $1', [hash])).length === 1;
}

test('put then get round-trips the tensors within float16 precision; the second get is a hit too', async () => {
  const s = store();
  const user = await newUser();
  const tensors = fullInversion(1);
  tensors.latents.data.set([0, -0, 1, -2, 0.5, 65504, 2 ** -24, 3.140625], 0);
  const put = await s.put(key(user, 'img-1'), tensors);
  assert.ok(put.stored);
  assert.equal(put.evicted, 0);
  assert.ok(put.bytes < 2 * (51 * 4 * 256 + 50 * 77 * 128), 'stored smaller than float16');

  const first = await s.get(key(user, 'img-1'));
  assert.ok(first, 'a hit');
  assert.deepEqual(Object.keys(first.tensors), ['latents', 'nullEmbeddings']);
  for (const name of ['latents', 'nullEmbeddings'] as const) {
    const original = tensors[name];
    const back: Float32Tensor = first.tensors[name]!;
    assert.deepEqual(back.shape, original.shape);
    assert.equal(back.dtype, 'float32');
    let worst = 0;
    for (let i = 0; i < original.data.length; i++) {
      const bound = Math.max(Math.abs(original.data[i]!) * 2 ** -11, 2 ** -25);
      worst = Math.max(worst, Math.abs(back.data[i]! - original.data[i]!) / bound);
    }
    assert.ok(worst <= 1, `${name}: every value within half a float16 ulp (worst ${worst})`);
  }
  assert.deepEqual([...first.tensors.latents!.data.subarray(0, 8)], [0, -0, 1, -2, 0.5, 65504, 2 ** -24, 3.140625], 'exact where float16 is');
  assert.ok(Object.is(first.tensors.latents!.data[1], -0));
  assert.equal(first.paramsHash, paramsHash({ guidance: 7.5, steps: 50 }));
  assert.deepEqual(first.params, { guidance: 7.5, steps: 50 });

  advance(MINUTE);
  const second = await s.lookup(key(user, 'img-1', { guidance: 7.5, steps: 50 }));
  assert.equal(second.status, 'hit', 'params in another order are the same key');
  assert.deepEqual(second.status === 'hit' && second.inversion.tensors, first.tensors);
  const [row] = await query<{ last_used_at: Date; expires_at: Date }>('SELECT last_used_at, expires_at FROM inversions WHERE id = $1', [first.id]);
  assert.equal(row!.last_used_at.getTime(), clockNow.getTime(), 'a hit counts as a use');
  assert.equal(row!.expires_at.getTime(), clockNow.getTime() + 24 * HOUR, 'and slides the expiry');

  assert.equal(await s.get(key(user, 'img-1', { steps: 51, guidance: 7.5 })), undefined, 'other params: a miss');
  assert.equal(await s.get({ ...key(user, 'img-1'), method: 'invert.ddim' }), undefined, 'other method: a miss');
  assert.equal(await s.get(key(await newUser(), 'img-1')), undefined, "another user's: a miss");

  const again = await s.put(key(user, 'img-1'), tensors);
  assert.ok(again.stored);
  assert.equal(again.id, put.id, 'a second put of the same key replaces, not duplicates');
  assert.equal((await query('SELECT 1 FROM inversions WHERE user_id = $1', [user])).length, 1);
});

test('a blob with one flipped byte is reported corrupt, deleted, never returned, and a new put heals it', async () => {
  const s = store();
  const user = await newUser();
  const other = await newUser();
  const put = await s.put(key(user, 'img-flip'), smallInversion(3));
  assert.ok(put.stored);
  // Another user's inversion happens to have the same bytes (same content, same blob).
  const shared = await s.put(key(other, 'img-flip'), smallInversion(3));
  assert.ok(shared.stored && shared.dataHash === put.dataHash);

  await query('UPDATE blobs SET data = set_byte(data, 200, get_byte(data, 200) # 1) WHERE hash = $1', [put.dataHash]);
  const found = await s.lookup(key(user, 'img-flip'));
  assert.equal(found.status, 'corrupt');
  assert.match(found.status === 'corrupt' ? found.reason : '', /sha256/);
  assert.equal((await query('SELECT 1 FROM inversions WHERE data_hash = $1', [put.dataHash])).length, 0, 'every row using the bytes is gone');
  assert.equal(await blobExists(put.dataHash), false, 'the damaged blob is gone');
  assert.equal(await s.get(key(user, 'img-flip')), undefined);
  assert.equal(await s.get(key(other, 'img-flip')), undefined);

  // The caller inverts again and stores: the same content address, now with good bytes.
  const healed = await s.put(key(user, 'img-flip'), smallInversion(3));
  assert.ok(healed.stored && healed.dataHash === put.dataHash);
  assert.ok(await s.get(key(user, 'img-flip')));
});

test('a put over a damaged copy of the same bytes rewrites them', async () => {
  const s = store();
  const user = await newUser();
  const put = await s.put(key(user, 'img-rewrite'), smallInversion(4));
  assert.ok(put.stored);
  await query('UPDATE blobs SET data = set_byte(data, 100, get_byte(data, 100) # 255) WHERE hash = $1', [put.dataHash]);
  const again = await s.put(key(user, 'img-rewrite'), smallInversion(4));
  assert.ok(again.stored);
  const [blob] = await query<{ data: Buffer }>('SELECT data FROM blobs WHERE hash = $1', [put.dataHash]);
  assert.equal(createHash('sha256').update(blob!.data).digest('hex'), put.dataHash);
  assert.equal((await s.lookup(key(user, 'img-rewrite'))).status, 'hit');
});

test('a truncated blob is reported corrupt and deleted', async () => {
  const s = store();
  const user = await newUser();
  const put = await s.put(key(user, 'img-trunc'), smallInversion(5));
  assert.ok(put.stored);
  // Truncated consistently (size column too): only the content hash can tell.
  await query('UPDATE blobs SET data = substring(data from 1 for length(data) - 64), size = size - 64 WHERE hash = $1', [put.dataHash]);
  const found = await s.lookup(key(user, 'img-trunc'));
  assert.equal(found.status, 'corrupt');
  assert.equal(await blobExists(put.dataHash), false);
  assert.equal((await query('SELECT 1 FROM inversions WHERE user_id = $1', [user])).length, 0);
  assert.equal(await s.get(key(user, 'img-trunc')), undefined);

  // Truncated with the recorded size left as it was.
  const again = await s.put(key(user, 'img-trunc'), smallInversion(5));
  assert.ok(again.stored);
  await query('UPDATE blobs SET data = substring(data from 1 for 20) WHERE hash = $1', [again.dataHash]);
  const second = await s.lookup(key(user, 'img-trunc'));
  assert.match(second.status === 'corrupt' ? second.reason : '', /recorded as/);
});

test('bytes that match their hash but are not a valid container are corrupt too', async () => {
  const s = store();
  const user = await newUser();
  const garbage = Buffer.from('not an inversion at all');
  const hash = createHash('sha256').update(garbage).digest('hex');
  await prisma.blob.create({ data: { hash, mediaType: 'application/vnd.retouch.inversion', size: garbage.length, data: garbage } });
  const k = key(user, 'img-garbage');
  await prisma.inversion.create({
    data: {
      userId: user, imageHash: k.imageHash, modelHash: k.modelHash, method: k.method, paramsHash: paramsHash(k.params),
      params: k.params, dataHash: hash, codec: 'f16-shuffle-brotli3/1', expiresAt: new Date(clockNow.getTime() + HOUR),
    },
  });
  const found = await s.lookup(k);
  assert.equal(found.status, 'corrupt');
  assert.match(found.status === 'corrupt' ? found.reason : '', /magic/);
  assert.equal(await blobExists(hash), false);
});

test('past the quota, the least-recently-used inversions of that user go, and only theirs', async () => {
  const probe = await store().put(key(await newUser(), 'probe'), smallInversion(10));
  assert.ok(probe.stored);
  const size = probe.bytes;
  const s = store({ quotaBytesPerUser: Math.floor(size * 3.5) });
  const user = await newUser();
  const bystander = await newUser();
  const ids: Record<string, string> = {};
  for (const [i, name] of ['a', 'b', 'c'].entries()) {
    advance(MINUTE);
    const put = await s.put(key(user, name), smallInversion(20 + i));
    assert.ok(put.stored && put.evicted === 0);
    ids[name] = put.dataHash;
  }
  advance(MINUTE);
  assert.ok(await s.put(key(bystander, 'z'), smallInversion(30)));
  advance(MINUTE);
  assert.ok(await s.get(key(user, 'a')), 'a is used again: b is now the least recently used');
  advance(MINUTE);
  const d = await s.put(key(user, 'd'), smallInversion(23));
  assert.ok(d.stored);
  assert.equal(d.evicted, 1);
  assert.equal(await s.get(key(user, 'b')), undefined, 'b was evicted');
  assert.equal(await blobExists(ids.b!), false, "b's blob went with it");
  for (const name of ['a', 'c', 'd']) assert.ok(await s.get(key(user, name)), `${name} kept`);
  assert.ok(await s.get(key(bystander, 'z')), "another user's inversion is not touched");
  const usage = await s.usage(user);
  assert.equal(usage.inversions, 3);
  assert.ok(usage.bytes <= Math.floor(size * 3.5));

  // One inversion bigger than the whole quota is not stored, and evicts nothing.
  const huge = await s.put(key(user, 'huge'), fullInversion(40));
  assert.deepEqual(huge.stored, false);
  assert.equal((await s.usage(user)).inversions, 3);
});

test('sweep deletes expired inversions and unreferenced blobs past the grace period, and keeps the rest', async () => {
  const s = store({ ttlMs: HOUR });
  const user = await newUser();
  const kept = await s.put(key(user, 'ttl-kept'), smallInversion(50));
  advance(30 * MINUTE);
  const expiring = await s.put(key(user, 'ttl-expiring'), smallInversion(51));
  assert.ok(kept.stored && expiring.stored);
  advance(15 * MINUTE);
  assert.ok(await s.get(key(user, 'ttl-kept')), 'a read extends the life of ttl-kept to t+1h45');

  // An image's blob and a young unreferenced blob (an upload between its blob and its row) stay.
  const imageBytes = Buffer.from('png bytes');
  const imageHash = createHash('sha256').update(imageBytes).digest('hex');
  await prisma.blob.create({ data: { hash: imageHash, mediaType: 'image/png', size: imageBytes.length, data: imageBytes, createdAt: new Date(clockNow.getTime() - 10 * HOUR) } });
  await prisma.image.create({ data: { blobHash: imageHash, width: 1, height: 1, ownerId: user } });
  const young = Buffer.from('just written');
  const youngHash = createHash('sha256').update(young).digest('hex');
  const old = Buffer.from('left behind');
  const oldHash = createHash('sha256').update(old).digest('hex');

  advance(55 * MINUTE); // t+1h40: ttl-expiring expired at t+1h30
  await prisma.blob.create({ data: { hash: youngHash, mediaType: 'image/png', size: young.length, data: young, createdAt: new Date(clockNow.getTime() - MINUTE) } });
  await prisma.blob.create({ data: { hash: oldHash, mediaType: 'image/png', size: old.length, data: old, createdAt: new Date(clockNow.getTime() - HOUR) } });

  const report = await s.sweep();
  assert.deepEqual(report, { expired: 1, orphanBlobs: 2 }, "the expired row; then its blob and the old orphan");
  assert.ok(await s.get(key(user, 'ttl-kept')));
  assert.equal(await blobExists(expiring.dataHash), false);
  assert.equal(await blobExists(oldHash), false);
  assert.equal(await blobExists(youngHash), true, 'inside the grace period');
  assert.equal(await blobExists(imageHash), true, "an image's blob");
  assert.equal(await blobExists(kept.dataHash), true);
  assert.deepEqual(await s.sweep(), { expired: 0, orphanBlobs: 0 }, 'a second sweep finds nothing');

  advance(HOUR); // t+2h40: ttl-kept expired at t+1h45, not yet swept
  assert.equal(await s.get(key(user, 'ttl-kept')), undefined, 'an expired inversion is never returned');
  assert.equal((await query('SELECT 1 FROM inversions WHERE user_id = $1', [user])).length, 0, 'and is deleted on the spot');
  assert.equal(await blobExists(kept.dataHash), false);
});

test('startSweeper runs sweep on its cron schedule until stopped', async () => {
  const s = store({ ttlMs: MINUTE });
  assert.throws(() => s.startSweeper('not a cron'), RangeError);
  const user = await newUser();
  assert.ok((await s.put(key(user, 'cron'), smallInversion(60))).stored);
  advance(2 * MINUTE);
  const stop = s.startSweeper('* * * * * *'); // every second
  try {
    const deadline = Date.now() + 5_000;
    while ((await query('SELECT 1 FROM inversions WHERE user_id = $1', [user])).length > 0) {
      assert.ok(Date.now() < deadline, 'the scheduled sweep removed the expired inversion');
      await sleep(200);
    }
  } finally {
    await stop();
  }
});

test("deleteForImage removes an image's inversions (one user's or everyone's); deleteImage removes them with the image", async () => {
  const s = store();
  const alice = await newUser();
  const bob = await newUser();
  const a1 = await s.put(key(alice, 'shared-picture'), smallInversion(70));
  await s.put(key(alice, 'shared-picture', { steps: 10 }), smallInversion(71));
  await s.put(key(alice, 'other-picture'), smallInversion(72));
  await s.put(key(bob, 'shared-picture'), smallInversion(73));
  assert.ok(a1.stored);

  assert.equal(await s.deleteForImage(hex('shared-picture'), alice), 2);
  assert.equal(await s.get(key(alice, 'shared-picture')), undefined);
  assert.equal(await blobExists(a1.dataHash), false, 'the freed blob is deleted at once');
  assert.ok(await s.get(key(alice, 'other-picture')));
  assert.ok(await s.get(key(bob, 'shared-picture')), "bob's inversion of the same picture stays");
  assert.equal(await s.deleteForImage(hex('shared-picture')), 1, 'without a user: everyone');
  assert.equal(await s.get(key(bob, 'shared-picture')), undefined);

  // The schema links inversions to images by content hash only: deleting the Image row alone
  // leaves them, which is why deleteImage exists.
  const png = Buffer.from('a picture');
  const pngHash = createHash('sha256').update(png).digest('hex');
  await prisma.blob.create({ data: { hash: pngHash, mediaType: 'image/png', size: png.length, data: png } });
  const image = await prisma.image.create({ data: { blobHash: pngHash, width: 2, height: 2, ownerId: alice } });
  const byHash: InversionKey = { ...key(alice, 'x'), imageHash: pngHash };
  const inv = await s.put(byHash, smallInversion(74));
  assert.ok(inv.stored);
  await prisma.image.delete({ where: { id: image.id } });
  assert.ok(await s.get(byHash), 'no cascade in the database');
  const again = await prisma.image.create({ data: { blobHash: pngHash, width: 2, height: 2, ownerId: alice } });

  assert.equal(await s.deleteImage(again.id), true);
  assert.equal(await s.get(byHash), undefined);
  assert.equal(await blobExists(inv.dataHash), false);
  assert.equal(await blobExists(pngHash), false, "the image's own blob, now unused");
  assert.equal(await s.deleteImage(again.id), false);
});

test('a stored inversion survives a restart of Postgres byte for byte', async () => {
  const s = store();
  const user = await newUser();
  const tensors = fullInversion(80);
  const put = await s.put(key(user, 'restart'), tensors);
  assert.ok(put.stored);
  const [before] = await query<{ data: Buffer }>('SELECT data FROM blobs WHERE hash = $1', [put.dataHash]);
  const halvesBefore = decodeInversionHalves(before!.data).tensors;

  await prisma.$disconnect();
  await db.embedded!.stop();
  await assert.rejects(queryOnce(url, 'SELECT 1'), 'the server is down');
  url = await db.embedded!.start();
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  extraClients.push(prisma);

  const [after] = await query<{ data: Buffer }>('SELECT data FROM blobs WHERE hash = $1', [put.dataHash]);
  assert.ok(Buffer.compare(after!.data, before!.data) === 0, 'the stored bytes are identical');
  const found = await store({}, prisma).get(key(user, 'restart'));
  assert.ok(found, 'still a hit after the restart');
  for (const name of ['latents', 'nullEmbeddings'] as const) {
    const stored = halvesBefore[name]!.data;
    const reencoded = float32ToFloat16Array(found.tensors[name]!.data);
    assert.ok(Buffer.from(reencoded.buffer).equals(Buffer.from(stored.buffer)), `${name}: the decoded float16 payload is byte for byte the same`);
    assert.ok(Buffer.from(float32ToFloat16Array(tensors[name].data).buffer).equals(Buffer.from(stored.buffer)), `${name}: and is the input rounded to float16`);
  }
});
