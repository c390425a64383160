// Progress of long work as edits of one reply, throttled: platforms rate-limit message edits
// (Discord allows about five per five seconds), and a human needs no more than one a second.
import type { SentReply } from './command.ts';
import type { Reply } from './messages.ts';

export const PROGRESS_INTERVAL_MS = 1000;

export interface ProgressReporter {
  /** Shows this progress unless one was shown less than the interval ago (`now`: shows it anyway, e.g. news that must not be dropped). */
  report(reply: Reply, options?: { now?: boolean }): void;
  /** The final content, after every progress edit already under way (so none lands after it). */
  finish(reply: Reply): Promise<void>;
}

export function progressReporter(sent: SentReply, intervalMs = PROGRESS_INTERVAL_MS): ProgressReporter {
  let last = 0;
  let pending: Promise<void> = Promise.resolve();
  return {
    report(reply, options) {
      const now = Date.now();
      if (now - last < intervalMs && !options?.now) return;
      last = now;
      // One edit at a time, in order; a failed progress edit is not worth failing the work for.
      pending = pending.then(() => sent.update(reply)).catch(() => undefined);
    },
    async finish(reply) {
      await pending;
      await sent.update(reply);
    },
  };
}

/** "▓▓▓░░░░░░░░░ 25%" */
export function progressBar(fraction: number, width = 12): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * width);
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.round(clamped * 100)}%`;
}
