// Postgres LISTEN/NOTIFY: job events for the bots, control messages (wake, cancel) for the workers.
// A notification sent inside a statement or transaction goes out only if it commits, so "the row
// changed" and "the event was sent" can't disagree.
import pg from 'pg';
import type { Logger } from '../log.ts';
import type { JobEvent } from './types.ts';

export const EVENTS_CHANNEL = 'retouch_job_events';
export const CONTROL_CHANNEL = 'retouch_job_control';

export type ControlMessage = { type: 'wake' } | { type: 'cancel'; jobId: string };

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export async function publish(db: Queryable, channel: string, message: JobEvent | ControlMessage): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(message)]);
}

/**
 * One dedicated connection LISTENing on some channels; reconnects after a drop (notifications sent
 * meanwhile are lost, so `onConnect` runs after every (re)connect for the caller to catch up).
 */
export class Listener {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channels: string[],
    private readonly onMessage: (channel: string, payload: unknown) => void,
    private readonly options: { logger?: Logger; onConnect?: () => void; reconnectMs?: number } = {},
  ) {}

  /** Connects and listens; rejects if the first connection fails. */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (!message.payload) return;
      try {
        this.onMessage(message.channel, JSON.parse(message.payload));
      } catch (error) {
        this.options.logger?.warn({ err: error, channel: message.channel }, 'bad job notification');
      }
    });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.options.logger?.warn({ err: error }, 'job notification connection lost; reconnecting');
      this.reconnectLater();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    this.client = client;
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      if (this.client === client) this.client = undefined;
      await client.end().catch(() => undefined);
      throw error;
    }
    this.options.onConnect?.();
  }

  private reconnectLater(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.closed) this.start().catch(() => this.reconnectLater());
    }, this.options.reconnectMs ?? 1_000);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
