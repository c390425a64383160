import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { storeImage } from '../../src/store/images.ts';
import type { JobRecord, JsonValue } from '../../src/jobs/index.ts';
import type { EditPlan } from '../../src/plan/index.ts';
import type { InvertResult, StudioResult } from '../../src/studio/handlers.ts';
import { deleteImageWithInversions } from '../../src/store/inversions.ts';
import { toPng } from '../../src/support/image.ts';
import { capturingLogger } from '../chat/helpers.ts';
import { waitFor } from '../jobs/support.ts';
import { colourSwap } from '../methods/support-p2p.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestStudio, type TestStudio } from '../support/studio.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const STEPS = 4;

// The studio keys a stored image's inversions by the image's Blob hash, as the store documents, so
// deleting the image deletes what was derived from it; the intermediate images of a multi-step
// edit are never stored, and neither are their inversions.
describe('stored inversions of a stored image, through the studio worker', () => {
  requireShippedModel();
  let database: TestDatabase;
  let studio: TestStudio;
  before(async () => {
    database = await startTestDatabase();
    studio = await startTestStudio(database, capturingLogger().logger);
  });
  after(async () => {
    await studio?.stop();
    await database?.destroy();
  });

  async function run(kind: 'invert' | 'edit', userId: string, workspaceId: string, payload: JsonValue): Promise<JobRecord> {
    const { job } = await studio.jobs.submit({ kind, userId, workspaceId, idempotencyKey: randomUUID(), payload });
    return waitFor(`the ${kind} job`, async () => {
      const record = await studio.jobs.get(job.id);
      return record && ['succeeded', 'failed', 'cancelled'].includes(record.state) ? record : undefined;
    }, 300_000);
  }

  it('keys /invert and the first edit step by the blob hash; deleting the image deletes them and their blobs', async () => {
    const { prisma } = database;
    const workspace = await prisma.workspace.create({ data: { platform: 'local', externalId: 'studio-inversions', name: 'Studio' } });
    const user = await prisma.user.create({ data: { platform: 'local', externalId: 'studio-inversions-user', displayName: 'Ada' } });
    const owner = { userId: user.id, workspaceId: workspace.id };
    const { rendered, source, from, to } = colourSwap();
    const png = await toPng(rendered);
    const image = await storeImage(prisma, { png, width: rendered.width, height: rendered.height, sourceFormat: 'PNG' }, owner);

    const inverted = await run('invert', user.id, workspace.id, { owner, imageId: image.id, method: 'invert.direct', caption: source, steps: STEPS, guidance: 7.5 });
    assert.equal(inverted.state, 'succeeded', inverted.error ?? '');
    const invertResult = inverted.result as InvertResult;
    assert.equal(invertResult.kind, 'inversion', JSON.stringify(invertResult));
    const rows = await prisma.inversion.findMany({ where: { userId: user.id } });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.imageHash, image.blobHash, 'keyed by the image\'s Blob hash, as deleteImageWithInversions deletes them');
    assert.equal(rows[0]!.method, 'invert.direct');

    // Two steps that both edit through an inversion: the first reuses /invert's, the second inverts
    // the first step's (never stored) result and must not keep that inversion.
    const step = (source: string, target: string) => ({ edit: 'swap' as const, method: 'guide.prompt_switch' as const, params: { source, target } });
    const plan: EditPlan = {
      version: 1,
      source: { kind: 'uploaded', caption: source, imageId: image.id },
      inversion: { method: 'invert.direct', reuseStored: true },
      steps: [step(from, to), step(to, from)],
      output: { seed: 1, steps: STEPS, guidance: 7.5 },
      reason: 'two colour swaps in a row, each through the source\'s inversion',
    };
    const edited = await run('edit', user.id, workspace.id, { plan, owner, sourceImageId: image.id });
    assert.equal(edited.state, 'succeeded', edited.error ?? '');
    const editResult = edited.result as StudioResult;
    assert.equal(editResult.kind, 'image', JSON.stringify(editResult));
    assert.equal(editResult.kind === 'image' && editResult.inversionReused, true, 'the first step starts from the inversion /invert stored');
    const afterEdit = await prisma.inversion.findMany({ where: { userId: user.id } });
    assert.deepEqual(afterEdit.map((r) => r.id), [rows[0]!.id], 'the second step\'s inversion (of an image never stored) is not kept');

    assert.equal(await deleteImageWithInversions(prisma, image.id), true);
    assert.equal(await prisma.inversion.count({ where: { userId: user.id } }), 0, 'deleting the image deletes its inversions');
    assert.equal(await prisma.blob.count({ where: { hash: { in: [rows[0]!.dataHash, image.blobHash] } } }), 0, 'and the inversion\'s and the image\'s blobs');
    // The edit's result is another image; it stays, with its own blob.
    assert.equal(await prisma.image.count({ where: { ownerId: user.id } }), 1);
  });
});
