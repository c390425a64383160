// /cancel: stops your queued and running jobs, all of them or one, and says which.
import { defineCommand } from '../src/chat/command.ts';
import { NO_QUEUE } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import type { JobRecord } from '../src/jobs/index.ts';

/** Job ids are uuids; the first 8 characters name one of a person's few active jobs. */
const SHORT_ID = 8;
const MIN_PREFIX = 4;

/** One line about a job: what it is doing, in the words of the command that made it. */
export function describeJob(job: JobRecord): string {
  const payload = (job.payload ?? {}) as { plan?: { steps?: Array<{ method?: string; params?: { prompt?: string } }> }; method?: string; model?: string };
  const steps = payload.plan?.steps ?? [];
  const state = job.state === 'running' ? `running, ${Math.round(job.progress * 100)}%` : 'waiting';
  const id = `\`${job.id.slice(0, SHORT_ID)}\``;
  switch (job.kind) {
    case 'generate': {
      const prompt = steps[0]?.params?.prompt;
      return `${id} \`/imagine\`${prompt ? ` **${escapeMarkdown(prompt.slice(0, 80))}**` : ''} (${state})`;
    }
    case 'edit':
      return `${id} \`/edit\` with ${steps.map((s) => `\`${s.method ?? '?'}\``).join(', ') || 'a plan'} (${state})`;
    case 'invert':
      return `${id} \`/invert\` with \`${payload.method ?? '?'}\` (${state})`;
    case 'train':
      return `${id} \`/concepts build\` of \`${payload.model ?? 'the default model'}\` (${state})`;
    default:
      return `${id} ${job.kind} (${state})`;
  }
}

export const cancel = defineCommand({
  name: 'cancel',
  description: 'Cancels your queued and running jobs (all of them, or the one you name).',
  options: {
    job: { type: 'string', description: 'The job to cancel: its id as /cancel lists it (default: all yours)' },
  },
  examples: [
    { usage: '/cancel', description: 'cancel every job of yours that is waiting or running' },
    { usage: '/cancel job:1a2b3c4d', description: 'cancel one job' },
  ],
  async run(context, { job: wanted }) {
    const jobs = context.jobs;
    if (!jobs) {
      await context.reply({ text: NO_QUEUE, ephemeral: true });
      return;
    }
    const active = await jobs.active(context.user.id);
    if (active.length === 0) {
      await context.reply({ text: 'You have no waiting or running jobs, so there is nothing to cancel.', ephemeral: true });
      return;
    }
    let targets = active;
    if (wanted !== undefined) {
      const prefix = wanted.trim().replace(/^job:/i, '').toLowerCase();
      targets = prefix.length >= MIN_PREFIX ? active.filter((j) => j.id.startsWith(prefix)) : [];
      if (targets.length !== 1) {
        const listed = active.map((j) => `- ${describeJob(j)}`).join('\n');
        const problem = prefix.length < MIN_PREFIX ? `give at least ${MIN_PREFIX} characters of the job's id` : targets.length === 0 ? `you have no waiting or running job \`${escapeMarkdown(prefix)}\`` : `\`${escapeMarkdown(prefix)}\` names more than one of your jobs`;
        await context.reply({ text: `I cancelled nothing: ${problem}. Your jobs:\n${listed}\nType \`/cancel\` alone to cancel all of them.`, ephemeral: true });
        return;
      }
    }
    const cancelled: JobRecord[] = [];
    const finished: JobRecord[] = [];
    for (const job of targets) {
      // It may finish between listing and cancelling; then there is nothing to cancel.
      if (await jobs.cancel(job.id, { userId: context.user.id })) cancelled.push(job);
      else finished.push(job);
    }
    const lines: string[] = [];
    if (cancelled.length > 0) lines.push(`Cancelled ${cancelled.length === 1 ? 'this job' : `these ${cancelled.length} jobs`}:`, ...cancelled.map((j) => `- ${describeJob(j)}`));
    if (finished.length > 0) lines.push(`Already finished before I could cancel ${finished.length === 1 ? 'it' : 'them'}:`, ...finished.map((j) => `- ${describeJob(j)}`));
    context.logger.info({ cancelled: cancelled.map((j) => j.id), finished: finished.map((j) => j.id) }, 'jobs cancelled');
    await context.reply({ text: lines.join('\n'), ephemeral: true });
  },
});
