import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { MAX_UPLOAD_BYTES } from '../../src/chat/images.ts';
import { capturingLogger } from '../chat/helpers.ts';
import { startWebChat, type WebChat } from '../../src/web/server.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';

let database: TestDatabase;
let chat: WebChat;

before(async () => {
  database = await startTestDatabase();
  chat = await startWebChat({ prisma: database.prisma, logger: capturingLogger().logger, host: '127.0.0.1', port: 0 });
});

after(async () => {
  await chat?.close();
  await database?.destroy();
});

test('port 0 gives a real port in the url, and the page is served', async () => {
  const url = new URL(chat.url);
  assert.equal(url.hostname, '127.0.0.1');
  assert.notEqual(url.port, '0');
  assert.notEqual(url.port, '');
  const page = await fetch(chat.url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /<title>Retouch<\/title>/);
  for (const asset of ['app.js', 'style.css']) assert.equal((await fetch(new URL(asset, chat.url))).status, 200, asset);
});

test('stored images are served by id; unknown and malformed ids are 404', async () => {
  const owner = await database.prisma.user.create({ data: { platform: 'local', externalId: 'img-owner', displayName: 'O' } });
  const png = await sharp({ create: { width: 5, height: 5, channels: 3, background: '#123456' } }).png().toBuffer();
  await database.prisma.blob.create({ data: { hash: 'a'.repeat(64), mediaType: 'image/png', size: png.length, data: new Uint8Array(png) } });
  const image = await database.prisma.image.create({ data: { blobHash: 'a'.repeat(64), width: 5, height: 5, ownerId: owner.id } });

  const served = await fetch(new URL(`/images/${image.id}`, chat.url));
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), png);

  assert.equal((await fetch(new URL('/images/00000000-0000-4000-8000-000000000000', chat.url))).status, 404);
  assert.equal((await fetch(new URL('/images/not-a-uuid', chat.url))).status, 404);
});

test('a message needs a live connection, and other sites are refused', async () => {
  const form = new FormData();
  form.append('connectionId', 'nobody');
  form.append('text', '/help');
  const orphan = await fetch(new URL('/api/messages', chat.url), { method: 'POST', body: form });
  assert.equal(orphan.status, 409);
  assert.match(((await orphan.json()) as { error: string }).error, /reload the page/);

  const crossSite = await fetch(new URL('/api/messages', chat.url), {
    method: 'POST',
    body: form,
    headers: { origin: 'https://evil.example' },
  });
  assert.equal(crossSite.status, 403);
});

test('the reply socket opens for the page and not for other sites', async () => {
  const url = new URL('/api/events', chat.url).href;
  assert.equal(await upgradeStatus(url, new URL(chat.url).origin), 101);
  assert.equal(await upgradeStatus(url, 'https://evil.example'), 403);
});

test('a request naming another host is refused (DNS rebinding)', async () => {
  const { port } = new URL(chat.url);
  const rebound = await request(`http://127.0.0.1:${port}/`, { 'host': `attacker.example:${port}` });
  assert.equal(rebound, 403);
  assert.equal(await request(`http://127.0.0.1:${port}/`, { 'host': `localhost:${port}` }), 200);
});

test('a file over the transport limit is refused with a readable error', async () => {
  const form = new FormData();
  form.append('connectionId', 'nobody');
  form.append('image', new Blob([new Uint8Array(MAX_UPLOAD_BYTES + 13 * 1024 * 1024)], { type: 'image/png' }), 'huge.png');
  const response = await fetch(new URL('/api/messages', chat.url), { method: 'POST', body: form });
  assert.equal(response.status, 413);
  assert.match(((await response.json()) as { error: string }).error, /at most 20 MB/);
});

test('a port already in use is named in the error', async () => {
  const port = Number(new URL(chat.url).port);
  await assert.rejects(
    startWebChat({ prisma: database.prisma, logger: capturingLogger().logger, host: '127.0.0.1', port }),
    new RegExp(`127\\.0\\.0\\.1:${port} is already in use`),
  );
});

/** fetch cannot set Host; node:http can. Resolves to the status code. */
function request(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** Attempts a WebSocket handshake; resolves to 101 when the server accepts it, else its status. */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': randomBytes(16).toString('base64'),
      'sec-websocket-version': '13',
      origin,
    };
    get(url, { headers, agent: false })
      .on('upgrade', (_response, socket) => {
        socket.destroy();
        resolve(101);
      })
      .on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
      .on('error', reject);
  });
}
