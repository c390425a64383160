import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Dispatcher } from '../../src/chat/dispatcher.ts';
import type { ButtonPress, Reply } from '../../src/chat/messages.ts';
import { voteFromReaction } from '../../src/chat/results/gallery.ts';
import { EditPlan } from '../../src/plan/index.ts';
import type { TestDatabase } from '../support/database.ts';
import { startChatStudio, type TestStudio } from '../support/studio.ts';
import { message, withImage } from './helpers.ts';
import { buttonOf, conversation, OTHER_USER, pressAs, type Conversation } from './results-helpers.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// The workspace gallery: Save to gallery keeps the image itself with its plan, /gallery lists the
// entries, 👍 (button or reaction) votes once per person with the score always the sum of the
// votes, and Remix makes an entry's edit on the presser's own latest image.
describe('the gallery on the shipped model', () => {
  requireShippedModel();
  let database: TestDatabase;
  let dispatcher: Dispatcher;
  let studio: TestStudio;
  let edited: { reply: Reply; imageId: string; editId: string };
  let entryId: string;
  let entryReply: { id: string; reply: Reply };

  const sam = (text: string) => message(text, { user: OTHER_USER });
  const send = async (incoming: ReturnType<typeof message>) => {
    const channel = conversation();
    await dispatcher.handleMessage(incoming, channel);
    return channel;
  };
  const press = async (buttonId: string, user?: ButtonPress['user'], replyId?: string) => {
    const channel = conversation();
    await dispatcher.handleButton(pressAs(buttonId, user, replyId), channel);
    return channel;
  };
  const finalImage = (channel: Conversation) => {
    const reply = channel.finals().at(-1)!.reply;
    const imageId = reply.images?.at(-1)?.imageId;
    assert.ok(imageId, reply.text);
    return { reply, imageId };
  };
  /** The entry's score and the sum of its Vote rows, which must agree. */
  const score = async () => {
    const entry = await database.prisma.galleryEntry.findUniqueOrThrow({ where: { id: entryId } });
    const votes = await database.prisma.vote.aggregate({ where: { entryId }, _sum: { value: true }, _count: true });
    assert.equal(entry.score, votes._sum.value ?? 0, 'score == sum(Vote.value)');
    return { score: entry.score, votes: votes._count };
  };

  before(async () => {
    ({ database, studio, dispatcher } = await startChatStudio());
    await send(message('/imagine a large flat red star in the center on grass seed:5 steps:25'));
    const result = finalImage(await send(message('/edit make the star blue steps:20')));
    const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: result.imageId } });
    edited = { ...result, editId: edit.id };
  });
  after(async () => {
    await studio?.stop();
    await database?.destroy();
  });

  it('saves a result with its image bytes, edit and plan, once; only its owner may', async () => {
    const stranger = await press(buttonOf(edited.reply, 'save'), OTHER_USER);
    assert.match(stranger.text(), /Only Tess can save this image/);
    assert.equal(await database.prisma.galleryEntry.count(), 0);

    const saved = await press(buttonOf(edited.reply, 'save'));
    assert.match(saved.text(), /Saved to the gallery of Test workspace/);
    assert.equal(saved.sent[0]!.reply.ephemeral, true);
    const entry = await database.prisma.galleryEntry.findFirstOrThrow({ include: { image: { include: { blob: true } }, author: true, workspace: true } });
    entryId = entry.id;
    assert.equal(entry.imageId, edited.imageId);
    assert.equal(entry.editId, edited.editId);
    assert.equal(entry.author.displayName, 'Tess');
    assert.equal(entry.workspace.externalId, 'test-workspace');
    assert.equal(EditPlan.parse(entry.plan).steps[0]!.params.target, 'blue');
    assert.equal(entry.title, 'a large blue star in the center on grass');
    const png = await sharp(Buffer.from(entry.image.blob.data)).metadata();
    assert.deepEqual([png.format, png.width, png.height], ['png', 128, 128]);

    const again = await press(buttonOf(edited.reply, 'save'));
    assert.match(again.text(), /already in the gallery/);
    assert.equal(await database.prisma.galleryEntry.count(), 1);
  });

  it('/gallery recent shows the entry: image, author, plan, 👍 and Remix', async () => {
    const channel = await send(message('/gallery recent'));
    assert.match(channel.sent[0]!.reply.text, /Newest.*1–1 of 1/);
    const shown = channel.sent.find((s) => s.reply.images?.[0]?.imageId === edited.imageId);
    assert.ok(shown, channel.text());
    entryReply = shown;
    assert.match(shown.reply.text, /a large blue star in the center on grass\*\* by Tess · 👍 0/);
    assert.match(shown.reply.text, /Prompt-to-Prompt/);
    assert.deepEqual(shown.reply.buttons?.map((b) => [b.id, b.label]), [
      [`gallery:vote:${entryId}`, '👍 0'],
      [`gallery:remix:${entryId}`, 'Remix'],
    ]);
    const mine = await send(sam('/gallery mine'));
    assert.match(mine.text(), /You have nothing in the gallery yet/);
    const wrong = await send(message('/gallery best'));
    assert.match(wrong.text(), /`view` must be one of `top`, `recent`, `mine`/);
  });

  it('votes once per person; pressing again takes the vote back; the score stays the sum of the votes', async () => {
    const vote = `gallery:vote:${entryId}`;
    const first = await press(vote, undefined, entryReply.id);
    assert.match(first.text(), /Your 👍 is counted; the entry has 1 now/);
    assert.equal(first.edits[0]!.id, entryReply.id);
    assert.equal(first.edits[0]!.reply.buttons?.[0]?.label, '👍 1');
    assert.deepEqual(await score(), { score: 1, votes: 1 });

    await press(vote, OTHER_USER);
    assert.deepEqual(await score(), { score: 2, votes: 2 });

    const again = await press(vote);
    assert.match(again.text(), /taken back; the entry has 1 now/);
    assert.deepEqual(await score(), { score: 1, votes: 1 });

    // Many presses at once by both people: each toggle is serialised on the entry's row.
    await Promise.all([press(vote), press(vote, OTHER_USER), press(vote), press(vote, OTHER_USER)]);
    assert.deepEqual(await score(), { score: 1, votes: 1 });
  });

  it('votes by a 👍 reaction on the message that shows the entry', async () => {
    const reaction = { platform: 'local' as const, workspace: { externalId: 'test-workspace', name: 'Test workspace' }, messageId: entryReply.id, user: { externalId: 'third-user', displayName: 'Tam' } };
    const added = await voteFromReaction(database.prisma, { ...reaction, action: 'add' });
    assert.deepEqual(added, { kind: 'voted', entryId, voted: true, changed: true, score: 2 });
    const twice = await voteFromReaction(database.prisma, { ...reaction, action: 'add' });
    assert.equal(twice.kind === 'voted' && twice.changed, false);
    assert.deepEqual(await score(), { score: 2, votes: 2 });
    const removed = await voteFromReaction(database.prisma, { ...reaction, action: 'remove' });
    assert.equal(removed.kind === 'voted' && removed.score, 1);
    assert.deepEqual(await voteFromReaction(database.prisma, { ...reaction, messageId: 'a-message-without-images', action: 'add' }), { kind: 'no-entry' });
    assert.deepEqual(await score(), { score: 1, votes: 1 });
  });

  it('Remix refuses an image without the words the edit changes, and an upload, writing nothing', async () => {
    await send(sam('/imagine a small green circle in the top left on sky seed:3 steps:25'));
    const before = await database.prisma.job.count();
    const refused = await press(`gallery:remix:${entryId}`, OTHER_USER);
    assert.match(refused.text(), /can't remix that onto your latest image: that edit changes “red”, and your image \(“a small green circle in the top left on sky”\) has no “red”/);
    assert.equal(refused.sent[0]!.reply.ephemeral, true);

    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#445566' } }).png().toBuffer();
    await send({ ...withImage(png, 'mine.png'), user: { externalId: 'fourth-user', displayName: 'Fay' } });
    const upload = await press(`gallery:remix:${entryId}`, { externalId: 'fourth-user', displayName: 'Fay' });
    assert.match(upload.text(), /your latest image is an upload/);
    assert.equal(await database.prisma.job.count(), before);
  });

  it('Remix makes the entry\'s edit on the presser\'s own latest image', async () => {
    const drawn = finalImage(await send(sam('/imagine a small red circle in the top left on sky seed:4 steps:25')));
    const channel = await press(`gallery:remix:${entryId}`, OTHER_USER);
    const result = finalImage(channel);
    assert.match(result.reply.text, /Remix/);
    const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: result.imageId }, include: { sourceImage: { include: { owner: true } }, user: true } });
    assert.equal(edit.sourceImageId, drawn.imageId);
    assert.equal(edit.sourceImage?.owner.displayName, 'Sam');
    assert.equal(edit.user.displayName, 'Sam');
    const parent = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: drawn.imageId } });
    assert.equal(edit.parentId, parent.id);
    const plan = EditPlan.parse(edit.plan);
    assert.equal(plan.steps[0]!.params.prompt, 'a small blue circle in the top left on sky');
    assert.equal(plan.source.caption, 'a small red circle in the top left on sky');
  });

  it('Remix straight after /gallery changes the presser\'s own latest picture, not the entry the gallery just showed', async () => {
    // Tess's entry is her blue star. She draws a red circle, browses the gallery (which shows her
    // entry, an image of hers), then presses Remix: the circle is what it changes.
    const drawn = finalImage(await send(message('/imagine a small red circle in the top left on sky seed:6 steps:4')));
    const listing = await send(message('/gallery recent'));
    assert.ok(listing.sent.some((s) => s.reply.images?.[0]?.imageId === edited.imageId), 'the gallery showed her entry');
    const result = finalImage(await press(`gallery:remix:${entryId}`));
    const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: result.imageId } });
    assert.equal(edit.sourceImageId, drawn.imageId);
    assert.equal(EditPlan.parse(edit.plan).steps[0]!.params.prompt, 'a small blue circle in the top left on sky');
  });

  it('a vote for a deleted entry, or a malformed gallery button, gets a clear reply and writes nothing', async () => {
    // Deleting the image takes its gallery entry and votes with it.
    const deleted = await press(buttonOf(edited.reply, 'del'), undefined, 'result-reply');
    assert.match(deleted.edits[0]!.reply.text, /deleted/);
    assert.equal(await database.prisma.galleryEntry.count(), 0);
    assert.equal(await database.prisma.vote.count(), 0);
    const counts = async () => [await database.prisma.vote.count(), await database.prisma.job.count(), await database.prisma.galleryEntry.count()];
    const before = await counts();
    for (const [id, expected] of [
      [`gallery:vote:${entryId}`, /no longer exists/],
      [`gallery:remix:${entryId}`, /no longer exists/],
      ['gallery:vote:not-an-id', /no longer exists/],
      ['gallery:vote', /not one I know/],
      ['gallery:more:best:3', /not one I know/],
    ] as const) {
      const channel = await press(id);
      assert.match(channel.text(), expected, id);
    }
    assert.deepEqual(await counts(), before);
    const empty = await send(message('/gallery'));
    assert.match(empty.text(), /The gallery is empty so far/);
  });
});
