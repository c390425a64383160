// How the Slack stand-in delivers to the app, the two real ways: HTTP POSTs to the app's request
// URL signed with the signing secret (v0 HMAC-SHA256 over `v0:<timestamp>:<body>`; slash commands
// form-encoded, interactions as `payload=<json>`, events as JSON), or Socket Mode envelopes over a
// WebSocket that apps.connections.open points to, each answered by an ack with its envelope_id.
import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SlackWebApiStandIn } from './web-api.ts';

export type DeliveryKind = 'slash_commands' | 'events_api' | 'interactive';

export interface Acked {
  /** HTTP status (200 for a Socket Mode ack). */
  status: number;
  /** The ack's body: what the app answered (empty, or e.g. a view's errors as JSON). */
  body: string;
  /** From sending to the acknowledgement. */
  ms: number;
}

export interface Delivery {
  deliver(kind: DeliveryKind, payload: Record<string, unknown>): Promise<Acked>;
  close(): Promise<void>;
}

export interface SignOptions {
  /** Sign with another secret (a forged request). */
  secret?: string;
  /** Seconds since the epoch to claim (a replayed, stale request). */
  timestamp?: number;
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Slack's HTTP delivery to `url` (the app's /slack/events). */
export class HttpDelivery implements Delivery {
  constructor(readonly url: string, readonly signingSecret: string) {}

  deliver(kind: DeliveryKind, payload: Record<string, unknown>, sign: SignOptions = {}): Promise<Acked> {
    return this.post(...encode(kind, payload), sign);
  }

  async post(body: string, contentType: string, sign: SignOptions = {}): Promise<Acked> {
    const timestamp = sign.timestamp ?? Math.floor(Date.now() / 1000);
    const started = performance.now();
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signature(sign.secret ?? this.signingSecret, timestamp, body),
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: text, ms: performance.now() - started };
  }

  async close(): Promise<void> {}
}

export function encode(kind: DeliveryKind, payload: Record<string, unknown>): [string, string] {
  switch (kind) {
    case 'slash_commands':
      return [new URLSearchParams(payload as Record<string, string>).toString(), 'application/x-www-form-urlencoded'];
    case 'interactive':
      return [new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded'];
    case 'events_api':
      return [JSON.stringify(payload), 'application/json'];
  }
}

/** Slack's Socket Mode server: apps.connections.open hands out its address; envelopes go down the socket. */
export class SocketModeDelivery implements Delivery {
  readonly #server: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  readonly #waiting = new Map<string, (payload: unknown) => void>();
  /** Every envelope the app acknowledged, in order. */
  readonly acks: Array<{ envelope_id: string; payload?: unknown }> = [];

  private constructor(server: WebSocketServer) {
    this.#server = server;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('message', (data) => {
        const ack = JSON.parse(String(data)) as { envelope_id: string; payload?: unknown };
        this.acks.push(ack);
        this.#waiting.get(ack.envelope_id)?.(ack.payload);
        this.#waiting.delete(ack.envelope_id);
      });
      socket.send(JSON.stringify({ type: 'hello', num_connections: this.#sockets.size, debug_info: { host: 'stand-in', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0RETOUCH1' } }));
    });
  }

  static async start(api: SlackWebApiStandIn): Promise<SocketModeDelivery> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    api.setWebSocketUrl(() => `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}&app_id=A0RETOUCH1`);
    return new SocketModeDelivery(server);
  }

  get connections(): number {
    return this.#sockets.size;
  }

  async waitForConnection(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#sockets.size === 0) {
      if (Date.now() > deadline) throw new Error('the app never connected over Socket Mode');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  deliver(kind: DeliveryKind, payload: Record<string, unknown>): Promise<Acked> {
    const socket = [...this.#sockets][0];
    if (!socket) return Promise.reject(new Error('no Socket Mode connection'));
    const envelopeId = randomUUID();
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`envelope ${envelopeId} was never acknowledged`)), 10_000);
      this.#waiting.set(envelopeId, (answer) => {
        clearTimeout(timer);
        resolve({ status: 200, body: answer === undefined ? '' : JSON.stringify(answer), ms: performance.now() - started });
      });
      socket.send(JSON.stringify({ envelope_id: envelopeId, type: kind, payload, accepts_response_payload: kind !== 'events_api', ...(kind === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}) }));
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
