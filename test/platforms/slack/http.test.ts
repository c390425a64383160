import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { memoryRateLimit, rateKey } from '../../../src/chat/rate-limit.ts';
import { EDIT_MODAL_ID, EDIT_SHORTCUT_ID } from '../../../src/platforms/slack/manifest.ts';
import type { HttpDelivery } from '../../support/slack/delivery.ts';
import type { StandInMessage } from '../../support/slack/web-api.ts';
import { ADMIN, ALICE, BOB, botMessages, buttons, CHANNEL, eventually, imageFiles, shownText, startSlackHarness, type SlackHarness } from './harness.ts';
import { requireShippedModel } from '../../support/shipped-models.ts';

const SLACK_ACK_LIMIT_MS = 3000;
const LONG = 180_000;

// The Slack adapter end to end over HTTP: signed requests from the stand-in reach Bolt's receiver,
// the bot draws and edits on the shipped model through the real queue and worker, and what it posts,
// updates and uploads lands in the stand-in's conversation as Slack would keep it. Uploaded files
// stay "processing" for a moment, as Slack's do, so image blocks are first refused.
describe('Slack over HTTP, on the shipped model', () => {
  requireShippedModel();
  let h: SlackHarness;
  /** Far above what these tests send; one test uses up a person's minute on purpose. */
  const rateLimit = memoryRateLimit(1000);
  let http: HttpDelivery;
  /** The drawing from the first test, which later tests edit, press buttons on, and delete. */
  let drawing: StandInMessage;
  /** Its edit, in its thread. */
  let edited: StandInMessage;
  /** The drawing again with more guidance (from the Stronger button); saved to the gallery later. */
  let strongerDrawing: StandInMessage;
  /** The /gallery message that shows `stronger`'s entry. */
  let entryMessage: StandInMessage;

  before(async () => {
    h = await startSlackHarness({ mode: 'http', fileProcessingMs: 400, rateLimit });
    http = h.delivery as HttpDelivery;
  });
  after(async () => {
    await h?.stop();
  });

  /** Everything the bot said to the channel (posts, updates, ephemeral) as sent, newest last. */
  const said = (user?: string) =>
    h.api.calls
      .filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(c.method) && c.ok)
      .filter((c) => user === undefined || c.method !== 'chat.postEphemeral' || c.args.user === user)
      .map((c) => String(c.args.text));

  const finishedIn = (threadTs?: string) => (m: StandInMessage) => m !== undefined && botMessages(h.api, { threadTs }).includes(m) && imageFiles(m).length > 0 && !buttons(m).some((b) => b.includes(':cancel:'));

  it('a signed /imagine is acknowledged at once, then posted, updated with progress, and finished with the uploaded image', async (t) => {
    const acked = await h.workspace.slashCommand(ALICE, CHANNEL, '/imagine', 'a red star on grass steps:25 seed:3');
    t.diagnostic(`slash command acknowledged in ${acked.ms.toFixed(0)} ms`);
    assert.equal(acked.status, 200);
    assert.ok(acked.ms < SLACK_ACK_LIMIT_MS / 3, `ack took ${acked.ms} ms`);

    const posted = await h.api.waitFor(() => botMessages(h.api)[0], 30_000, 'the first post');
    drawing = await h.api.waitFor(() => finishedIn()(posted) && posted, LONG, 'the finished drawing');
    const [first, ...updates] = h.api.calls.filter((c) => c.ok && c.args.channel === CHANNEL && (c.method === 'chat.postMessage' || c.method === 'chat.update'));
    assert.equal(first?.method, 'chat.postMessage');
    assert.match(String(first?.args.text), /Drawing \*a red star on grass\*/, 'markdown bold became mrkdwn bold');
    assert.ok(updates.length >= 2, 'progress updates, then the result');
    assert.ok(updates.slice(0, -1).some((u) => /Queued|Starting|Position|%/.test(String(u.args.text))), 'a progress update before the result');
    assert.ok(updates.every((u) => u.args.ts === posted.ts), 'every update edits the same message');

    // The result's image: uploaded through the external upload flow, referenced by an image block.
    assert.ok(h.api.callsTo('files.getUploadURLExternal').length >= 1);
    assert.ok(h.api.callsTo('upload').some((c) => c.ok));
    assert.ok(h.api.callsTo('files.completeUploadExternal').some((c) => c.ok));
    assert.ok(h.api.calls.some((c) => c.method === 'chat.update' && c.error === 'invalid_blocks'), 'the still-processing file was refused at first');
    const [fileId] = imageFiles(drawing);
    const bytes = h.api.fileData(fileId!);
    assert.ok(bytes, 'the block names an uploaded file');
    const metadata = await sharp(bytes).metadata();
    assert.deepEqual([metadata.format, metadata.width, metadata.height], ['png', 128, 128]);
    assert.match(shownText(drawing), /seed 3/);
    for (const action of ['save', 'del', 'vary']) assert.ok(buttons(drawing).some((b) => b.startsWith(`imagine:${action}:`)), `a ${action} button`);
  });

  it('refuses a forged signature and a stale timestamp (401); nothing reaches the dispatcher', async () => {
    const mallory = h.api.addUser({ id: 'U0MALLORY1', name: 'mallory' });
    const posts = h.api.callsTo('chat.postMessage').length;
    const payload = {
      team_id: h.api.team.id, team_domain: h.api.team.domain, channel_id: CHANNEL, channel_name: 'art-room', user_id: mallory.id, user_name: mallory.name,
      command: '/imagine', text: 'a forged star steps:4', api_app_id: h.api.appId, response_url: h.api.responseUrl(), trigger_id: h.api.issueTrigger(mallory.id),
    };
    const forged = await http.deliver('slash_commands', payload, { secret: 'not-the-signing-secret' });
    const stale = await http.deliver('slash_commands', payload, { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 });
    assert.equal(forged.status, 401);
    assert.equal(stale.status, 401);
    // While the same secret still lets Slack's own checks through (the request URL's challenge).
    const challenge = await http.deliver('events_api', { type: 'url_verification', token: 'legacy', challenge: 'c4ll3ng3' });
    assert.equal(challenge.status, 200);
    assert.match(challenge.body, /c4ll3ng3/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(h.api.callsTo('chat.postMessage').length, posts);
    assert.equal(await h.database.prisma.user.count({ where: { externalId: mallory.id } }), 0);
  });

  it('an @-mention in the result\'s thread edits that image, and answers in the thread', async () => {
    const { acked } = await h.workspace.mention(ALICE, CHANNEL, `<@${h.api.botUserId}> make the star blue steps:20`, { threadTs: drawing.ts });
    assert.equal(acked.status, 200);
    const result = await h.api.waitFor(() => botMessages(h.api, { threadTs: drawing.ts }).find(finishedIn(drawing.ts)), LONG, 'the edit in the thread');
    assert.ok(h.api.callsTo('conversations.replies').some((c) => c.args.ts === drawing.ts), 'the thread\'s parent was looked up');
    const [before, afterEdit] = imageFiles(result);
    assert.equal(before, imageFiles(drawing)[0], 'before is the drawing (uploaded once)');
    assert.ok(afterEdit && afterEdit !== before);
    assert.ok(buttons(result).some((b) => b.startsWith('edit:undo:')), 'an edit result can be undone');
    edited = result;
  });

  it('answers clearly when the thread\'s parent has no image, or is gone', async () => {
    const plain = h.api.postAsUser(CHANNEL, BOB, 'Lunch at noon?');
    await h.workspace.mention(BOB, CHANNEL, `<@${h.api.botUserId}> make it blue`, { threadTs: plain.ts });
    const noImage = await h.api.waitFor(() => botMessages(h.api, { threadTs: plain.ts })[0], 30_000, 'the no-image answer');
    assert.match(noImage.text, /has no image I can edit/);

    const doomed = h.api.postAsUser(CHANNEL, BOB, 'a picture, soon deleted');
    h.api.postAsUser(CHANNEL, ALICE, 'nice', { threadTs: doomed.ts });
    h.api.deleteMessage(CHANNEL, doomed.ts);
    await h.workspace.mention(BOB, CHANNEL, `<@${h.api.botUserId}> make it blue`, { threadTs: doomed.ts });
    const gone = await h.api.waitFor(() => botMessages(h.api, { threadTs: doomed.ts })[0], 30_000, 'the deleted-parent answer');
    assert.match(gone.text, /has been deleted/);
  });

  it('"Edit with Retouch" on someone\'s uploaded image opens a modal whose submission edits that image', async () => {
    const png = h.api.fileData(imageFiles(drawing)[0]!)!;
    const file = h.api.uploadAsUser(BOB, png, 'star.png', 'image/png');
    const shared = h.api.postAsUser(CHANNEL, BOB, 'my star', { files: [file] });

    const acked = await h.workspace.shortcut(BOB, CHANNEL, shared.ts, EDIT_SHORTCUT_ID);
    assert.equal(acked.status, 200);
    const opened = await h.api.waitFor(() => h.api.callsTo('views.open').find((c) => c.ok), 10_000, 'views.open');
    const view = opened.args.view as { callback_id: string };
    assert.equal(view.callback_id, EDIT_MODAL_ID);
    const [viewId] = [...h.api.views.keys()];

    const empty = await h.workspace.submitView(BOB, viewId!, { instruction: { instruction: '  ' } });
    assert.match(empty.body, /"response_action":"errors"/, 'an empty instruction keeps the modal open with an error');

    const submitted = await h.workspace.submitView(BOB, viewId!, { instruction: { instruction: 'make the star blue caption:a red star on grass steps:20' } });
    assert.equal(submitted.status, 200);
    assert.equal(submitted.body, '');
    const result = await h.api.waitFor(() => botMessages(h.api, { threadTs: shared.ts }).find(finishedIn(shared.ts)), LONG, 'the edit of the shared image');
    assert.equal(imageFiles(result).length, 2);
    const downloads = h.api.callsTo('file-download');
    assert.ok(downloads.length >= 1 && downloads.every((d) => d.args.authorized === true), 'url_private fetched with the bot token');
  });

  it('result buttons: Stronger draws again with more guidance, Undo goes back to the drawing in the thread', async () => {
    const stronger = buttons(drawing).find((b) => b.startsWith('imagine:more:'))!;
    const before = botMessages(h.api).length;
    await h.workspace.clickButton(ALICE, CHANNEL, drawing.ts, stronger);
    const again = await h.api.waitFor(() => botMessages(h.api).slice(before).find(finishedIn()), LONG, 'the stronger drawing');
    assert.match(shownText(again), /\*Stronger\*: guidance [\d.]+ → [\d.]+/);
    assert.notEqual(imageFiles(again)[0], imageFiles(drawing)[0]);
    strongerDrawing = again;

    const undo = buttons(edited).find((b) => b.startsWith('edit:undo:'))!;
    await h.workspace.clickButton(ALICE, CHANNEL, edited.ts, undo);
    const back = await h.api.waitFor(() => botMessages(h.api, { threadTs: drawing.ts }).find((m) => /Undo\*?: back to the image/.test(m.text)), 30_000, 'the undo');
    assert.deepEqual(imageFiles(back), imageFiles(drawing), 'the drawing again, its upload reused');
  });

  it('result buttons: a member can\'t delete someone else\'s result, its owner saves it, an admin deletes it', async () => {
    const del = buttons(drawing).find((b) => b.startsWith('imagine:del:'))!;
    const save = buttons(drawing).find((b) => b.startsWith('imagine:save:'))!;
    const imageCount = await h.database.prisma.image.count();

    const refused = await h.workspace.clickButton(BOB, CHANNEL, drawing.ts, del);
    assert.equal(refused.status, 200);
    await h.api.waitFor(() => h.api.callsTo('chat.postEphemeral').find((c) => c.args.user === BOB && /can delete it/.test(String(c.args.text))), 30_000, 'the refusal');
    assert.equal(await h.database.prisma.image.count(), imageCount, 'nothing was deleted');

    await h.workspace.clickButton(ALICE, CHANNEL, drawing.ts, save);
    await h.api.waitFor(() => h.api.callsTo('chat.postEphemeral').find((c) => c.args.user === ALICE && /Saved to the gallery/.test(String(c.args.text))), 30_000, 'saved');

    await h.workspace.clickButton(ADMIN, CHANNEL, drawing.ts, del);
    const deleted = await h.api.waitFor(() => /deleted by a moderator/.test(h.api.message(CHANNEL, drawing.ts)!.text) && h.api.message(CHANNEL, drawing.ts), 30_000, 'the deleted result');
    assert.deepEqual(imageFiles(deleted), [], 'the image is gone from the message');
    assert.deepEqual(buttons(deleted), []);
  });

  describe('👍 reactions as gallery votes', () => {
    const db = () => h.database.prisma;
    const scoreOf = async (entryId: string) => (await db().galleryEntry.findUniqueOrThrow({ where: { id: entryId }, select: { score: true } })).score;
    const voteOf = (entryId: string, user: string) => db().vote.findFirst({ where: { entryId, user: { platform: 'slack', externalId: user } } });
    const updatesOf = (message: StandInMessage) => h.api.callsTo('chat.update').filter((c) => c.ok && c.args.ts === message.ts);
    const entryIdOf = (message: StandInMessage) => buttons(message).find((b) => b.startsWith('gallery:vote:'))!.split(':')[2]!;
    /** Waits for the bot's log line about a reaction on `ts` (handled or ignored). */
    const reactionLogged = (ts: string, msg: 'reaction vote' | 'reaction ignored', count = 1) =>
      h.api.waitFor(() => h.logs().filter((line) => line.msg === msg && line.messageId === `${CHANNEL}:${ts}`).length >= count, 30_000, `${msg} on ${ts}`);

    it('a saved result gets its own message in /gallery recent', async () => {
      const { imageId } = await eventually(() => db().messageImage.findFirst({ where: { platform: 'slack', messageId: `${CHANNEL}:${strongerDrawing.ts}` } }), 'the stronger drawing recorded');
      await h.workspace.clickButton(ALICE, CHANNEL, strongerDrawing.ts, buttons(strongerDrawing).find((b) => b.startsWith('imagine:save:'))!);
      const entry = await eventually(() => db().galleryEntry.findFirst({ where: { imageId } }), 'the gallery entry');

      const before = botMessages(h.api).length;
      await h.workspace.slashCommand(BOB, CHANNEL, '/gallery', 'recent');
      entryMessage = await h.api.waitFor(() => botMessages(h.api).slice(before).find((m) => buttons(m).includes(`gallery:vote:${entry.id}`)), 30_000, 'the entry message');
      assert.deepEqual(imageFiles(entryMessage), imageFiles(strongerDrawing), 'the entry shows the saved image (its upload reused)');
      assert.match(shownText(entryMessage), /by alice · 👍 0/);
      await eventually(() => db().messageImage.findFirst({ where: { platform: 'slack', messageId: `${CHANNEL}:${entryMessage.ts}` } }), 'the entry message recorded');
    });

    it("a second person's 👍 votes for the entry and the message shows the score; removing it takes the vote back", async () => {
      const entryId = entryIdOf(entryMessage);
      assert.ok(await h.workspace.react(BOB, CHANNEL, entryMessage.ts, '+1'));
      await h.api.waitFor(() => updatesOf(entryMessage).find((c) => /👍 1/.test(String(c.args.text))), 30_000, 'the score on the entry message');
      assert.equal(await scoreOf(entryId), 1);
      assert.ok(await voteOf(entryId, BOB), 'the Vote row');
      const now = h.api.message(CHANNEL, entryMessage.ts)!;
      assert.deepEqual(imageFiles(now), imageFiles(entryMessage), 'the image stays');
      assert.deepEqual(buttons(now), [`gallery:vote:${entryId}`, `gallery:remix:${entryId}`]);

      assert.ok(await h.workspace.unreact(BOB, CHANNEL, entryMessage.ts, '+1'));
      await h.api.waitFor(() => updatesOf(entryMessage).find((c) => /👍 0/.test(String(c.args.text))), 30_000, 'the score back at 0');
      assert.equal(await scoreOf(entryId), 0);
      assert.equal(await voteOf(entryId, BOB), null);
    });

    it("ignores other emoji, bots' 👍, and a 👍 on a message that shows no gallery entry; a 👍 on the result itself counts but leaves it as it is", async () => {
      const entryId = entryIdOf(entryMessage);
      const plain = h.api.postAsUser(CHANNEL, BOB, 'what a gallery');
      h.api.addUser({ id: 'U0OTHERBOT', name: 'otherbot', isBot: true });
      const updates = h.api.callsTo('chat.update').length;
      await h.workspace.react(ALICE, CHANNEL, plain.ts, 'thumbsup');
      await h.workspace.react(ALICE, CHANNEL, entryMessage.ts, 'heart');
      await h.workspace.react('U0OTHERBOT', CHANNEL, entryMessage.ts, '+1');
      await reactionLogged(plain.ts, 'reaction vote');
      await reactionLogged(entryMessage.ts, 'reaction ignored', 2);
      assert.deepEqual(h.logs().find((line) => line.msg === 'reaction vote' && line.messageId === `${CHANNEL}:${plain.ts}`)?.outcome, { kind: 'no-entry' });
      assert.equal(await db().vote.count({ where: { entryId } }), 0);

      await h.workspace.react(ADMIN, CHANNEL, strongerDrawing.ts, '+1::skin-tone-3');
      await reactionLogged(strongerDrawing.ts, 'reaction vote');
      assert.equal(h.logs().find((line) => line.msg === 'reaction vote' && line.messageId === `${CHANNEL}:${strongerDrawing.ts}`)?.scoreShown, false);
      assert.equal(await scoreOf(entryId), 1, 'the result shows the entry\'s image: the vote counts');
      assert.equal(h.api.callsTo('chat.update').length, updates, 'no message was updated');
    });

    it('counts the vote of a person over the rate limit, but does not update the message for it', async () => {
      const entryId = entryIdOf(entryMessage);
      const carol = 'U0CAROL001';
      h.api.addUser({ id: carol, name: 'carol' });
      while ((await rateLimit.take(rateKey({ platform: 'slack', user: { externalId: carol } }))).allowed);
      const updates = updatesOf(entryMessage).length;
      await h.workspace.react(carol, CHANNEL, entryMessage.ts, '+1');
      await reactionLogged(entryMessage.ts, 'reaction vote', 3);
      const vote = h.logs().filter((line) => line.msg === 'reaction vote' && line.messageId === `${CHANNEL}:${entryMessage.ts}`).at(-1)!;
      assert.deepEqual([vote.scoreShown, vote.rateLimited], [false, true]);
      assert.equal(await scoreOf(entryId), 2, 'the vote counts (with the admin\'s on the result)');
      assert.ok(await voteOf(entryId, carol));
      assert.equal(updatesOf(entryMessage).length, updates, 'the message was not updated');
      await h.workspace.unreact(carol, CHANNEL, entryMessage.ts, '+1');
      await reactionLogged(entryMessage.ts, 'reaction vote', 4);
      assert.equal(await scoreOf(entryId), 1);
    });
  });

  it('Cancel stops a running job, only for its owner', async () => {
    await h.workspace.slashCommand(ALICE, CHANNEL, '/imagine', 'a small blue circle in the top left on sky steps:500 seed:2');
    const running = await h.api.waitFor(
      () => botMessages(h.api).find((m) => /%/.test(m.text) && buttons(m).some((b) => b.startsWith('imagine:cancel:'))),
      LONG,
      'a running job with a Cancel button',
    );
    const cancel = buttons(running).find((b) => b.startsWith('imagine:cancel:'))!;
    await h.workspace.clickButton(BOB, CHANNEL, running.ts, cancel);
    await h.api.waitFor(() => said(BOB).find((text) => text === 'Only the person who asked for that job can cancel it.'), 30_000, 'the refusal to Bob');
    const acked = await h.workspace.clickButton(ALICE, CHANNEL, running.ts, cancel);
    assert.ok(acked.ms < SLACK_ACK_LIMIT_MS / 3, `button ack took ${acked.ms} ms`);
    await h.api.waitFor(() => /Cancelled\./.test(h.api.message(CHANNEL, running.ts)!.text), LONG, 'the cancelled reply');
    assert.deepEqual(buttons(h.api.message(CHANNEL, running.ts)), [], 'no Cancel button once it stopped');
  });

  it('in a conversation the bot is not in, says so privately through the response URL', async () => {
    h.api.addConversation('C0PRIVATE1', 'secret-plans', { botIsMember: false });
    await h.workspace.slashCommand(ALICE, 'C0PRIVATE1', '/help', '');
    const answer = await h.api.waitFor(() => h.api.responses[0], 30_000, 'the response URL answer');
    assert.equal(answer.body.response_type, 'ephemeral');
    assert.match(String(answer.body.text), /add me to it/);
  });
});
