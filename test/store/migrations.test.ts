import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { Prisma } from '../../src/store/generated/client.ts';
import { MIGRATIONS_DIR, migrate, MigrationError, readMigrations } from '../../src/store/migrate.ts';
import { queryOnce, startTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;

before(async () => {
  db = await startTestDatabase();
});
after(async () => {
  await db?.destroy();
});

const query = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => queryOnce<T>(db.url, sql, params);

test('migrations apply to an empty database, record themselves as Prisma does, and re-apply as a no-op', async () => {
  // startTestDatabase already migrated once: the second run must change nothing.
  const migrations = await readMigrations();
  assert.ok(migrations.length > 0);
  const again = await migrate(db.url);
  assert.deepEqual(again.applied, []);
  assert.deepEqual(again.alreadyApplied, migrations.map((m) => m.name));

  const rows = await query<{ migration_name: string; checksum: string; applied_steps_count: number; finished_at: Date }>(
    'SELECT migration_name, checksum, applied_steps_count, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
  );
  assert.deepEqual(rows.map((r) => r.migration_name), migrations.map((m) => m.name));
  for (const [i, row] of rows.entries()) {
    assert.equal(row.checksum, migrations[i]!.checksum);
    assert.match(row.checksum, /^[0-9a-f]{64}$/);
    assert.equal(row.applied_steps_count, 1);
    assert.ok(row.finished_at instanceof Date);
  }
});

test('every column of the Prisma schema exists in the migrated database', async () => {
  const columns = await query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
  );
  const present = new Set(columns.map((c) => `${c.table_name}.${c.column_name}`));
  const models = Object.values(Prisma.ModelName);
  const schema = await readFile(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8');
  for (const model of models) {
    const block = schema.match(new RegExp(`model ${model} \\{([\\s\\S]*?)\\n\\}`))?.[1];
    assert.ok(block, `model ${model} in schema.prisma`);
    const table = block.match(/@@map\("([^"]+)"\)/)?.[1] ?? model;
    for (const line of block.split('\n')) {
      const field = line.match(/^\s+(\w+)\s+(\w+)(\[\])?(\?)?/);
      if (!field) continue;
      const [, name, type] = field;
      const isRelation = /^[A-Z]/.test(type!) && models.includes(type as (typeof models)[number]);
      if (isRelation) continue;
      const column = line.match(/@map\("([^"]+)"\)/)?.[1] ?? name;
      assert.ok(present.has(`${table}.${column}`), `column ${table}.${column} (${model}.${name})`);
    }
  }
});

test('every model round-trips through the Prisma client', async () => {
  const p = db.prisma;
  const bytes = Buffer.from([0, 1, 2, 250, 255]);
  const hash = 'a'.repeat(64);
  const workspace = await p.workspace.create({
    data: { platform: 'discord', externalId: 'guild-1', name: 'Guild', settings: { steps: 30 } },
  });
  const user = await p.user.create({
    data: { platform: 'discord', externalId: 'user-1', displayName: 'Ada', settings: { guidance: 7.5 } },
  });
  const blob = await p.blob.create({ data: { hash, mediaType: 'image/png', size: bytes.length, data: bytes } });
  const image = await p.image.create({
    data: { blobHash: hash, width: 128, height: 96, ownerId: user.id, workspaceId: workspace.id },
  });
  const job = await p.job.create({
    data: {
      kind: 'edit', userId: user.id, workspaceId: workspace.id, idempotencyKey: 'k-1',
      payload: { instruction: 'make it blue' }, result: { imageId: image.id }, error: null,
      progress: 0.5, attempts: 1, workerId: 'w-1', startedAt: new Date(),
    },
  });
  const parent = await p.edit.create({
    data: { userId: user.id, plan: { version: 1, steps: [] }, planVersion: 1, methods: [] },
  });
  const edit = await p.edit.create({
    data: {
      userId: user.id, workspaceId: workspace.id, sourceImageId: image.id, resultImageId: image.id,
      parentId: parent.id, jobId: job.id, plan: { version: 1, steps: [{ method: 'p2p.replace' }] },
      planVersion: 1, methods: ['invert.direct', 'p2p.replace'],
    },
  });
  const inversion = await p.inversion.create({
    data: {
      userId: user.id, imageHash: hash, modelHash: 'b'.repeat(64), method: 'invert.null_text',
      paramsHash: 'c'.repeat(64), params: { steps: 50 }, dataHash: hash, codec: 'f16+zstd',
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  const dictionary = await p.conceptDictionary.create({
    data: { modelHash: 'b'.repeat(64), scope: 'workspace', workspaceId: workspace.id, name: 'shapes', description: 'd', build: { seed: 1 } },
  });
  const site = await p.conceptSite.create({
    data: {
      dictionaryId: dictionary.id, block: 'mid_block.attentions.0', time: 0.5, branch: 'cond', k: 4, inputs: 8, features: 32,
      height: 8, width: 8, quality: { explainedVariance: 0.9, scaledMse: 0.1, deadFraction: 0 }, weights: bytes, weightsSha256: hash,
    },
  });
  const vector = Buffer.from(new Float32Array([0.25, -1, 3.5]).buffer);
  const concept = await p.concept.create({
    data: {
      siteId: site.id, featureIndex: 42, label: 'star', words: [{ word: 'star', count: 3 }], terms: ['star'], vector,
      intensity: 1.5, topImages: ['a star'],
    },
  });
  const entry = await p.galleryEntry.create({
    data: {
      workspaceId: workspace.id, authorId: user.id, imageId: image.id, editId: edit.id,
      title: 'Blue star', plan: { version: 1 }, score: 3,
    },
  });
  const vote = await p.vote.create({ data: { entryId: entry.id, userId: user.id, value: 1 } });
  const shown = await p.messageImage.create({ data: { platform: 'discord', messageId: '1234567890', position: 1, imageId: image.id } });

  assert.deepEqual(await p.workspace.findUniqueOrThrow({ where: { id: workspace.id } }), workspace);
  assert.deepEqual(await p.user.findUniqueOrThrow({ where: { id: user.id } }), user);
  const blobBack = await p.blob.findUniqueOrThrow({ where: { hash } });
  assert.deepEqual(Buffer.from(blobBack.data), bytes);
  assert.equal(blobBack.size, blob.size);
  assert.deepEqual(await p.image.findUniqueOrThrow({ where: { id: image.id } }), image);
  assert.deepEqual(await p.job.findUniqueOrThrow({ where: { id: job.id } }), job);
  assert.deepEqual(await p.edit.findUniqueOrThrow({ where: { id: edit.id } }), edit);
  assert.deepEqual(await p.inversion.findUniqueOrThrow({ where: { id: inversion.id } }), inversion);
  assert.deepEqual(await p.conceptDictionary.findUniqueOrThrow({ where: { id: dictionary.id } }), dictionary);
  assert.equal(dictionary.status, 'building', 'a new dictionary is not served until it is saved');
  const siteBack = await p.conceptSite.findUniqueOrThrow({ where: { id: site.id } });
  assert.deepEqual(Buffer.from(siteBack.weights), bytes);
  assert.deepEqual({ ...siteBack, weights: null }, { ...site, weights: null });
  const conceptBack = await p.concept.findUniqueOrThrow({ where: { id: concept.id } });
  assert.deepEqual([...new Float32Array(new Uint8Array(conceptBack.vector).buffer)], [0.25, -1, 3.5]);
  assert.deepEqual({ ...conceptBack, vector: null }, { ...concept, vector: null });
  assert.deepEqual(await p.galleryEntry.findUniqueOrThrow({ where: { id: entry.id } }), entry);
  assert.deepEqual(
    await p.vote.findUniqueOrThrow({ where: { entryId_userId: { entryId: entry.id, userId: user.id } } }),
    vote,
  );
  assert.deepEqual(
    await p.messageImage.findUniqueOrThrow({
      where: { platform_messageId_position: { platform: 'discord', messageId: '1234567890', position: 1 } },
    }),
    shown,
  );

  // The constraints the schema promises hold in the database.
  await assert.rejects(p.job.create({ data: { kind: 'edit', userId: user.id, idempotencyKey: 'k-1', payload: {} } }));
  await assert.rejects(p.vote.create({ data: { entryId: entry.id, userId: user.id, value: -1 } }));
  await assert.rejects(
    p.concept.create({ data: { siteId: site.id, featureIndex: 42, words: [], vector, intensity: 0, topImages: [] } }),
    'one meaning per feature of a site',
  );
  const children = await p.edit.findMany({ where: { parentId: parent.id } });
  assert.deepEqual(children.map((c) => c.id), [edit.id]);
  // Deleting a dictionary removes its sites and their concepts.
  await p.conceptDictionary.delete({ where: { id: dictionary.id } });
  assert.equal(await p.conceptSite.count(), 0);
  assert.equal(await p.concept.count(), 0);
  // Deleting a user removes what they own.
  await p.user.delete({ where: { id: user.id } });
  assert.equal(await p.image.count(), 0);
  assert.equal(await p.inversion.count(), 0);
  assert.equal(await p.galleryEntry.count(), 0);
  assert.equal(await p.messageImage.count(), 0);
});

test('a migration edited after it was applied is refused, naming it', async () => {
  const copy = await mkdtemp(join(tmpdir(), 'retouch-migrations-'));
  try {
    await cp(MIGRATIONS_DIR, copy, { recursive: true });
    const [first] = await readMigrations(copy);
    await writeFile(join(copy, first!.name, 'migration.sql'), `${first!.sql}\n-- edited\n`);
    await assert.rejects(migrate(db.url, copy), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, new RegExp(`${first!.name} was changed after it was applied`));
      return true;
    });
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});

test('a failing migration rolls back completely and is not recorded', async () => {
  const copy = await mkdtemp(join(tmpdir(), 'retouch-migrations-'));
  try {
    await cp(MIGRATIONS_DIR, copy, { recursive: true });
    const name = '99990101000000_broken';
    await cp(join(copy, (await readMigrations(copy))[0]!.name), join(copy, name), { recursive: true });
    await writeFile(join(copy, name, 'migration.sql'), 'CREATE TABLE "half_done" (id INT);\nSELECT no_such_function();\n');
    await assert.rejects(migrate(db.url, copy), /99990101000000_broken failed and was rolled back/);
    assert.deepEqual(await query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'"), []);
    assert.deepEqual(await query('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1', [name]), []);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
