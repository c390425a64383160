// Drives the real chat page in Debian's chromium: the path a person takes after `npm start`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { renderScene } from '../../src/world/index.ts';
import { toPng } from '../../src/support/image.ts';
import { allCommands } from '../../commands/index.ts';
import { defineCommand } from '../../src/chat/command.ts';
import { createCommandRegistry } from '../../src/chat/registry.ts';
import { MAX_TEXT_CHARS, startWebChat, tooLongText, type WebChat } from '../../src/web/server.ts';
import { capturingLogger } from '../chat/helpers.ts';
import { launchChromium } from '../support/browser.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestStudio, type TestStudio } from '../support/studio.ts';

/** Stands in for the long-running commands to come: progress edits, then a result with a button. */
const countdown = defineCommand({
  name: 'countdown',
  description: 'Test only: counts down in one reply, then offers a button.',
  options: {},
  examples: [{ usage: '/countdown', description: 'count down' }],
  async run(context) {
    const progress = await context.reply('3…');
    await progress.update({ text: '2…' });
    await progress.update({ text: '**Done.**', buttons: [{ id: 'countdown:again', label: 'Again' }] });
  },
  async onButton(context, payload) {
    await context.reply(`Pressed \`${payload}\`.`);
  },
});

/** The bits of an HTMLImageElement used here (the tree is compiled without the DOM library). */
interface LoadedImage {
  decode(): Promise<void>;
  naturalWidth: number;
  naturalHeight: number;
}

let database: TestDatabase;
let chat: WebChat;
const commands = createCommandRegistry([...allCommands, countdown]);
const startChat = (port: number) =>
  startWebChat({ jobs: studio.jobs, prisma: database.prisma, logger: capturingLogger().logger, host: '127.0.0.1', port, commands });
let browser: Browser;
let page: Page;
let studio: TestStudio;

before(async () => {
  database = await startTestDatabase();
  studio = await startTestStudio(database, capturingLogger().logger);
  chat = await startChat(0);
  browser = await launchChromium();
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(chat.url);
  await page.locator('#status[data-state="open"]').waitFor();
});

after(async () => {
  // The chat closes first, while the tab's socket is still open: close() must not wait on it.
  await chat?.close();
  await studio?.stop();
  await browser?.close();
  await database?.destroy();
});

test('typing /help and pressing Enter shows the help', async () => {
  await page.locator('#text').fill('/help');
  await page.locator('#text').press('Enter');
  const reply = page.locator('.message.bot', { hasText: 'Commands' });
  await reply.waitFor();
  assert.equal(await page.locator('.message.mine').last().textContent(), '/help');
  assert.equal(await reply.locator('strong').first().textContent(), 'Commands');
  assert.ok((await reply.locator('li code').allTextContents()).includes('/help help'));
  assert.equal(await page.locator('#text').inputValue(), '', 'the text box is cleared');
});

test('an attached image is uploaded, stored and shown back', async () => {
  const png = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#ff8800' } }).png().toBuffer();
  await page.locator('#file').setInputFiles({ name: 'sunset_*2*.png', mimeType: 'image/png', buffer: png });
  assert.equal(await page.locator('#attachments li').count(), 1);
  await page.locator('#send').click();

  const reply = page.locator('.message.bot', { hasText: /^Stored / });
  await reply.waitFor();
  assert.match((await reply.textContent()) ?? '', /Stored sunset_\*2\*\.png \(PNG, 96×64, .* as PNG\)\.To edit it, type/);
  assert.equal(await reply.locator('strong').textContent(), 'sunset_*2*.png', 'the file name shows as typed');
  const shown = reply.locator('img');
  // Loaded from /images/:id, i.e. read back from the database.
  const size = await shown.evaluate(async (element) => {
    const img = element as unknown as LoadedImage;
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  });
  assert.deepEqual(size, [96, 64]);
  assert.match((await shown.getAttribute('src')) ?? '', /^\/images\/[0-9a-f-]{36}$/);

  const images = await database.prisma.image.findMany({ include: { owner: true, workspace: true } });
  assert.equal(images.length, 1);
  assert.equal(images[0]!.owner.platform, 'local');
  assert.equal(images[0]!.workspace?.name, 'Local web chat');
  assert.equal(await page.locator('#attachments li').count(), 0, 'the attachment list is cleared');
});

test('a refused upload is named with the reason and offers no Reply', async () => {
  const replies = await page.locator('.actions button', { hasText: 'Reply' }).count();
  await page.locator('#file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await page.locator('#send').click();
  const refused = page.locator('.message.bot', { hasText: 'I could not store' });
  await refused.waitFor();
  assert.equal((await refused.textContent())?.trim(), 'I could not store notes.txt: it is not an image (send a PNG, JPEG, WebP or GIF).');
  assert.equal(await page.locator('.actions button', { hasText: 'Reply' }).count(), replies, 'neither the refusal nor the message offers Reply');
});

test('a reply is updated in place, and its button reaches the command', async () => {
  const before = await page.locator('.message.bot').count();
  await page.locator('#text').fill('/countdown');
  await page.locator('#text').press('Enter');
  const result = page.locator('.message.bot', { hasText: 'Done.' });
  await result.waitFor();
  assert.equal(await page.locator('.message.bot').count(), before + 1, 'progress and result share one message');
  assert.equal(await result.locator('strong').textContent(), 'Done.');

  await result.getByRole('button', { name: 'Again' }).click();
  await page.locator('.message.bot', { hasText: 'Pressed again.' }).waitFor();
});

test('/imagine draws an image, and /edit shows it before and after', async () => {
  await page.locator('#text').fill('/imagine a large flat red star in the center on grass steps:25 seed:3');
  await page.locator('#text').press('Enter');
  const drawn = page.locator('.message.bot', { hasText: 'seed 3' });
  await drawn.waitFor({ timeout: 60_000 });
  const width = await drawn.locator('img').evaluate(async (element) => {
    const img = element as unknown as LoadedImage;
    await img.decode();
    return img.naturalWidth;
  });
  assert.equal(width, 128);

  await page.locator('#text').fill('/edit make the star blue steps:20');
  await page.locator('#text').press('Enter');
  const edited = page.locator('.message.bot', { hasText: 'Before and after' });
  await edited.waitFor({ timeout: 60_000 });
  assert.equal(await edited.locator('img').count(), 2);
});

test('replying to an uploaded image edits it with progress, and the result can be replied to in turn', async () => {
  const scene = renderScene({ background: 'grass', seed: 2, objects: [{ shape: 'star', colour: 'red', size: 'large', position: 'center', style: 'flat' }] });
  await page.locator('#file').setInputFiles({ name: 'star.png', mimeType: 'image/png', buffer: await toPng(scene) });
  await page.locator('#send').click();
  const stored = page.locator('.message.bot', { hasText: 'Stored star.png' });
  await stored.waitFor();

  // Every text a bot message goes through, to see the progress that comes before the result.
  await page.evaluate(() => {
    const seen: string[] = [];
    (globalThis as unknown as { seen: string[] }).seen = seen;
    const list = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document.getElementById('messages');
    const Observer = (globalThis as unknown as { MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void } }).MutationObserver;
    new Observer(() => {
      for (const item of (list as { querySelectorAll(s: string): Array<{ textContent: string }> }).querySelectorAll('.message.bot')) seen.push(item.textContent);
    }).observe(list, { childList: true, subtree: true, characterData: true });
  });

  const results = page.locator('.message.bot', { hasText: 'Before and after' });
  const before = await results.count();
  await stored.getByRole('button', { name: 'Reply' }).click();
  assert.equal(await page.locator('#replying').isVisible(), true);
  assert.match((await page.locator('#replying-label').textContent()) ?? '', /Replying to star\.png/);
  await page.locator('#text').fill(`make the star blue caption:${scene.caption} steps:20 seed:1`);
  await page.locator('#text').press('Enter');
  assert.equal(await page.locator('#replying').isVisible(), false, 'sending ends the reply');
  assert.match((await page.locator('.message.mine').last().locator('.quote').textContent()) ?? '', /↪ star\.png/);

  const first = results.nth(before);
  await first.waitFor({ timeout: 60_000 });
  await first.getByRole('button', { name: 'Delete' }).waitFor();
  const seen = await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen);
  assert.ok(seen.some((text) => /Queued…|Position \d+ in the queue|Starting…|\d+%/.test(text) && !/Before and after/.test(text)), 'progress showed before the result');
  const images = first.locator('img');
  assert.equal(await images.count(), 2);
  const uploadedSrc = await stored.locator('img').getAttribute('src');
  assert.equal(await images.first().getAttribute('src'), uploadedSrc, 'the replied-to image is the one edited');
  const afterSrc = await images.last().getAttribute('src');
  const width = await images.last().evaluate(async (element) => {
    const img = element as unknown as LoadedImage;
    await img.decode();
    return img.naturalWidth;
  });
  assert.equal(width, 128);

  // The result's own Reply button: the next edit starts from its after image.
  await first.getByRole('button', { name: 'Reply' }).click();
  await page.locator('#text').fill('make the star green steps:20 seed:2');
  await page.locator('#text').press('Enter');
  const second = results.nth(before + 1);
  await second.waitFor({ timeout: 60_000 });
  assert.equal(await second.locator('img').first().getAttribute('src'), afterSrc);
});

test('a result shows before and after side by side, labelled, enlarged with sharp pixels, its buttons in view', async () => {
  const result = page.locator('.message.bot', { hasText: 'Before and after' }).last();
  const figures = result.locator('.pictures figure');
  assert.deepEqual(await figures.locator('figcaption').allTextContents(), ['Before', 'After']);
  const boxes = await Promise.all([figures.nth(0).locator('img'), figures.nth(1).locator('img')].map((img) => img.boundingBox()));
  const [before, after] = boxes.map((box) => box!);
  assert.equal(before!.width, 256, '128 px shown at 256 px');
  assert.equal(after!.width, 256);
  assert.ok(Math.abs(before!.y - after!.y) < 1 && after!.x > before!.x + before!.width, `side by side: ${JSON.stringify(boxes)}`);
  assert.equal(await figures.nth(1).locator('img').evaluate((img) => (globalThis as unknown as { getComputedStyle(e: unknown): { imageRendering: string } }).getComputedStyle(img).imageRendering), 'pixelated');
  // The newest result's buttons are on screen, inside the scrolled message list.
  const list = (await page.locator('#messages').boundingBox())!;
  const button = (await result.getByRole('button', { name: 'Delete' }).boundingBox())!;
  assert.ok(button.y >= list.y && button.y + button.height <= list.y + list.height, `Delete at ${button.y}..${button.y + button.height}, list ${list.y}..${list.y + list.height}`);
});

test('a message over the limit is refused with its length and the limit, and stays in the box', async () => {
  const typed = `/imagine ${'a red star '.repeat(400)}`.slice(0, MAX_TEXT_CHARS + 1);
  const mine = await page.locator('.message.mine').count();
  await page.locator('#text').fill(typed);
  await page.locator('#text').press('Enter');
  await page.locator('.message.error', { hasText: tooLongText(MAX_TEXT_CHARS + 1) }).waitFor();
  assert.equal(tooLongText(MAX_TEXT_CHARS + 1), 'Your message is 4,001 characters long; a message may have at most 4,000. It is still in the box: shorten it and send it again.');
  assert.equal(await page.locator('#text').inputValue(), typed.trim(), 'the typed text is back in the box');
  assert.equal(await page.locator('.message.mine').count(), mine, 'the refused message is not shown as sent');
  await page.locator('#text').fill('');
});

test('a reload brings the conversation back, and an old picture can be replied to and its buttons pressed', async () => {
  const texts = async (selector: string) => (await page.locator(selector).allTextContents()).map((t) => t.trim());
  const bots = await texts('.message.bot');
  const mine = await texts('.message.mine');
  const results = page.locator('.message.bot', { hasText: 'Before and after' });
  const oldAfter = await results.first().locator('img').last().getAttribute('src');

  await page.reload();
  await page.locator('#status[data-state="open"]').waitFor();
  assert.deepEqual(await texts('.message.bot'), bots, 'every reply as it was last shown');
  assert.deepEqual(await texts('.message.mine'), mine, 'and every message of the person');
  assert.equal(await results.first().locator('img').last().getAttribute('src'), oldAfter);

  const count = await results.count();
  await results.first().getByRole('button', { name: 'Reply' }).click();
  await page.locator('#text').fill('make the star yellow steps:20 seed:4');
  await page.locator('#text').press('Enter');
  const next = results.nth(count);
  await next.waitFor({ timeout: 60_000 });
  assert.equal(await next.locator('img').first().getAttribute('src'), oldAfter, 'the old picture is the one edited');

  await results.first().getByRole('button', { name: 'Save to gallery' }).click();
  await page.locator('.message.bot', { hasText: 'Saved to the gallery' }).waitFor();
});

test('the conversation survives a restart of the chat, and New conversation starts an empty one', async () => {
  const bots = await page.locator('.message.bot').count();
  const port = Number(new URL(chat.url).port);
  await chat.close();
  await page.locator('#status[data-state="closed"]').waitFor();
  chat = await startChat(port);
  await page.locator('#status[data-state="open"]').waitFor({ timeout: 20_000 });
  assert.equal(await page.locator('.message.bot').count(), bots);

  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.locator('#status[data-state="open"]').waitFor();
  assert.equal(await page.locator('.message.bot, .message.mine').count(), 0);
  await page.reload();
  await page.locator('#status[data-state="open"]').waitFor();
  assert.equal(await page.locator('.message.bot, .message.mine').count(), 0, 'the new conversation is the one kept');
});

test('/metrics serves the queue health as JSON', async () => {
  const response = await fetch(new URL('/metrics', chat.url));
  assert.equal(response.status, 200);
  const health = (await response.json()) as { finished: { succeeded: number }; depth: { running: number } };
  assert.ok(health.finished.succeeded >= 4, JSON.stringify(health));
  assert.equal(health.depth.running, 0);
});
