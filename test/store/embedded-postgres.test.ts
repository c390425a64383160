import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { EmbeddedPostgres, EmbeddedPostgresError } from '../../src/store/embedded-postgres.ts';
import { queryOnce as sql } from '../support/database.ts';

let dataDir: string;
const logger = createLogger('warn');
const servers: EmbeddedPostgres[] = [];

function server(): EmbeddedPostgres {
  const created = new EmbeddedPostgres({ dataDir, port: 0, systemUser: 'postgres', logger });
  servers.push(created);
  return created;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'retouch-pg-'));
  await chmod(dataDir, 0o755);
});
after(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
});

test('the embedded server keeps its data across a stop and a restart', async () => {
  const first = server();
  const url = await first.start();
  await sql(url, 'CREATE TABLE notes (body TEXT)');
  await sql(url, "INSERT INTO notes VALUES ('kept')");
  await first.stop();
  await assert.rejects(sql(url, 'SELECT 1'), 'the server is really down after stop()');

  const second = server();
  const again = await second.start();
  assert.deepEqual(await sql(again, 'SELECT body FROM notes'), [{ body: 'kept' }]);
  await second.stop();
});

test('a server left running by a crashed process is adopted, not started twice', async () => {
  const crashed = server();
  const url = await crashed.start();
  // The owner vanishes without stopping the server (as after SIGKILL); a new process takes over.
  await writeFile(join(dataDir, 'retouch.pid'), '999999999');
  const next = server();
  assert.equal(await next.start(), url);
  assert.deepEqual(await sql(url, 'SELECT body FROM notes'), [{ body: 'kept' }]);
  await next.stop();
  await assert.rejects(sql(url, 'SELECT 1'));
});

test('a data folder in use by another live process is refused with a clear message', async () => {
  const other = spawn('sleep', ['30']);
  try {
    await writeFile(join(dataDir, 'retouch.pid'), String(other.pid));
    await assert.rejects(server().start(), (error: unknown) => {
      assert.ok(error instanceof EmbeddedPostgresError);
      assert.match(error.message, new RegExp(`Another Retouch process \\(pid ${other.pid}\\)`));
      return true;
    });
  } finally {
    other.kill();
    await rm(join(dataDir, 'retouch.pid'), { force: true });
  }
});
