// Bolt, its Web API client and its Socket Mode client log through @slack/logger's interface; this
// sends those lines to our pino logger instead of the console.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../log.ts';

export function boltLogger(logger: Logger): BoltLogger {
  const line = (parts: unknown[]) => parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...parts: unknown[]) => logger.debug(line(parts)),
    info: (...parts: unknown[]) => logger.info(line(parts)),
    warn: (...parts: unknown[]) => logger.warn(line(parts)),
    // The Web API client also logs each of Slack's "[ERROR] … [json-pointer:…]" notes, though the same
    // error is thrown to the caller, which retries or logs it with context; those notes are detail.
    error: (...parts: unknown[]) => (/\[json-pointer:/.test(line(parts)) ? logger.debug(line(parts)) : logger.error(line(parts))),
    // The level is pino's to decide; Bolt asks for it to skip building debug lines.
    setLevel: () => undefined,
    getLevel: () => boltLevel(logger),
    setName: () => undefined,
  };
}

function boltLevel(logger: Logger): LogLevel {
  if (logger.isLevelEnabled('debug')) return LogLevel.DEBUG;
  if (logger.isLevelEnabled('info')) return LogLevel.INFO;
  if (logger.isLevelEnabled('warn')) return LogLevel.WARN;
  return LogLevel.ERROR;
}
