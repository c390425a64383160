import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SocketModeDelivery } from '../../support/slack/delivery.ts';
import { ALICE, botMessages, CHANNEL, shownText, startSlackHarness, type SlackHarness } from './harness.ts';

// Socket Mode: the bot asks apps.connections.open (with the app-level token) where to connect, opens
// the WebSocket, and acknowledges each envelope by its id; the rest is the same adapter as over HTTP.
describe('Slack over Socket Mode', () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ mode: 'socket', studio: false });
  });
  after(async () => {
    await h?.stop();
  });

  it('connects with the app token and answers a slash command, acknowledging its envelope at once', async (t) => {
    const open = h.api.callsTo('apps.connections.open');
    assert.equal(open.length, 1);
    assert.ok(open[0]!.ok, 'the app-level token was accepted');

    const acked = await h.workspace.slashCommand(ALICE, CHANNEL, '/help', 'imagine');
    t.diagnostic(`envelope acknowledged in ${acked.ms.toFixed(0)} ms`);
    assert.ok(acked.ms < 1000, `ack took ${acked.ms} ms`);
    assert.equal((h.delivery as SocketModeDelivery).acks.length, 1);
    const answer = await h.api.waitFor(() => botMessages(h.api)[0], 30_000, 'the /help answer');
    assert.match(shownText(answer), /\*\/imagine\*: Draws a new image/);
  });

  it('a mention with a file that is not an image gets a private note, not a download', async () => {
    const file = h.api.uploadAsUser(ALICE, Buffer.from('%PDF-1.7 not an image'), 'report.pdf', 'application/pdf');
    await h.workspace.mention(ALICE, CHANNEL, `<@${h.api.botUserId}>`, { files: [file] });
    const note = await h.api.waitFor(() => h.api.callsTo('chat.postEphemeral').find((c) => /report\.pdf/.test(String(c.args.text))), 30_000, 'the note');
    assert.equal(note.args.user, ALICE);
    assert.match(String(note.args.text), /only use PNG, JPEG, WebP and GIF/);
    assert.equal(h.api.callsTo('file-download').length, 0);
  });
});
