// The chat has no login: whoever reaches it is the local user. These checks keep other web pages
// open in the same browser from using it.
import type { FastifyReply, FastifyRequest } from 'fastify';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * An onRequest hook that refuses
 * - API calls from another origin (a page elsewhere posting to, or opening a socket on, localhost;
 *   browsers send Origin on every WebSocket upgrade and cross-site POST), and
 * - when bound to loopback, any request whose Host is not a loopback name (DNS rebinding: a
 *   hostile name that resolves to 127.0.0.1 would otherwise count as same-origin).
 */
export function localOnly(boundHost: string) {
  const loopbackOnly = LOOPBACK_NAMES.has(boundHost);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const host = request.headers.host ?? '';
    if (loopbackOnly && !LOOPBACK_NAMES.has(hostname(host))) {
      await reply.code(403).send({ error: 'Open the chat at its localhost address.' });
      return;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && request.url.startsWith('/api/') && originHost(origin) !== host) {
      await reply.code(403).send({ error: 'Requests from other sites are refused.' });
    }
  };
}

function hostname(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
