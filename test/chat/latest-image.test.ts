import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createDefaultRegistry } from '../../commands/index.ts';
import { defineCommand } from '../../src/chat/command.ts';
import { createDispatcher, type Dispatcher } from '../../src/chat/dispatcher.ts';
import type { IncomingMessage } from '../../src/chat/messages.ts';
import { createCommandRegistry } from '../../src/chat/registry.ts';
import { latestImageOf } from '../../src/chat/results/store.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestStudio, type TestStudio } from '../support/studio.ts';
import { capturingLogger, message } from './helpers.ts';
import { buttonOf, conversation, OTHER_USER, pressAs, type Conversation } from './results-helpers.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// "Your latest image" (what a typed /edit without an image works on): the newer of the user's
// newest image and the image of theirs a reply to them showed last, so that after Undo, or after a
// reply showing an older image of theirs, /edit goes on from the image they are looking at.

/** Test only: a progress reply that an edit then turns into the given images, as a result does. */
const show = defineCommand({
  name: 'show',
  description: 'Test only: shows the images named, in order.',
  options: { first: { type: 'string', description: 'image id', required: true }, second: { type: 'string', description: 'image id' } },
  examples: [{ usage: '/show a b', description: 'show a, then b' }],
  async run(context, { first, second }) {
    const sent = await context.reply({ text: 'Working…' });
    const ids = [first, second].filter((id): id is string => typeof id === 'string');
    await sent.update({ text: 'Before and after:', images: ids.map((imageId) => ({ imageId, alt: imageId })) });
  },
});

let database: TestDatabase;
let dispatcher: Dispatcher;

before(async () => {
  database = await startTestDatabase();
  const { logger } = capturingLogger();
  dispatcher = createDispatcher({ prisma: database.prisma, logger, commands: createCommandRegistry([...createDefaultRegistry().list(), show]) });
});
after(async () => {
  await database?.destroy();
});

async function send(incoming: IncomingMessage): Promise<Conversation> {
  const channel = conversation();
  await dispatcher.handleMessage(incoming, channel);
  return channel;
}

describe('a user\'s latest image, from what they were shown', () => {
  const square = (r: number, g: number, b: number) => sharp({ create: { width: 16, height: 16, channels: 3, background: { r, g, b } } }).png().toBuffer();
  const upload = async (data: Buffer, user?: IncomingMessage['user']) => {
    const attachments = [{ filename: 'square.png', contentType: 'image/png', data }];
    const channel = await send(message('', { attachments, ...(user ? { user } : {}) }));
    const imageId = channel.sent[0]?.reply.images?.[0]?.imageId;
    assert.ok(imageId, channel.text());
    return imageId;
  };
  const userId = async (externalId: string) => (await database.prisma.user.findFirstOrThrow({ where: { externalId } })).id;

  it('is the newest upload, else the "after" of the last reply showing the user an image of theirs', async () => {
    const red = await upload(await square(255, 0, 0));
    const green = await upload(await square(0, 255, 0));
    const tess = await userId('test-user');
    assert.equal(await latestImageOf(database.prisma, tess), green, 'the newest upload');
    const shownTo = await database.prisma.messageImage.findMany({ where: { imageId: green }, select: { userId: true } });
    assert.deepEqual(shownTo, [{ userId: tess }, { userId: tess }], 'the upload and its acknowledgement, both as Tess\'s');

    // A reply (edited from progress to images, as a result is) showing green before red: red is the latest.
    await send(message(`/show ${green} second:${red}`));
    assert.equal(await latestImageOf(database.prisma, tess), red, 'the "after" of the reply');

    // Another user's image last in a reply to Tess, or Tess's image in a reply to another user: no change.
    const sams = await upload(await square(0, 0, 255), OTHER_USER);
    await send(message(`/show ${green} second:${sams}`));
    await send(message(`/show ${green}`, { user: OTHER_USER }));
    assert.equal(await latestImageOf(database.prisma, tess), red);
    assert.equal(await latestImageOf(database.prisma, await userId(OTHER_USER.externalId)), sams, 'Sam\'s own upload stays his latest');

    // A newer image of Tess's wins over what she was shown before it.
    const white = await upload(await square(255, 255, 255));
    assert.equal(await latestImageOf(database.prisma, tess), white);
  });
});

describe('typed /edit after Undo on the shipped model', () => {
  requireShippedModel();
  let studio: TestStudio;
  const resultOf = async (channel: Conversation) => {
    const reply = channel.finals().at(-1)!.reply;
    const imageId = reply.images?.at(-1)?.imageId;
    assert.ok(imageId, reply.text);
    return { reply, imageId, edit: await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: imageId }, orderBy: { createdAt: 'desc' } }) };
  };

  before(async () => {
    const { logger } = capturingLogger();
    studio = await startTestStudio(database, logger);
    dispatcher = createDispatcher({ prisma: database.prisma, logger, commands: createDefaultRegistry(), jobs: studio.jobs });
  });
  after(async () => {
    await studio?.stop();
  });

  it('edits the image Undo brought back, not the undone result; without Undo, the newest result', async () => {
    const drawing = await resultOf(await send(message('/imagine a large flat red star in the center on grass seed:5 steps:25')));
    const edited = await resultOf(await send(message('/edit make the star blue steps:20')));
    assert.equal(edited.edit.sourceImageId, drawing.imageId, 'the first edit works on the drawing');

    const undo = conversation();
    await dispatcher.handleButton(pressAs(buttonOf(edited.reply, 'undo')), undo);
    assert.deepEqual(undo.sent[0]!.reply.images?.map((i) => i.imageId), [drawing.imageId], undo.text());

    const afterUndo = await resultOf(await send(message('/edit make the star green steps:20')));
    assert.equal(afterUndo.edit.sourceImageId, drawing.imageId, 'after Undo, /edit goes on from the drawing it showed');
    assert.notEqual(afterUndo.edit.sourceImageId, edited.imageId);
    assert.equal(afterUndo.edit.parentId, drawing.edit.id);

    const next = await resultOf(await send(message('/edit make the star blue steps:20')));
    assert.equal(next.edit.sourceImageId, afterUndo.imageId, 'with no Undo in between, /edit takes the newest result');
    assert.equal(next.edit.parentId, afterUndo.edit.id);
  });
});
