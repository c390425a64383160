// What /imagine, /edit and /invert share: a reply that follows a queued job (queue position,
// progress bar with a preview, a cancel button while it runs) and ends with the result or the
// reason there is none.
import { DEAD_WORKER, QuotaExceededError, type JsonValue, type NewJob } from '../jobs/index.ts';
import type { StudioResult } from '../studio/handlers.ts';
import type { ButtonContext, CommandContext } from './command.ts';
import { submitAndFollow } from './follow-job.ts';
import { escapeMarkdown } from './markdown.ts';
import type { Reply, ReplyButton, ReplyImage, ReplyPreview } from './messages.ts';
import { progressBar, progressReporter } from './progress.ts';
import { LAYOUT_PREVIEW_PARAMETER } from '../studio/preview-kind.ts';

export const NO_QUEUE = 'This bot has no job queue right now, so it cannot draw or edit. An admin can check its logs.';

/** While a job waits for another attempt: why, and that nothing needs doing. */
export function retryingText(error: string): string {
  return error.startsWith(DEAD_WORKER)
    ? 'The worker doing this stopped, so it is back in the queue and will start again in a few seconds; nothing to do on your side.'
    : 'That attempt failed; trying again.';
}

/** A job that failed for good: what happened and what to do. */
export function failureText(error: string | null): string {
  return error?.startsWith(DEAD_WORKER)
    ? 'That failed: the worker doing it stopped each time it was tried. Please try again in a minute; if it happens again, an admin can check `/status` and the workers\' logs.'
    : 'That failed because of an error on my side; it has been logged. Please try again.';
}

/** Who a job is for and where its reply goes: a command's context or a button's. */
export type JobConversation = Pick<CommandContext, 'jobs' | 'user' | 'workspace' | 'logger' | 'reply'>;

export type ImageResult = Extract<StudioResult, { kind: 'image' }>;

/** A job's answer when the worker found the request impossible: the reply says why. */
type Refused = { kind: 'refused'; reason: string };

export interface FollowOptions {
  /** The command whose buttons the reply carries (`<command>:cancel:<job>`). */
  command: string;
  /** Shown above the status. */
  heading: string;
  /** The same key twice (a redelivered message or press) is the same job. */
  idempotencyKey: string;
  /** Shown with every status, e.g. the image being worked on. */
  images?: ReplyImage[];
}

/**
 * Runs `job` and keeps one reply up to date; `done` turns the job's result (`R`, the worker's
 * answer, refusals aside) into the final reply. Returns that result (undefined when there is none).
 */
export async function followInReply<R extends { kind: string } = StudioResult>(
  context: JobConversation,
  job: Omit<NewJob, 'userId' | 'workspaceId' | 'idempotencyKey'>,
  { command, heading, idempotencyKey, images }: FollowOptions,
  done: (result: Exclude<R, Refused>) => Reply,
): Promise<Exclude<R, Refused> | undefined> {
  const jobs = context.jobs;
  if (!jobs) {
    await context.reply(NO_QUEUE);
    return undefined;
  }
  const status = (text: string): Reply => ({ text: `${heading}\n\n${text}`, ...(images ? { images } : {}) });
  const sent = await context.reply(status('Queued…'));
  const progress = progressReporter(sent);
  let cancel: ReplyButton[] = [];
  let preview: ReplyPreview | undefined;
  let outcome: Awaited<ReturnType<typeof submitAndFollow>>;
  try {
    outcome = await submitAndFollow(
      jobs,
      {
        ...job,
        // Where the reply is, so that a bot process started after this one dies can deliver the result.
        payload: sent.address ? { ...(job.payload as Record<string, JsonValue>), deliverTo: sent.address } : job.payload,
        userId: context.user.id,
        workspaceId: context.workspace.id,
        idempotencyKey,
      },
      {
        onSubmitted: (record) => {
          cancel = [{ id: `${command}:cancel:${record.id}`, label: 'Cancel' }];
        },
        onQueued: (position) => progress.report({ ...status(position ? `Position ${position} in the queue.` : 'Starting…'), buttons: cancel }),
        onStarted: () => progress.report({ ...status(progressBar(0)), buttons: cancel }),
        onProgress: (fraction, dataUrl) => {
          preview = (dataUrl && previewFromDataUrl(dataUrl)) || preview;
          progress.report({ ...status(progressText(fraction, preview)), buttons: cancel, preview });
        },
        onRetrying: (error) => progress.report({ ...status(retryingText(error)), buttons: cancel }, { now: true }),
      },
    );
  } catch (error) {
    if (!(error instanceof QuotaExceededError)) throw error;
    await progress.finish(status(`You have reached today's limit of ${error.limit} jobs; it resets at midnight UTC.`));
    return undefined;
  }
  switch (outcome.state) {
    case 'succeeded': {
      const result = outcome.result as unknown as R | Refused;
      if (result.kind === 'refused') {
        await progress.finish(status(`I can't do this: ${escapeMarkdown((result as Refused).reason)}.`));
        return undefined;
      }
      await progress.finish(done(result as Exclude<R, Refused>));
      return result as Exclude<R, Refused>;
    }
    case 'cancelled':
      await progress.finish(status('Cancelled.'));
      return undefined;
    case 'failed':
      context.logger.error({ jobId: outcome.job.id, error: outcome.error }, 'job failed');
      await progress.finish(status(failureText(outcome.error)));
      return undefined;
    case 'delivered-elsewhere':
      return undefined;
  }
}

/** The cancel button's handler: only the job's owner may cancel it. */
export async function cancelFromButton(context: ButtonContext, payload: string): Promise<boolean> {
  const [action, jobId] = payload.split(':');
  if (action !== 'cancel' || !jobId) return false;
  if (!context.jobs) {
    await context.reply(NO_QUEUE);
    return true;
  }
  if (await context.jobs.cancel(jobId, { userId: context.user.id })) {
    await context.reply('Cancelling…');
    return true;
  }
  const job = await context.jobs.get(jobId);
  const why =
    !job || job.userId !== context.user.id
      ? 'Only the person who asked for that job can cancel it.'
      : `That job has already ${{ succeeded: 'finished', failed: 'failed', cancelled: 'been cancelled' }[job.state as 'succeeded' | 'failed' | 'cancelled'] ?? 'finished'}, so there is nothing to cancel.`;
  await context.reply({ text: why, ephemeral: true });
  return true;
}

/** A worker's preview (`data:image/webp;base64,…`, a layout's with its parameter) as bytes; undefined for anything else. */
export function previewFromDataUrl(url: string): ReplyPreview | undefined {
  const match = /^data:(image\/(?:webp|png|jpeg))((?:;[a-z]+=[a-z]+)*);base64,([A-Za-z0-9+/=]+)$/.exec(url);
  if (!match) return undefined;
  const layout = (match[2] as string).split(';').includes(LAYOUT_PREVIEW_PARAMETER);
  return { mediaType: match[1] as string, data: Buffer.from(match[3] as string, 'base64'), ...(layout ? { layout } : {}) };
}

/** The progress bar, and what the preview beside it is when it is not the picture itself. */
export function progressText(fraction: number, preview: ReplyPreview | undefined): string {
  return preview?.layout ? `${progressBar(fraction)}\n${LAYOUT_NOTE}` : progressBar(fraction);
}

export const LAYOUT_NOTE = "Preview: the concept dictionary's rough guess, at the first step, of where things will go.";
