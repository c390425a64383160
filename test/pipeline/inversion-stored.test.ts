import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrismaPg } from '@prisma/adapter-pg';
import { float16ToFloat32Array, float32ToFloat16Array } from '../../src/engine/float16.ts';
import type { HostTensor } from '../../src/engine/index.ts';
import { evaluationScenes } from '../../src/eval/t2i.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { openStableDiffusion } from '../../src/models/stable-diffusion.ts';
import type { CompiledUNet } from '../../src/models/unet/model.ts';
import { rgbToTensor } from '../../src/models/vae/index.ts';
import { Diffusion } from '../../src/pipeline/diffusion.ts';
import { invert, reconstruct, type InversionMethod, type InversionResult } from '../../src/pipeline/inversion/index.ts';
import {
  imageContentHash,
  inversionTensors,
  invertWithStore,
  storedInversionKey,
  type StoredInversionModel,
  type StoredInvertOptions,
} from '../../src/store/stored-inversions.ts';
import { PrismaClient } from '../../src/store/generated/client.ts';
import { decodeInversionHalves } from '../../src/store/inversion-codec.ts';
import { InversionStore } from '../../src/store/inversions.ts';
import { renderScene } from '../../src/world/index.ts';
import { queryOnce, startTestDatabase, type TestDatabase } from '../support/database.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// invertWithStore on the shipped model with a real (embedded) Postgres: 10 steps on one 128×128
// scene, so each inversion takes well under a second (null-text: a few seconds, mostly compiling
// its gradient graph).
//
// "Byte for byte" here: the store keeps float16, so what must not change between the first edit
// (inversion computed, rounded to float16 and stored) and a later one (loaded) — also across a
// restart of Postgres and of every process-level object — is (1) the stored blob's bytes, (2) every
// decoded array of the InversionResult (the float32 values of the stored halves, compared as bits),
// which are the computed float32 values rounded to float16, and (3) the reconstruction sampled from it.
const STEPS = 10;
const GUIDANCE = 7.5;
const METHODS: InversionMethod[] = ['invert.ddim', 'invert.negative_prompt', 'invert.direct', 'invert.ddpm', 'invert.null_text'];

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const toF16 = (a: Float32Array) => float16ToFloat32Array(float32ToFloat16Array(a));
const rms = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((sum, v, i) => sum + (v - (b[i] as number)) ** 2, 0) / a.length);

function sameArray(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(bits(actual).equals(bits(expected)), `${what}: not bit for bit equal (rms ${rms(actual, expected)})`);
}

function sameTensor(actual: HostTensor, expected: HostTensor, what: string, map = (a: Float32Array) => a): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  sameArray(actual.data as Float32Array, map(expected.data as Float32Array), what);
}

/**
 * Every field an inversion is sampled from equals `expected`'s, bit for bit — after `map` (toF16:
 * `expected` is a float32 inversion and `actual` must be its float16 rounding).
 */
function assertSameInversion(actual: InversionResult, expected: InversionResult, label: string, map = (a: Float32Array) => a): void {
  assert.equal(actual.method, expected.method, label);
  assert.equal(actual.prompt, expected.prompt, label);
  assert.equal(actual.steps, expected.steps, label);
  assert.equal(actual.guidance, expected.guidance, label);
  assert.deepEqual(actual.timesteps, expected.timesteps, `${label}: timesteps`);
  sameArray(actual.xT, map(expected.xT), `${label}: xT`);
  assert.equal(actual.trajectory.length, expected.trajectory.length, `${label}: trajectory length`);
  actual.trajectory.forEach((latent, i) => sameArray(latent, map(expected.trajectory[i] as Float32Array), `${label}: trajectory[${i}]`));
  sameTensor(actual.cond, expected.cond, `${label}: cond`, map);
  sameTensor(actual.uncond, expected.uncond, `${label}: uncond`, map);
  if (actual.method === 'invert.null_text' && expected.method === 'invert.null_text') {
    sameTensor(actual.nullEmbeddings, expected.nullEmbeddings, `${label}: nullEmbeddings`, map);
    assert.deepEqual(actual.losses, [...map(Float32Array.from(expected.losses))], `${label}: losses`);
    assert.deepEqual(actual.iterations, expected.iterations, `${label}: iterations`);
  } else if (actual.method === 'invert.ddpm' && expected.method === 'invert.ddpm') {
    assert.equal(actual.eta, expected.eta, label);
    assert.equal(actual.seed, expected.seed, label);
    assert.equal(actual.noises.length, expected.noises.length, `${label}: noises`);
    actual.noises.forEach((z, i) => sameArray(z, map(expected.noises[i] as Float32Array), `${label}: noises[${i}]`));
  }
}

/** The Diffusion, counting what the inversions ask of it: UNets, UNet steps, prompt encodings. */
function counting(diffusion: Diffusion) {
  const calls = { unet: 0, steps: 0, prompts: 0, latent: 0 };
  const model: StoredInversionModel = {
    latentShape: diffusion.latentShape,
    options: diffusion.options,
    model: diffusion.model,
    scheduler: (kind, options) => diffusion.scheduler(kind, options),
    async unet(batch: number): Promise<CompiledUNet> {
      calls.unet += 1;
      const unet = await diffusion.unet(batch);
      return new Proxy(unet, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown;
          if (property === 'step') {
            return (...args: Parameters<CompiledUNet['step']>) => {
              calls.steps += 1;
              return target.step(...args);
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
    encodePrompt(text: string) {
      calls.prompts += 1;
      return diffusion.encodePrompt(text);
    },
  };
  return { model, calls };
}

describe('inversions through the per-user store (models/world-sd, real Postgres)', () => {
  requireShippedModel();
  let db: TestDatabase;
  let url: string;
  let prisma: PrismaClient;
  let store: InversionStore;
  const clients: PrismaClient[] = [];
  let diffusion: Diffusion;
  let latent: Float32Array;
  let caption: string;
  let imageHash: string;
  let users = 0;

  const newStore = (client: PrismaClient) => new InversionStore(client, { quotaBytesPerUser: 64 << 20, ttlMs: 86_400_000 });
  const newUser = async () => (await prisma.user.create({ data: { platform: 'local', externalId: `stored-${++users}`, displayName: `u${users}` } })).id;
  const blobBytes = async (hash: string) => (await queryOnce<{ data: Buffer }>(url, 'SELECT data FROM blobs WHERE hash = $1', [hash]))[0]?.data;
  const options = (userId: string, calls: { latent: number }, extra: Partial<StoredInvertOptions> = {}): StoredInvertOptions => ({
    userId,
    imageHash,
    prompt: caption,
    steps: STEPS,
    guidance: GUIDANCE,
    latent: () => {
      calls.latent += 1;
      return latent;
    },
    ...extra,
  });

  before(async () => {
    db = await startTestDatabase();
    url = db.url;
    prisma = db.prisma;
    store = newStore(prisma);
    diffusion = new Diffusion(openStableDiffusion(SHIPPED_MODEL_DIR), { compile: { threads: 1 } });
    const scene = evaluationScenes(1, 1, 9_000_002)[0]!;
    const rendered = renderScene(scene, { size: diffusion.width });
    caption = rendered.caption;
    imageHash = imageContentHash(rendered.rgb);
    latent = await diffusion.encode(rgbToTensor(rendered.rgb, rendered.width, rendered.height));
  });
  after(async () => {
    await diffusion?.release();
    for (const client of clients) await client.$disconnect().catch(() => undefined);
    await db?.destroy();
  });

  it('the second call loads the inversion: no UNet, no text encoder, no latent; same arrays and same reconstruction, bit for bit', async () => {
    const userId = await newUser();
    for (const method of METHODS) {
      const one = counting(diffusion);
      const first = await invertWithStore(store, one.model, method, options(userId, one.calls));
      assert.equal(first.source, 'computed', method);
      assert.equal(first.lookup, 'miss', method);
      assert.ok(first.put?.stored, `${method}: stored (${JSON.stringify(first.put)})`);
      assert.ok(one.calls.steps >= STEPS && one.calls.prompts > 0 && one.calls.latent === 1, `${method}: the first call inverts (${JSON.stringify(one.calls)})`);
      // What is returned is the computed inversion rounded to float16, exactly as stored.
      const computed = first.computed!;
      assertSameInversion(first.inversion, computed, `${method} (computed → float16)`, toF16);
      assert.ok(!bits(first.inversion.xT).equals(bits(computed.xT)), `${method}: float16 rounding changed x_T (the store is lossy)`);
      assert.ok(rms(first.inversion.xT, computed.xT) < 1e-3, method);

      const two = counting(diffusion);
      const second = await invertWithStore(store, two.model, method, options(userId, two.calls));
      assert.equal(second.source, 'stored', method);
      assert.equal(second.lookup, 'hit', method);
      assert.equal(second.computed, undefined, method);
      assert.deepEqual(two.calls, { unet: 0, steps: 0, prompts: 0, latent: 0 }, `${method}: the second call does no model work`);
      assert.equal(second.dataHash, first.dataHash, method);
      assert.ok(second.bytes! > 0 && second.bytes === (first.put as { bytes: number }).bytes, method);
      assertSameInversion(second.inversion, first.inversion, `${method} (loaded vs first)`);

      const fromFirst = await reconstruct(diffusion, first.inversion);
      const fromSecond = await reconstruct(diffusion, second.inversion);
      sameArray(fromSecond.latent, fromFirst.latent, `${method}: reconstruction`);
      if (method === 'invert.direct' || method === 'invert.ddpm') {
        // Exact in float32; from the float16 inversion within float16 rounding of x_0.
        const error = rms(fromSecond.latent, latent);
        // (DDPM adds a stored float16 noise map every step: 1.5e-3 rms on the shipped model, UNet fine-tune step 1,001)
        assert.ok(error > 0 && error < 3e-3, `${method}: reconstruction rms ${error}`);
      }
    }
  });

  it('the key is the user, the image, the model and every parameter', async () => {
    const userId = await newUser();
    const method = 'invert.direct';
    const calls = { latent: 0 };
    const { model } = counting(diffusion);
    assert.equal((await invertWithStore(store, model, method, options(userId, calls))).lookup, 'miss');
    assert.equal((await invertWithStore(store, model, method, options(userId, calls, { guidance: GUIDANCE, steps: STEPS }))).lookup, 'hit');
    assert.equal((await invertWithStore(store, model, method, options(userId, calls, { guidance: 5 }))).lookup, 'miss', 'another guidance');
    assert.equal((await invertWithStore(store, model, method, options(userId, calls, { steps: STEPS + 2 }))).lookup, 'miss', 'other steps');
    assert.equal((await invertWithStore(store, model, method, options(userId, calls, { prompt: `${caption}!` }))).lookup, 'miss', 'another caption');
    assert.equal((await invertWithStore(store, model, 'invert.ddim', options(userId, calls))).lookup, 'miss', 'another method');
    assert.equal((await invertWithStore(store, model, method, options(await newUser(), calls))).lookup, 'miss', 'another user');
    assert.equal((await invertWithStore(store, model, method, options(userId, calls, { imageHash: imageContentHash(Buffer.from('other')) }))).lookup, 'miss', 'another image');
    assert.equal((await invertWithStore(store, model, method, options(userId, calls, { modelHash: imageContentHash(Buffer.from('model')) }))).lookup, 'miss', 'another model');
    assert.equal((await invertWithStore(store, model, 'invert.ddpm', options(userId, calls, { seed: 0 }))).lookup, 'miss');
    assert.equal((await invertWithStore(store, model, 'invert.ddpm', options(userId, calls))).lookup, 'hit', 'seed 0 is the default');
    assert.equal((await invertWithStore(store, model, 'invert.ddpm', options(userId, calls, { seed: 3 }))).lookup, 'miss', 'another seed');
    assert.equal(storedInversionKey(model, method, options(userId, calls)).modelHash, diffusion.model.hash, "the model's content id from openStableDiffusion");
  });

  it('survives a restart of Postgres and of the process-level objects: same blob bytes, same arrays, same reconstruction', async () => {
    const userId = await newUser();
    const method = 'invert.null_text';
    const one = counting(diffusion);
    const first = await invertWithStore(store, one.model, method, options(userId, one.calls));
    assert.ok(first.put?.stored && first.dataHash);
    const reconstructed = await reconstruct(diffusion, first.inversion);
    const original = await blobBytes(first.dataHash);
    assert.ok(original);
    // The stored halves are the computed float32 values rounded to float16.
    const halves = decodeInversionHalves(original).tensors;
    for (const [name, tensor] of Object.entries(inversionTensors(first.computed!, diffusion.latentShape))) {
      const stored = halves[name]!;
      assert.deepEqual(stored.shape, tensor.shape, name);
      assert.ok(Buffer.from(stored.data.buffer).equals(Buffer.from(float32ToFloat16Array(tensor.data).buffer)), `${name}: stored halves`);
    }

    await prisma.$disconnect();
    await db.embedded!.stop();
    await assert.rejects(queryOnce(url, 'SELECT 1'), 'the server is down');
    url = await db.embedded!.start();
    prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    clients.push(prisma);
    store = newStore(prisma);
    const reopened = new Diffusion(openStableDiffusion(SHIPPED_MODEL_DIR), { compile: { threads: 1 } });
    try {
      const reread = await blobBytes(first.dataHash);
      assert.ok(reread && Buffer.compare(reread, original) === 0, 'the blob is byte for byte the same');
      const two = counting(reopened);
      const second = await invertWithStore(store, two.model, method, options(userId, two.calls));
      assert.equal(second.lookup, 'hit');
      assert.deepEqual(two.calls, { unet: 0, steps: 0, prompts: 0, latent: 0 });
      assert.equal(second.dataHash, first.dataHash);
      assertSameInversion(second.inversion, first.inversion, 'after the restart');
      sameArray((await reconstruct(reopened, second.inversion)).latent, reconstructed.latent, 'reconstruction after the restart');
    } finally {
      await reopened.release();
    }
  });

  for (const [damage, sql] of [
    ['a flipped byte', `UPDATE blobs SET data = set_byte(data, length(data) / 2, get_byte(data, length(data) / 2) # 1) WHERE hash = $1`],
    ['truncated bytes', `UPDATE blobs SET data = substring(data from 1 for length(data) - 9) WHERE hash = $1`],
    ['truncated bytes with a matching size', `UPDATE blobs SET data = substring(data from 1 for length(data) - 9), size = size - 9 WHERE hash = $1`],
  ] as const) {
    it(`a blob with ${damage} is detected, never used, recomputed and stored again`, async () => {
      const userId = await newUser();
      const method = 'invert.direct';
      const first = await invertWithStore(store, counting(diffusion).model, method, options(userId, { latent: 0 }));
      assert.ok(first.dataHash);
      const good = await blobBytes(first.dataHash);
      // A fresh inversion outside the store gives the same float32 values (the inversion is deterministic).
      const fresh = await invert(diffusion, method, { latent, prompt: caption, steps: STEPS, guidance: GUIDANCE });
      assertSameInversion(first.computed!, fresh, 'first vs fresh');

      await queryOnce(url, sql, [first.dataHash]);
      assert.ok(!(await blobBytes(first.dataHash))!.equals(good!), 'the row was damaged');
      const again = counting(diffusion);
      const repaired = await invertWithStore(store, again.model, method, options(userId, again.calls));
      assert.equal(repaired.lookup, 'corrupt');
      assert.match(repaired.reason ?? '', /sha256|bytes, recorded/);
      assert.equal(repaired.source, 'computed');
      assert.ok(again.calls.steps >= STEPS && again.calls.latent === 1, `recomputed (${JSON.stringify(again.calls)})`);
      assertSameInversion(repaired.inversion, fresh, 'recomputed vs fresh', toF16);
      assertSameInversion(repaired.inversion, first.inversion, 'recomputed vs first');
      assert.ok(repaired.put?.stored);
      assert.equal(repaired.dataHash, first.dataHash, 'the same content, the same address');
      assert.ok((await blobBytes(first.dataHash))!.equals(good!), 'the good bytes are back');

      const third = counting(diffusion);
      const loaded = await invertWithStore(store, third.model, method, options(userId, third.calls));
      assert.equal(loaded.lookup, 'hit');
      assert.equal(third.calls.steps, 0);
      assertSameInversion(loaded.inversion, first.inversion, 'loaded after the repair');
    });
  }

  it('intact bytes whose tensors do not fit the key are not used: recomputed and replaced', async () => {
    const userId = await newUser();
    const method = 'invert.ddpm';
    const { model } = counting(diffusion);
    const key = storedInversionKey(model, method, options(userId, { latent: 0 }));
    // Right names, a trajectory one latent short (as a layout bug would store).
    const tensors = inversionTensors(await invert(diffusion, method, { latent, prompt: caption, steps: STEPS, guidance: GUIDANCE }), diffusion.latentShape);
    const [, ...dims] = tensors.trajectory!.shape;
    const short = { ...tensors, trajectory: { dtype: 'float32' as const, shape: [STEPS, ...dims], data: tensors.trajectory!.data.slice(0, tensors.trajectory!.data.length - latent.length) } };
    assert.ok((await store.put(key, short)).stored);

    const calls = { latent: 0 };
    const result = await invertWithStore(store, model, method, options(userId, calls));
    assert.equal(result.lookup, 'invalid');
    assert.match(result.reason ?? '', /trajectory is \[10, 4, 16, 16\], expected \[11, 4, 16, 16\]/);
    assert.equal(result.source, 'computed');
    assert.equal(calls.latent, 1);
    assert.equal(result.inversion.trajectory.length, STEPS + 1);
    const next = await invertWithStore(store, model, method, options(userId, calls));
    assert.equal(next.lookup, 'hit', 'the good inversion replaced the bad one');
    assertSameInversion(next.inversion, result.inversion, 'replaced');
  });

  it('a store that fails is logged and the inversion is computed anyway', async () => {
    const broken = {
      lookup: async () => {
        throw new Error('connection refused');
      },
      put: async () => {
        throw new Error('connection refused');
      },
    } as unknown as InversionStore;
    const warnings: string[] = [];
    const logger = { warn: (_: unknown, message: string) => warnings.push(message) } as unknown as StoredInvertOptions['logger'];
    const result = await invertWithStore(broken, counting(diffusion).model, 'invert.direct', options(await newUser(), { latent: 0 }, { logger }));
    assert.equal(result.lookup, 'error');
    assert.equal(result.source, 'computed');
    assert.deepEqual(result.put, { stored: false, reason: 'error', message: 'connection refused' });
    assert.equal(warnings.length, 2);
    assert.equal(result.inversion.trajectory.length, STEPS + 1);
  });
});
