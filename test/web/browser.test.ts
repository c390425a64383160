// Drives the real chat page in Debian's chromium: the path a person takes after `npm start`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { allCommands } from '../../commands/index.ts';
import { defineCommand } from '../../src/chat/command.ts';
import { createCommandRegistry } from '../../src/chat/registry.ts';
import { startWebChat, type WebChat } from '../../src/web/server.ts';
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
let browser: Browser;
let page: Page;
let studio: TestStudio;

before(async () => {
  database = await startTestDatabase();
  studio = await startTestStudio(database, capturingLogger().logger);
  chat = await startWebChat({
    jobs: studio.jobs,
    prisma: database.prisma,
    logger: capturingLogger().logger,
    host: '127.0.0.1',
    port: 0,
    commands: createCommandRegistry([...allCommands, countdown]),
  });
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
  await page.locator('#text').fill('/imagine a large flat red star in the center on grass steps:10 seed:3');
  await page.locator('#text').press('Enter');
  const drawn = page.locator('.message.bot', { hasText: 'seed 3' });
  await drawn.waitFor({ timeout: 60_000 });
  const width = await drawn.locator('img').evaluate(async (element) => {
    const img = element as unknown as LoadedImage;
    await img.decode();
    return img.naturalWidth;
  });
  assert.equal(width, 128);

  await page.locator('#text').fill('/edit make the star blue steps:10');
  await page.locator('#text').press('Enter');
  const edited = page.locator('.message.bot', { hasText: 'Before and after' });
  await edited.waitFor({ timeout: 60_000 });
  assert.equal(await edited.locator('img').count(), 2);
});

test('/metrics serves the queue health as JSON', async () => {
  const response = await fetch(new URL('/metrics', chat.url));
  assert.equal(response.status, 200);
  const health = (await response.json()) as { finished: { succeeded: number }; depth: { running: number } };
  assert.ok(health.finished.succeeded >= 2, JSON.stringify(health));
  assert.equal(health.depth.running, 0);
});
