import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { defineCommand } from '../../../src/chat/command.ts';
import type { DiscordBot } from '../../../src/platforms/discord/index.ts';
import { INTERACTION_TOKEN_LIFETIME_MS, INTERACTION_TOKEN_MARGIN_MS } from '../../../src/platforms/discord/reply-channels.ts';
import { capturingLogger } from '../../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from '../../support/database.ts';
import { startFakeDiscord, type FakeDiscord, type RecordedCall } from '../../support/discord/fake-discord.ts';
import type { MessagePayload, UserPayload } from '../../support/discord/payloads.ts';
import { startTestStudio, type TestStudio } from '../../support/studio.ts';
import { eventually, isCallback, isFollowUp, isOriginalEdit, ofInteraction, startBot } from './support.ts';
import { requireShippedModel } from '../../support/shipped-models.ts';

const LONG = { timeoutMs: 240_000 };
const labels = (message: MessagePayload | undefined) => (message?.components ?? []).flatMap((row: any) => row.components.map((c: any) => c.label as string));
const buttonId = (message: MessagePayload, label: string) =>
  (message.components as any[]).flatMap((row) => row.components).find((c: any) => c.label === label)?.custom_id as string;
/** Result images among a call's files (progress updates also carry a `preview.webp`). */
const results = (c: RecordedCall) => c.files.filter((f) => !f.filename.startsWith('preview.'));
/** Old enough that the bot no longer trusts the token, young enough that Discord would still take it. */
const nearlyExpired = () => Date.now() - (INTERACTION_TOKEN_LIFETIME_MS - INTERACTION_TOKEN_MARGIN_MS) - 5_000;

/** Lets a test pace a command: the command waits at a named step until the test releases it. */
class Pace {
  readonly #gates = new Map<string, { promise: Promise<void>; open: () => void }>();
  wait(step: string): Promise<void> {
    return this.#gate(step).promise;
  }
  release(step: string): void {
    this.#gate(step).open();
  }
  #gate(step: string) {
    let gate = this.#gates.get(step);
    if (!gate) {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
      this.#gates.set(step, gate);
    }
    return gate;
  }
}

const pace = new Pace();
// A long job in miniature, paced by the test instead of a model: "Queued", a text-only progress
// update, then the result (the image it was given, as stored), all as updates of one reply.
const slow = defineCommand({
  name: 'slow',
  description: 'Shows the attached image once the test lets it.',
  options: { label: { type: 'string', description: 'Names this run', required: true } },
  image: { description: 'The image to show', required: true },
  examples: [{ usage: '/slow label:a', description: 'Shows the image later' }],
  async run(context, args) {
    const sent = await context.reply(`Queued: ${args.label}`);
    await pace.wait(`${args.label}:progress`);
    await sent.update({ text: `Working on ${args.label}…` });
    await pace.wait(`${args.label}:result`);
    await sent.update({ text: `Done: ${args.label}`, images: [{ imageId: context.images[0]!.id, alt: args.label }] });
  },
});

// Discord takes an interaction's token for 15 minutes; a job queued behind others (or drawn on a
// slow machine) can finish later than that. Its result must still reach the person: in the channel,
// with the bot's token. The reply it was shown in stays the same message (edited with the bot's
// token), so everything recorded under its id stays right; one short message pings the person when
// the result is there.
describe('Discord: results that arrive after the interaction token expired', () => {
  let database: TestDatabase;
  let studio: TestStudio;
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let logs: () => Array<Record<string, unknown>>;

  before(async () => {
    database = await startTestDatabase();
    const captured = capturingLogger();
    logs = captured.lines;
    studio = await startTestStudio(database, captured.logger);
    discord = await startFakeDiscord();
    ({ bot } = await startBot(discord, { prisma: database.prisma, logger: captured.logger, jobs: studio.jobs, extraCommands: [slow] }));
  });
  after(async () => {
    await bot?.close({ graceMs: 5000 });
    await discord?.close();
    await studio?.stop();
    await database?.destroy();
  });

  const byBotToken = (c: RecordedCall) => c.authorization === `Bot ${discord.token}`;
  const isChannelPost = (c: RecordedCall) => c.method === 'POST' && c.path === `/channels/${discord.channelId}/messages` && byBotToken(c);
  const mentioning = (user: UserPayload) => (c: RecordedCall) => isChannelPost(c) && String(c.body?.content).startsWith(`<@${user.id}> `);
  const errorsAbout = (interactionId: string) => logs().filter((line) => (line.level as number) >= 50 && line.messageId === interactionId);
  const urlOf = (message: MessagePayload) => `https://discord.com/channels/${discord.guild.id}/${message.channel_id}/${message.id}`;
  /** An edit of that message with the bot's token, through the channel. */
  const botEditOf = (messageId: string) => (c: RecordedCall) => byBotToken(c) && c.method === 'PATCH' && c.path === `/channels/${discord.channelId}/messages/${messageId}`;
  /** The images the dispatcher recorded as shown by a message (what a reply to it, or a vote on it, finds). */
  const recordedFor = (messageId: string) =>
    eventually(async () => {
      const rows = await database.prisma.messageImage.findMany({ where: { platform: 'discord', messageId }, select: { imageId: true } });
      return rows.length > 0 ? rows.map((row) => row.imageId) : undefined;
    }, `images recorded for message ${messageId}`);
  /** The address a job keeps for delivering its result after a restart, for the job whose reply is that message. */
  const deliverToOf = async (messageId: string) => {
    const jobs = await database.prisma.job.findMany({ select: { payload: true } });
    return jobs.map((job) => (job.payload as { deliverTo?: Record<string, string> }).deliverTo).find((address) => address?.messageId === messageId);
  };
  const pingText = (user: UserPayload, message: MessagePayload) => `<@${user.id}> Your result is ready: ${urlOf(message)}`;
  const smallPng = (color: string) => sharp({ create: { width: 16, height: 16, channels: 3, background: color } }).png().toBuffer();

  /** A `/slow` command whose "Queued" follow-up has landed, then its token expires: the reply, by its message id. */
  async function queuedThenExpired(label: string, colour: string) {
    const attachment = await discord.upload(await smallPng(colour), `${label}.png`);
    const interaction = discord.slashCommand({ name: 'slow', options: [{ name: 'label', type: 3, value: label }], attachment });
    const mine = ofInteraction(interaction.token);
    // The first reply says the upload is stored; "Queued" is a follow-up.
    await discord.waitForCall((c) => mine(c) && isFollowUp(c) && c.body?.content === `Queued: ${label}` && c.status === 200);
    const reply = discord.channelMessages().find((m) => m.webhook_id === discord.applicationId && m.content === `Queued: ${label}`)!;
    discord.expireInteractionTokens({ token: interaction.token });
    return { interaction, reply };
  }

  /** After the token's first 401, nothing more is asked of it: one refusal, then the channel. */
  function assertTokenGivenUpOnce(token: string): RecordedCall {
    const calls = discord.calls.filter(ofInteraction(token));
    const refused = calls.filter((c) => c.status === 401);
    assert.equal(refused.length, 1, `one request refused with the expired token:\n${discord.describeCalls()}`);
    assert.ok(calls.every((c) => c.index <= refused[0]!.index), 'no request with the token after Discord refused it');
    return refused[0]!;
  }

  it('/imagine: the result is edited into the reply the interaction showed, then one message pings the person with a link to it', async (t) => {
    requireShippedModel();
    const from = discord.calls.length;
    const interaction = discord.slashCommand({
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a large flat red star in the center on grass' },
        { name: 'seed', type: 4, value: 3 },
        { name: 'steps', type: 4, value: 4 },
      ],
    });
    // As if the job then waited 15 minutes in the queue: the token ends once "Queued…" is shown.
    discord.expireInteractionTokens({ token: interaction.token, after: isOriginalEdit });
    const mine = ofInteraction(interaction.token);
    const queued = await discord.waitForCall((c) => mine(c) && isOriginalEdit(c) && c.status === 200);
    assert.match(queued.body.content, /Queued…|Position|Starting/);
    const reply = discord.channelMessages().find((m) => m.interaction_metadata?.id === interaction.id)!;

    const final = await discord.waitForCall((c) => botEditOf(reply.id)(c) && results(c).length === 1 && c.status === 200, LONG);
    t.diagnostic(`INTERACTION_CREATE → result edited into the reply: ${((final.at - interaction.dispatchedAt) / 1000).toFixed(1)} s`);
    assertTokenGivenUpOnce(interaction.token);
    const progress = discord.calls.filter((c) => botEditOf(reply.id)(c) && c.index < final.index && c.status === 200);
    t.diagnostic(`${progress.length} progress update(s) edited in place with the bot token before the result`);

    const shown = discord.message(reply.id)!;
    assert.ok(!shown.deleted);
    assert.match(shown.content, /seed 3/);
    assert.equal(shown.interaction_metadata?.id, interaction.id, 'still the interaction\'s own reply');
    assert.deepEqual(shown.mentions, [], 'the edit itself pings no one');
    assert.equal(shown.attachments.length, 1);
    const png = await sharp(discord.fileAt(shown.attachments[0]!.url)!).metadata();
    assert.deepEqual([png.format, png.width, png.height], ['png', 128, 128]);
    assert.ok(labels(shown).includes('Save to gallery') && labels(shown).includes('Stronger'), labels(shown).join(', '));

    // Replies to this message and votes on it find the result: it is recorded under the id the job keeps.
    const [imageId] = await recordedFor(reply.id);
    assert.ok(imageId);
    assert.deepEqual(await deliverToOf(reply.id), { platform: 'discord', channelId: discord.channelId, messageId: reply.id });

    const ping = await discord.waitForCall((c) => mentioning(discord.users.alice)(c) && c.status === 200, { from });
    assert.ok(ping.index > final.index, `Alice is pinged when the result is there, not at a progress update:\n${discord.describeCalls(from)}`);
    assert.equal(ping.body.content, pingText(discord.users.alice, reply));
    assert.deepEqual(ping.body.allowed_mentions, { parse: [], users: [discord.users.alice.id] });
    assert.equal(ping.files.length, 0);
    assert.equal(discord.calls.slice(from).filter(mentioning(discord.users.alice)).length, 1, 'one ping');
    assert.deepEqual(errorsAbout(interaction.id), []);
  });

  it('a button press: its follow-up is edited in place into the result, then the person who pressed is pinged once', async () => {
    requireShippedModel();
    // A result shown the usual way (its interaction's token still good), whose Stronger button Bob presses.
    const drawn = discord.slashCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a small blue circle in the top left on sky' }, { name: 'seed', type: 4, value: 4 }, { name: 'steps', type: 4, value: 4 }] });
    await discord.waitForCall((c) => ofInteraction(drawn.token)(c) && isOriginalEdit(c) && results(c).length === 1 && c.status === 200, LONG);
    const result = discord.channelMessages().find((m) => m.interaction_metadata?.id === drawn.id)!;
    const from = discord.calls.length;
    const press = discord.pressButton(result.id, buttonId(result, 'Stronger'), discord.users.bob);
    discord.expireInteractionTokens({ token: press.token, after: isFollowUp });
    const mine = ofInteraction(press.token);
    assert.deepEqual((await discord.waitForCall((c) => mine(c) && isCallback(c))).body, { type: 6 });
    const queued = await discord.waitForCall((c) => mine(c) && isFollowUp(c) && c.status === 200);
    assert.match(queued.body.content, /\*\*Stronger\*\*/);
    const followUp = discord.channelMessages().find((m) => m.webhook_id === discord.applicationId && m.id !== result.id && m.content === queued.body.content)!;
    assert.ok(followUp, 'the "Queued…" follow-up');

    const final = await discord.waitForCall((c) => botEditOf(followUp.id)(c) && results(c).length === 1 && c.status === 200, LONG);
    assertTokenGivenUpOnce(press.token);
    const shown = discord.message(followUp.id)!;
    assert.match(shown.content, /\*\*Stronger\*\*: guidance [\d.]+ → [\d.]+/);
    assert.deepEqual(shown.mentions, []);
    const png = await sharp(discord.fileAt(shown.attachments[0]!.url)!).metadata();
    assert.deepEqual([png.format, png.width], ['png', 128]);
    assert.ok(await recordedFor(followUp.id));
    assert.deepEqual(await deliverToOf(followUp.id), { platform: 'discord', channelId: discord.channelId, messageId: followUp.id });

    const ping = await discord.waitForCall((c) => mentioning(discord.users.bob)(c) && c.status === 200, { from });
    assert.ok(ping.index > final.index, `Bob is pinged when the result is there:\n${discord.describeCalls(from)}`);
    assert.equal(ping.body.content, pingText(discord.users.bob, followUp));
    assert.deepEqual(ping.body.allowed_mentions, { parse: [], users: [discord.users.bob.id] });
    assert.equal(discord.calls.slice(from).filter(mentioning(discord.users.bob)).length, 1, 'one ping');
    // The pressed message is as it was.
    assert.ok(labels(discord.message(result.id)).includes('Stronger'));
  });

  it('a text-only progress update after the token expired edits the reply in place and pings no one; the result pings once', async () => {
    const from = discord.calls.length;
    const { interaction, reply } = await queuedThenExpired('in-place', '#c00000');

    pace.release('in-place:progress');
    await discord.waitForCall((c) => botEditOf(reply.id)(c) && c.body?.content === 'Working on in-place…' && c.status === 200);
    assertTokenGivenUpOnce(interaction.token);
    assert.equal(discord.message(reply.id)!.content, 'Working on in-place…');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(discord.calls.slice(from).filter(mentioning(discord.users.alice)), [], 'a progress update pings no one');

    pace.release('in-place:result');
    const final = await discord.waitForCall((c) => botEditOf(reply.id)(c) && results(c).length === 1 && c.status === 200);
    const ping = await discord.waitForCall((c) => mentioning(discord.users.alice)(c) && c.status === 200, { from });
    assert.ok(ping.index > final.index);
    assert.equal(ping.body.content, pingText(discord.users.alice, reply));
    assert.deepEqual(ping.body.allowed_mentions, { parse: [], users: [discord.users.alice.id] });
    const pingMessage = discord.channelMessages().find((m) => m.content === ping.body.content)!;
    assert.deepEqual(pingMessage.mentions.map((u) => u.id), [discord.users.alice.id], 'Alice is pinged, no one else');

    const shown = discord.message(reply.id)!;
    assert.equal(shown.content, 'Done: in-place');
    assert.equal(shown.attachments.length, 1);
    assert.deepEqual((await sharp(discord.fileAt(shown.attachments[0]!.url)!).metadata()).width, 16);
    assert.equal((await recordedFor(reply.id)).length, 1, 'the result is recorded under the reply\'s own id');
    assert.equal(discord.calls.slice(from).filter(mentioning(discord.users.alice)).length, 1, 'one ping');
    assert.deepEqual(errorsAbout(interaction.id), []);
  });

  it('when Discord refuses the bot token\'s edit of the reply, it is posted anew once, mentioning the person, and later edits change that message', async () => {
    const from = discord.calls.length;
    const { interaction, reply } = await queuedThenExpired('refused', '#0000c0');
    discord.failNext('PATCH', new RegExp(`^/channels/${discord.channelId}/messages/${reply.id}$`), { status: 403, code: 50005, message: 'Cannot edit a message authored by another user' });

    pace.release('refused:progress');
    const refused = await discord.waitForCall((c) => botEditOf(reply.id)(c) && c.status === 403, { from });
    const posted = await discord.waitForCall((c) => mentioning(discord.users.alice)(c) && /Working on refused/.test(c.body.content) && c.status === 200, { from });
    assert.ok(posted.index > refused.index, `posted anew only once the edit in place was refused:\n${discord.describeCalls(from)}`);
    assert.deepEqual(posted.body.allowed_mentions, { parse: [], users: [discord.users.alice.id] });
    const moved = discord.channelMessages().find((m) => m.interaction_metadata === undefined && m.content === `<@${discord.users.alice.id}> Working on refused…`)!;
    assert.ok(moved, 'the reply as a channel message');

    pace.release('refused:result');
    await discord.waitForCall((c) => botEditOf(moved.id)(c) && results(c).length === 1 && c.status === 200);
    assert.equal(discord.message(moved.id)!.content, `<@${discord.users.alice.id}> Done: refused`);
    assert.equal(discord.message(moved.id)!.attachments.length, 1);
    assert.equal(discord.calls.filter(botEditOf(reply.id)).length, 1, 'the refused message is not asked again');
    assert.equal(discord.message(reply.id)!.content, 'Queued: refused');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(discord.calls.slice(from).filter(mentioning(discord.users.alice)).length, 1, 'the posted reply is the ping; no second one');
    assert.deepEqual(errorsAbout(interaction.id), []);
  });

  it('an interaction already near its 15 minutes: no request is made with its token; the placeholder goes, the answer comes in the channel', async () => {
    const interaction = discord.slashCommand({ name: 'help', createdAt: nearlyExpired() });
    const mine = ofInteraction(interaction.token);
    const answer = await discord.waitForCall((c) => mentioning(discord.users.alice)(c) && /\/imagine/.test(c.body.content) && c.status === 200);
    const placeholder = [...discord.messages.values()].find((m) => m.interaction_metadata?.id === interaction.id)!;
    await eventually(() => discord.message(placeholder.id)?.deleted, 'the "thinking" placeholder to be removed');
    assert.ok(discord.calls.some((c) => c.method === 'DELETE' && c.path === `/channels/${discord.channelId}/messages/${placeholder.id}` && byBotToken(c)));
    // Discord would still have taken it for a few seconds; the bot did not bet on that.
    assert.deepEqual(discord.calls.filter(mine).map((c) => `${c.method} ${isCallback(c) ? 'callback' : c.path}`), ['POST callback']);
    assert.deepEqual(answer.body.allowed_mentions, { parse: [], users: [discord.users.alice.id] });
    assert.deepEqual(errorsAbout(interaction.id), []);
  });

  it('/imagine near its 15 minutes: "Queued…" and the result are one channel message, the address the job keeps for its reply', async () => {
    requireShippedModel();
    const from = discord.calls.length;
    const interaction = discord.slashCommand({
      name: 'imagine',
      options: [{ name: 'prompt', type: 3, value: 'a large green square in the center on sand' }, { name: 'seed', type: 4, value: 6 }, { name: 'steps', type: 4, value: 4 }],
      createdAt: nearlyExpired(),
    });
    const queued = await discord.waitForCall((c) => mentioning(discord.users.alice)(c) && /green square/.test(c.body.content) && c.status === 200);
    const reply = discord.channelMessages().find((m) => m.author.id === discord.bot.id && m.interaction_metadata === undefined && /green square/.test(m.content))!;
    assert.ok(reply, `the "Queued…" message:\n${discord.describeCalls(queued.index)}`);
    await discord.waitForCall((c) => c.method === 'PATCH' && c.path === `/channels/${discord.channelId}/messages/${reply.id}` && results(c).length === 1 && c.status === 200, LONG);
    assert.match(discord.message(reply.id)!.content, /seed 6/);
    assert.equal(discord.calls.slice(from).filter(mentioning(discord.users.alice)).length, 1, 'the message that mentions Alice is the one the result is edited into; no second ping');
    assert.deepEqual(discord.calls.filter(ofInteraction(interaction.token)).map((c) => isCallback(c)), [true], 'only the deferral used the token');
    // A bot process started after this one died would deliver the result there (ReplyChannel.addressOf).
    assert.deepEqual(await deliverToOf(reply.id), { platform: 'discord', channelId: discord.channelId, messageId: reply.id });
    assert.ok(await recordedFor(reply.id));
  });

  it('an ephemeral reply after the token expired is dropped with a warning, not shown to the whole channel', async () => {
    const from = discord.calls.length;
    const interaction = discord.slashCommand({ name: 'settings', createdAt: nearlyExpired() });
    const warning = await eventually(
      () => logs().find((line) => line.level === 40 && line.interactionId === interaction.id && /ephemeral reply was dropped/.test(String(line.msg))),
      'the warning about the dropped ephemeral reply',
    );
    assert.match(String(warning.text), /Your defaults/, 'the log says which reply it was');
    const placeholder = [...discord.messages.values()].find((m) => m.interaction_metadata?.id === interaction.id)!;
    await eventually(() => discord.message(placeholder.id)?.deleted, 'the "thinking" placeholder to be removed');
    assert.deepEqual(discord.calls.slice(from).filter(isChannelPost), [], 'nothing posted in the channel');
    assert.deepEqual(errorsAbout(interaction.id), []);
  });

  it('when the channel is out of reach too, the reply is logged as undelivered and nothing is thrown at the command', async () => {
    discord.failNext('POST', new RegExp(`^/channels/${discord.channelId}/messages$`), { status: 403, code: 50013, message: 'Missing Permissions' });
    const interaction = discord.slashCommand({ name: 'help', createdAt: nearlyExpired() });
    const warning = await eventually(
      () => logs().find((line) => line.level === 40 && line.interactionId === interaction.id && /out of reach/.test(String(line.msg))),
      'the warning about the undelivered reply',
    );
    assert.equal(warning.channelId, discord.channelId);
    assert.match(JSON.stringify(warning.err), /Missing Permissions/);
    await eventually(() => logs().some((line) => line.messageId === interaction.id && line.msg === 'running command') || undefined, 'the command to have run');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(errorsAbout(interaction.id), [], 'the command finished without an error');
  });
});
