// /status: how the job queue is doing — depth, waiting and running times, worker use.
import { defineCommand } from '../src/chat/command.ts';
import { NO_QUEUE } from '../src/chat/job-reply.ts';
import type { Percentiles } from '../src/jobs/index.ts';

const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
const spread = (p: Percentiles) => `median ${seconds(p.p50)}, p90 ${seconds(p.p90)}, p99 ${seconds(p.p99)}`;

export const status = defineCommand({
  name: 'status',
  description: 'Shows the job queue: how many jobs wait and run, how long they take, how busy the workers are.',
  options: {},
  examples: [{ usage: '/status', description: 'the queue over the last hour' }],
  async run(context) {
    if (!context.jobs) {
      await context.reply(NO_QUEUE);
      return;
    }
    const h = await context.jobs.health();
    const { depth, finished, workers } = h;
    await context.reply(
      [
        '**Queue**',
        `- waiting: ${depth.held + depth.waiting} (${depth.held} waiting for their user's turn), running: ${depth.running}${h.oldestQueuedMs !== null ? `, oldest waiting ${seconds(h.oldestQueuedMs)}` : ''}`,
        `- last hour: ${finished.succeeded} done, ${finished.failed} failed, ${finished.cancelled} cancelled`,
        `- time in queue: ${spread(h.latencyMs.wait)}`,
        `- time running: ${spread(h.latencyMs.run)}`,
        `- workers: ${workers.alive} alive now; ${workers.active} ran jobs in the last hour${workers.utilisation !== null ? `, busy ${Math.round(100 * workers.utilisation)}% of the time` : ''}`,
      ].join('\n'),
    );
  },
});
