import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Dispatcher } from '../../src/chat/dispatcher.ts';
import type { Reply, ReplyAddress } from '../../src/chat/messages.ts';
import { redeliver } from '../../src/chat/deliveries.ts';
import type { TestDatabase } from '../support/database.ts';
import { startChatStudio, type TestStudio } from '../support/studio.ts';
import { capturingLogger, message, recordingChannel } from './helpers.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// An /invert whose bot went away mid-job: the next bot's redelivery says what the inversion gave.
describe('redelivering an inversion', () => {
  requireShippedModel();
  let database: TestDatabase;
  let studio: TestStudio;
  let dispatcher: Dispatcher;
  before(async () => {
    ({ database, studio, dispatcher } = await startChatStudio());
  });
  after(async () => {
    await studio?.stop();
    await database?.destroy();
  });

  it('puts the PSNR and stored size, with the image, into the waiting reply', async () => {
    const drawn = recordingChannel();
    await dispatcher.handleMessage(message('/imagine a large red star in the center on grass steps:4 seed:3'), drawn);
    const imageId = drawn.edits.at(-1)!.reply.images![0]!.imageId;
    const image = await database.prisma.image.findUniqueOrThrow({ where: { id: imageId } });
    const address: ReplyAddress = { platform: 'slack', messageId: 'C1:1.2' };
    const { job } = await studio.jobs.submit({
      kind: 'invert', userId: image.ownerId, workspaceId: image.workspaceId, idempotencyKey: 'redeliver-invert',
      payload: { owner: { userId: image.ownerId, workspaceId: image.workspaceId }, imageId, method: 'invert.ddim', caption: 'a large red star in the center on grass', steps: 4, guidance: 7.5, deliverTo: address },
    });
    for (let waited = 0; (await studio.jobs.get(job.id))?.state !== 'succeeded'; waited += 100) {
      assert.ok(waited < 60_000, 'the inversion finished');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const delivered: Array<{ address: ReplyAddress; reply: Reply }> = [];
    const count = await redeliver({ jobs: studio.jobs, prisma: database.prisma, platform: 'slack', logger: capturingLogger().logger, deliver: async (a, reply) => void delivered.push({ address: a, reply }) });
    assert.equal(count, 1);
    assert.deepEqual(delivered[0]!.address, address);
    assert.match(delivered[0]!.reply.text, /^This finished while I was restarting:\nInverting with `invert.ddim`: 4 steps/);
    assert.match(delivered[0]!.reply.text, /reconstruction PSNR: \*\*\d+\.\d+ dB\*\*/);
    assert.deepEqual(delivered[0]!.reply.images?.map((i) => i.imageId), [imageId]);
  });
});
