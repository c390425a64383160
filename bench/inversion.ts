// Edit preparation with the per-user inversion store, on the shipped model (or RETOUCH_MODEL_DIR /
// --model) and an embedded Postgres in a temporary folder. For each method and image: the first edit
// (VAE encode, inversion, store) and the second (the stored inversion loaded: no model work), each
// followed by the regeneration an edit's source branch runs (sampling from the inversion + VAE
// decode), so the end-to-end difference shows too. Prints medians over --images, the stored size,
// and whether the second regeneration gave the first's bytes.
//   npm run bench:inversion [-- --steps 50 --images 3 --methods invert.direct,invert.null_text --threads 1 --model DIR]
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluationScenes } from '../src/eval/t2i.ts';
import { createLogger } from '../src/log.ts';
import { resolveModelPath } from '../src/models/shipped.ts';
import { openStableDiffusion } from '../src/models/stable-diffusion.ts';
import { rgbToTensor } from '../src/models/vae/index.ts';
import { Diffusion } from '../src/pipeline/diffusion.ts';
import { isInversionMethod, NullTextGraph, reconstruct, type InversionMethod } from '../src/pipeline/inversion/index.ts';
import { imageContentHash, inversionTensors, invertWithStore, type StoredInversionOutcome } from '../src/store/stored-inversions.ts';
import { openDatabase } from '../src/store/database.ts';
import { InversionStore } from '../src/store/inversions.ts';
import { renderScene } from '../src/world/index.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '50' },
    guidance: { type: 'string', default: '7.5' },
    images: { type: 'string', default: '3' },
    methods: { type: 'string', default: 'invert.direct,invert.null_text' },
    threads: { type: 'string' },
    model: { type: 'string' },
  },
});
const steps = Number(values.steps);
const guidance = Number(values.guidance);
const images = Number(values.images);
const methods = values.methods.split(',').map((m) => m.trim());
for (const m of methods) if (!isInversionMethod(m)) throw new Error(`unknown method ${m}`);
const threads = values.threads === undefined ? undefined : Number(values.threads);

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const digest = (data: ArrayBufferView) => createHash('sha256').update(Buffer.from(data.buffer, data.byteOffset, data.byteLength)).digest('hex');

const dataDir = await mkdtemp(join(tmpdir(), 'retouch-bench-inversion-'));
await chmod(dataDir, 0o755);
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
const t0 = performance.now();
const database = await openDatabase({ databaseUrl: undefined, dataDir, embeddedPostgres: { port: 0, systemUser: 'postgres' } }, logger);
const t1 = performance.now();
const model = openStableDiffusion(resolveModelPath(values.model));
const diffusion = new Diffusion(model, threads ? { compile: { threads } } : {});
try {
  const store = new InversionStore(database.prisma, { quotaBytesPerUser: 1 << 30, ttlMs: 86_400_000, logger });
  const user = await database.prisma.user.create({ data: { platform: 'local', externalId: 'bench', displayName: 'bench' } });
  console.log(`model ${model.source} (${model.hash.slice(0, 12)}), ${diffusion.width}×${diffusion.height}; ${steps} steps, guidance ${guidance}; threads ${threads ?? 'default'}`);
  console.log(`embedded Postgres started and migrated in ${seconds(t1 - t0)} (${dataDir})`);

  // Warm-up on another scene: compiles the VAE, the UNets and null-text's gradient graph, so what
  // follows measures the work of an edit, not first-use compilation.
  const warm = renderScene(evaluationScenes(1, 1, 7_000_001)[0]!, { size: diffusion.width });
  const warmLatent = await diffusion.encode(rgbToTensor(warm.rgb, warm.width, warm.height));
  const tg = performance.now();
  const graph = methods.includes('invert.null_text') ? await NullTextGraph.compile(diffusion) : undefined;
  if (graph) console.log(`null-text gradient graph compiled in ${seconds(performance.now() - tg)} (once per process; passed to every inversion)`);
  // And a stored inversion computed then loaded (the database connection and its statements warm up too).
  for (const method of methods as InversionMethod[]) {
    for (let i = 0; i < 2; i++) {
      const warmOptions = { userId: user.id, imageHash: imageContentHash(warm.rgb), prompt: warm.caption, steps: 2, guidance, graph, latent: warmLatent };
      const { inversion } = await invertWithStore(store, diffusion, method, warmOptions);
      await diffusion.decode((await reconstruct(diffusion, inversion)).latent);
    }
  }

  const scenes = evaluationScenes(images, 1, 9_100_001).map((scene) => renderScene(scene, { size: diffusion.width }));
  for (const method of methods as InversionMethod[]) {
    const rows: { first: number; firstPrep: number; second: number; secondPrep: number; regen: number; encode: number; invert: number; put: number; lookup: number; decode: number; bytes: number; raw: number; same: boolean }[] = [];
    for (const scene of scenes) {
      let encodeMs = 0;
      const edit = async (): Promise<{ outcome: StoredInversionOutcome; prep: number; total: number; regen: number; image: string }> => {
        const started = performance.now();
        const outcome = await invertWithStore(store, diffusion, method, {
          userId: user.id,
          imageHash: imageContentHash(scene.rgb),
          prompt: scene.caption,
          steps,
          guidance,
          graph,
          latent: async () => {
            const s = performance.now();
            const latent = await diffusion.encode(rgbToTensor(scene.rgb, scene.width, scene.height));
            encodeMs = performance.now() - s;
            return latent;
          },
        });
        const prepared = performance.now();
        const { latent } = await reconstruct(diffusion, outcome.inversion);
        const decoded = await diffusion.decode(latent);
        const done = performance.now();
        return { outcome, prep: prepared - started, total: done - started, regen: done - prepared, image: digest(decoded.data as ArrayBufferView) };
      };
      const first = await edit();
      const second = await edit();
      if (first.outcome.source !== 'computed' || second.outcome.source !== 'stored') {
        throw new Error(`${method}: expected computed then stored, got ${first.outcome.lookup} then ${second.outcome.lookup}`);
      }
      const raw = Object.values(inversionTensors(first.outcome.computed!, diffusion.latentShape)).reduce((n, t) => n + t.data.length * 4, 0);
      rows.push({
        first: first.total,
        firstPrep: first.prep,
        second: second.total,
        secondPrep: second.prep,
        regen: second.regen,
        encode: encodeMs,
        invert: first.outcome.ms.invert ?? 0,
        put: first.outcome.ms.put ?? 0,
        lookup: second.outcome.ms.lookup,
        decode: second.outcome.ms.decode ?? 0,
        bytes: second.outcome.bytes ?? 0,
        raw,
        same: first.image === second.image,
      });
    }
    const m = (key: keyof (typeof rows)[number]) => median(rows.map((r) => r[key] as number));
    console.log(`\n${method}, median of ${rows.length} image(s):`);
    console.log(`  first edit:  prepare ${seconds(m('firstPrep'))} (VAE encode ${seconds(m('encode'))}, inversion ${seconds(m('invert'))}, store ${seconds(m('put'))}) + regenerate ${seconds(m('regen'))} = ${seconds(m('first'))}`);
    console.log(`  second edit: prepare ${seconds(m('secondPrep'))} (lookup + sha256 + decode ${seconds(m('lookup'))}, to InversionResult ${seconds(m('decode'))}; no model work) + regenerate = ${seconds(m('second'))}`);
    console.log(`  preparation ${(m('firstPrep') / m('secondPrep')).toFixed(0)}× faster, the edit ${(m('first') / m('second')).toFixed(2)}× faster`);
    console.log(`  stored ${(m('bytes') / 1e6).toFixed(3)} MB (float32 ${(m('raw') / 1e6).toFixed(3)} MB, ${(m('raw') / m('bytes')).toFixed(1)}× smaller); second regeneration gave the first's bytes: ${rows.every((r) => r.same) ? 'yes' : 'NO'}`);
  }
  await graph?.release();
} finally {
  await diffusion.release();
  await database.close();
  await rm(dataDir, { recursive: true, force: true });
}
