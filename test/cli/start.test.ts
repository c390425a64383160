// `retouch start` as a user runs it: embedded Postgres, the printed URL, /help in a real browser,
// a clean stop on SIGTERM, a restart after being killed, and a job that was running then.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { RETOUCH_BIN } from './run.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

let dataDir: string;
let browser: Browser;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'retouch-start-'));
  await chmod(dataDir, 0o755);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
}

async function start(port = 0): Promise<Running> {
  const child = spawn(process.execPath, [RETOUCH_BIN, 'start', '--json'], {
    env: { ...process.env, RETOUCH_DATA_DIR: dataDir, RETOUCH_PORT: String(port), LOG_LEVEL: 'info', DATABASE_URL: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s; stderr:\n${stderr}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before printing a URL:\n${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

async function askForHelp(url: string): Promise<string> {
  const page = await browser.newPage();
  try {
    page.setDefaultTimeout(15_000);
    await page.goto(url);
    await page.locator('#status[data-state="open"]').waitFor();
    await page.locator('#text').fill('/help');
    await page.locator('#text').press('Enter');
    const reply = page.locator('.message.bot', { hasText: 'Commands' });
    await reply.waitFor();
    return (await reply.textContent()) ?? '';
  } finally {
    await page.close();
  }
}

const postmasterPid = () => join(dataDir, 'postgres', 'postmaster.pid');
const exists = (path: string) => stat(path).then(() => true, () => false);

test('start prints a URL where the local chat answers /help, and SIGTERM stops everything cleanly', async () => {
  const app = await start();
  assert.match(app.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.match(await askForHelp(app.url), /\/help/);
  assert.ok(await exists(postmasterPid()), 'the embedded Postgres runs under the data folder');

  app.child.kill('SIGTERM');
  const [code] = await once(app.child, 'exit');
  assert.equal(code, 0, app.stderr());
  assert.match(app.stderr(), /stopped cleanly/);
  assert.equal(await exists(postmasterPid()), false, 'the embedded Postgres was shut down');
});

test('after a SIGKILL, the next start adopts the database server that is still running', async () => {
  const first = await start();
  await askForHelp(first.url);
  const serverPid = (await readFile(postmasterPid(), 'utf8')).split('\n')[0];
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');

  const second = await start();
  assert.equal((await readFile(postmasterPid(), 'utf8')).split('\n')[0], serverPid, 'same server, adopted');
  assert.match(second.stderr(), /adopted the embedded Postgres/);
  assert.match(await askForHelp(second.url), /\/help/);
  second.child.kill('SIGINT');
  const [code] = await once(second.child, 'exit');
  assert.equal(code, 0, second.stderr());
  assert.equal(await exists(postmasterPid()), false);
});

test('killed mid-job, the next start retries the job and completes the reply waiting in the open page', async () => {
  requireShippedModel();
  // The same port both times, so the page's address (and the conversation it keeps) stays the same.
  const port = await freePort();
  const first = await start(port);
  const page = await browser.newPage();
  try {
    page.setDefaultTimeout(60_000);
    await page.goto(first.url);
    await page.locator('#status[data-state="open"]').waitFor();
    await page.locator('#text').fill('/imagine a large flat red star in the center on grass steps:300 seed:21');
    await page.locator('#text').press('Enter');
    const reply = page.locator('.message.bot').first();
    await reply.filter({ hasText: /[1-9]\d?%/ }).waitFor();
    const replyId = await reply.getAttribute('data-reply-id');
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await once(first.child, 'exit');

    const second = await start(port);
    await page.locator('#status[data-state="open"]').waitFor();
    await reply.filter({ hasText: 'I restarted while this was in progress' }).waitFor();
    const done = page.locator('.message.bot', { hasText: 'seed 21' });
    await done.locator('img').waitFor({ timeout: 120_000 });
    console.log(`# retouch start killed mid-job: kill → result in the page ${((Date.now() - killedAt) / 1000).toFixed(1)} s (restart included)`);
    assert.equal(await done.count(), 1, 'delivered once');
    assert.equal(await done.getAttribute('data-reply-id'), replyId, 'into the reply that was waiting');
    assert.match((await done.textContent()) ?? '', /This finished after I restarted/);
    assert.equal(await done.getByRole('button', { name: 'Cancel' }).count(), 0);
    assert.ok(await done.getByRole('button', { name: 'Save to gallery' }).isVisible());

    await page.locator('#text').fill('/status');
    await page.locator('#text').press('Enter');
    const status = page.locator('.message.bot', { hasText: 'alive now' });
    await status.waitFor();
    assert.match((await status.textContent()) ?? '', /running: 0.*workers: 1 alive now;/s);

    second.child.kill('SIGINT');
    const [code] = await once(second.child, 'exit');
    assert.equal(code, 0, second.stderr());
  } finally {
    await page.close();
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
