// Messages that help: each refusal names the option, the value given and what is allowed; /help
// lists what options accept (the methods of /edit) and only examples the models can draw; prompts
// and instructions without words get an answer saying what to write; an animated upload says only
// its first frame is kept. Each expected text is the exact reply.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createDefaultRegistry } from '../../commands/index.ts';
import { EDIT_METHODS } from '../../commands/edit.ts';
import { createDispatcher, type Dispatcher } from '../../src/chat/dispatcher.ts';
import { JobQueue } from '../../src/jobs/index.ts';
import type { IncomingMessage } from '../../src/chat/messages.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { buttonPress, capturingLogger, message, recordingChannel, withImage } from './helpers.ts';

const NO_WORDS_INSTRUCTION =
  'There are no words in that for me to read: emoji, code and formatting are left out. Say in words what to change, e.g. `make the star blue` or `move the circle to the top left`.';
const NO_WORDS_PROMPT =
  'There are no words in that prompt for me to draw from: emoji, code and formatting are left out. Say in words what to draw, e.g. `/imagine a large red star on grass`.';
const methods = EDIT_METHODS.map((m) => `\`${m}\``).join(', ');

describe('messages that help', () => {
  let database: TestDatabase;
  let dispatcher: Dispatcher;
  let withStableDiffusion: Dispatcher;

  before(async () => {
    database = await startTestDatabase();
    const { logger } = capturingLogger();
    dispatcher = createDispatcher({ prisma: database.prisma, logger, commands: createDefaultRegistry() });
    withStableDiffusion = createDispatcher({
      prisma: database.prisma, logger, commands: createDefaultRegistry(), models: { names: ['sd15', 'world-sd'], defaultName: 'sd15' },
    });
  });
  after(async () => {
    await database?.destroy();
  });

  async function say(incoming: IncomingMessage, through = dispatcher) {
    const channel = recordingChannel();
    await through.handleMessage(incoming, channel);
    return channel;
  }
  const reply = async (text: string, through = dispatcher) => (await say(message(text), through)).text();

  it('an option out of range names the option, the value and the range', async () => {
    assert.equal(await reply('/imagine a red star steps:100000'), '`/imagine`: `steps` must be a whole number from 1 to 500, not "100000". Type `/help imagine` for how to use it.');
    assert.equal(await reply('/imagine a red star guidance:-5'), '`/imagine`: `guidance` must be a number from 0 to 30, not "-5". Type `/help imagine` for how to use it.');
    assert.equal(await reply('/edit make it blue strength:2'), '`/edit`: `strength` must be a number from 0 to 1, not "2". Type `/help edit` for how to use it.');
    assert.equal(await reply('/imagine a red star seed:lots'), '`/imagine`: `seed` must be a whole number from 0 to 4294967295, not "lots". Type `/help imagine` for how to use it.');
    assert.equal(await reply('/gallery best'), '`/gallery`: `view` must be one of `top`, `recent`, `mine`, not "best". Type `/help gallery` for how to use it.');
    // Discord's and Slack's options arrive split; the same check answers them.
    const split = await say(message('', { command: { name: 'imagine', options: { prompt: 'a red star', steps: 100000 } } }));
    assert.equal(split.text(), '`/imagine`: `steps` must be a whole number from 1 to 500, not "100000". Type `/help imagine` for how to use it.');
  });

  it('an unknown method is refused with the methods there are, and /help edit lists them', async () => {
    assert.equal(await reply('/edit make it blue method:notamethod'), `\`/edit\`: \`method\` must be one of ${methods}, not "notamethod". Type \`/help edit\` for how to use it.`);
    assert.ok(EDIT_METHODS.includes('p2p.replace') && EDIT_METHODS.includes('sdedit') && !EDIT_METHODS.includes('invert.ddim' as never));
    const help = await reply('/help edit');
    assert.ok(help.includes(`- \`method\` (${`one of ${methods}`}, optional): Pick the editing method yourself`), help);
    assert.ok(help.includes('- `steps` (a whole number from 1 to 500, optional)'), help);
    assert.ok(help.includes('- `strength` (a number from 0 to 1, optional)'), help);
  });

  it('an instruction or prompt of only emoji or markup gets told what to write', async () => {
    for (const text of ['/edit 🙂🙂🙂', '/edit <b></b> `x = 1`', '/edit instruction:✨']) {
      const answer = await say(message(text));
      assert.equal(answer.text(), NO_WORDS_INSTRUCTION, text);
      assert.equal(answer.sent[0]!.reply.ephemeral, true);
    }
    assert.equal(await reply('/imagine 🎨🖌️'), NO_WORDS_PROMPT);
    assert.equal(await reply('/imagine <i></i>'), NO_WORDS_PROMPT);

    // A reply of only emoji to an image: the same answer, nothing queued.
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#3366ff' } }).png().toBuffer();
    const upload = withImage(png, 'blue.png');
    await say(upload);
    const jobs = await database.prisma.job.count();
    const answer = await say(message('👍🔥', { replyTo: { messageId: upload.id, attachments: [] } }));
    assert.equal(answer.text(), NO_WORDS_INSTRUCTION);
    assert.equal(await database.prisma.job.count(), jobs);
  });

  it('/help gives examples the shipped model can draw, and Stable Diffusion ones only when it is configured', async () => {
    const help = await reply('/help');
    assert.ok(
      help.includes('**What I can draw**: The shipped model (`world-sd`) draws only its own small world: circles, squares, triangles, stars, hearts, rings, crosses, diamonds; in red, orange, yellow, green, cyan, blue, purple, pink, brown, white; small, medium, large; flat, striped, dotted, outlined; in one of nine places (top left to bottom right); on a plain, sky, grass, night, sand background.'),
      help,
    );
    assert.doesNotMatch(help, /\b(cats?|tigers?|snow|sofa|lighthouse)\b/i);
    for (const command of ['imagine', 'edit', 'invert']) assert.doesNotMatch(await reply(`/help ${command}`), /\b(cats?|tigers?|snow|sofa|lighthouse)\b/i, command);

    const sd = await reply('/help', withStableDiffusion);
    assert.match(sd, /`\/imagine a watercolor of a lighthouse at dusk`: anything, with Stable Diffusion weights/);
    assert.match(sd, /With `sd15` \(Stable Diffusion, the default here\) you can ask for anything; choose with `\/settings model:<name>`\./);
  });

  it('Cancel on a job that already ended says what became of it; on someone else\'s, whose it is', async () => {
    const queue = await JobQueue.open({ url: database.url });
    try {
      const withQueue = createDispatcher({ prisma: database.prisma, logger: capturingLogger().logger, commands: createDefaultRegistry(), jobs: queue });
      await say(message('/help'));
      const owner = await database.prisma.user.findFirstOrThrow({ where: { externalId: 'test-user' } });
      const { job } = await queue.submit({ kind: 'generate', userId: owner.id, idempotencyKey: 'cancel-late', payload: {} });
      const press = async (user?: { externalId: string; displayName: string }) => {
        const channel = recordingChannel();
        await withQueue.handleButton({ ...buttonPress(`imagine:cancel:${job.id}`), ...(user ? { user } : {}) }, channel);
        return channel.sent[0]!.reply;
      };
      assert.equal((await press({ externalId: 'someone-else', displayName: 'Sam' })).text, 'Only the person who asked for that job can cancel it.');
      assert.equal((await press()).text, 'Cancelling…');
      const late = await press();
      assert.equal(late.text, 'That job has already been cancelled, so there is nothing to cancel.');
      assert.equal(late.ephemeral, true);
    } finally {
      await queue.close();
    }
  });

  it('an animated GIF is stored with a note that only its first frame is kept', async () => {
    const [width, height, frames] = [8, 8, 3];
    const raw = Buffer.alloc(width * height * frames * 3);
    for (let f = 0; f < frames; f++) raw.fill(f * 80, f * width * height * 3, (f + 1) * width * height * 3);
    const gif = await sharp(raw, { raw: { width, height: height * frames, channels: 3, pageHeight: height } as never }).gif().toBuffer();
    const answer = await say(withImage(gif, 'wave.gif'));
    assert.match(answer.text(), /^Stored \*\*wave\.gif\*\* \(GIF, 8×8, [\d.]+ [KB ]+as PNG\)\.\nIt is animated \(3 frames\): only its first frame is kept, and that is what edits change\.\nTo edit it/);
    const still = await say(withImage(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).gif().toBuffer(), 'still.gif'));
    assert.doesNotMatch(still.text(), /animated/);
  });
});
