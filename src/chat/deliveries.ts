// Results whose reply has no follower: the bot process that posted the reply crashed or restarted
// mid-job, or its follower missed the end. A front end keeps delivering (keepDelivering): at start
// and after every reconnect of the job events it takes over the replies of jobs still queued or
// running (progress, Cancel, then the outcome) and fills in those of jobs that finished meanwhile;
// and when a job ends that nobody here follows, it waits a moment for another process's follower and
// then delivers it itself. Each outcome is claimed once (claimDelivery), whichever process gets there
// first, and the images a delivered reply shows are recorded, so replying to it works like replying
// to any result. With several bot processes on one platform, a process that starts takes over the
// replies of every unfinished job there, so a job another live process follows gets its progress
// edits twice until it ends; its outcome is still delivered once.
import type { JobQueue, JobRecord } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import { parsePlan } from '../plan/schema.ts';
import type { PrismaClient } from '../store/database.ts';
import type { ConceptBuildPayload, ConceptHeatmapPayload, InvertPayload, InvertResult, StudioResult, TrainResult } from '../studio/handlers.ts';
import { buildHeading, buildText, heatmapHeading, heatmapReply } from './concepts-reply.ts';
import { follow, isFollowedHere, TERMINAL } from './follow-job.ts';
import { inversionHeading, inversionText } from './inversion-reply.ts';
import { failureText, previewFromDataUrl, progressText, retryingText } from './job-reply.ts';
import type { Platform, Reply, ReplyAddress, ReplyPreview } from './messages.ts';
import { progressBar, progressReporter } from './progress.ts';
import { drawingReply, editReply } from './results/run.ts';
import { recordShownImages } from './shown-images.ts';

const WHILE_DOWN = 'This finished while I was restarting:';
const AFTER_RESTART = 'This finished after I restarted:';
const TAKEN_OVER = '**I restarted while this was in progress.** It goes on:';
/** How long a finished job's own follower (in any process) has to claim it before a front end steps in. */
const DEFAULT_GRACE_MS = 3_000;

export interface DeliveryOptions {
  jobs: JobQueue;
  prisma: PrismaClient;
  platform: Platform;
  logger: Logger;
  /**
   * Shows `reply` in the message at `address` (the adapter's own kind of address); returns the id of
   * the message that shows it when that is not `address.messageId` (the reply was gone, so it was posted anew).
   */
  deliver(address: ReplyAddress, reply: Reply): Promise<string | void>;
  graceMs?: number;
}

export interface Deliveries {
  /** Resolves when the catch-up at start is done (taken-over jobs go on being followed). */
  readonly caughtUp: Promise<void>;
  /** Stops following; waits for deliveries under way. */
  stop(): Promise<void>;
}

/** Delivers every finished, undelivered job whose reply is on `platform`; returns how many (once, no following). */
export async function redeliver(options: DeliveryOptions): Promise<number> {
  let delivered = 0;
  for (const job of await options.jobs.undelivered({ limit: 200 })) {
    if (addressOf(job)?.platform !== options.platform) continue;
    if (await deliverFinished(options, job.id, WHILE_DOWN)) delivered++;
  }
  if (delivered > 0) options.logger.info({ platform: options.platform, delivered }, 'delivered results that finished while the bot was down');
  return delivered;
}

export function keepDelivering(options: DeliveryOptions): Deliveries {
  const { jobs, platform, logger } = options;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const takenOver = new Set<string>();
  const work = new Set<Promise<unknown>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const track = (what: string, promise: Promise<unknown>) => {
    const running = promise.catch((error: unknown) => logger.error({ err: error, platform, what }, 'delivering a result failed'));
    work.add(running);
    void running.finally(() => work.delete(running));
  };

  const takeOver = (job: JobRecord) => {
    if (stopped || takenOver.has(job.id) || isFollowedHere(job.id)) return;
    takenOver.add(job.id);
    track('taking over a reply', followInto(options, job).finally(() => takenOver.delete(job.id)));
  };

  const catchUp = async () => {
    await redeliver(options);
    for (const job of await jobs.unfinished()) if (addressOf(job)?.platform === platform) takeOver(job);
  };

  const unsubscribe = jobs.subscribe((event) => {
    if (stopped || !TERMINAL.has(event.type) || isFollowedHere(event.jobId) || takenOver.has(event.jobId)) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) track('a result nobody followed', deliverFinished(options, event.jobId, AFTER_RESTART, { onlyOn: platform }));
    }, graceMs);
    timers.add(timer);
  });
  const stopReconnects = jobs.onEventsReconnected(() => track('catching up after a reconnect', catchUp()));
  const caughtUp = catchUp().catch((error: unknown) => logger.error({ err: error, platform }, 'catching up on results failed'));
  track('catching up', caughtUp);

  return {
    caughtUp,
    async stop() {
      stopped = true;
      unsubscribe();
      stopReconnects();
      for (const timer of timers) clearTimeout(timer);
      await Promise.allSettled([...work]);
    },
  };
}

/** Follows a job whose reply lost its follower: its status and progress go into that reply, then its outcome. */
async function followInto(options: DeliveryOptions, job: JobRecord): Promise<void> {
  const address = addressOf(job)!;
  const reporter = progressReporter({ id: address.messageId ?? '', update: async (reply) => void (await options.deliver(address, reply)) });
  const cancel = [{ id: `${commandOf(job)}:cancel:${job.id}`, label: 'Cancel' }];
  let preview: ReplyPreview | undefined;
  const status = (text: string): Reply => ({ text: `${TAKEN_OVER}\n\n${text}`, buttons: cancel, ...(preview ? { preview } : {}) });
  const outcome = await follow(options.jobs, job, {
    onQueued: (position) => reporter.report(status(position ? `Position ${position} in the queue.` : job.state === 'running' ? progressBar(job.progress) : 'Starting…'), { now: true }),
    onStarted: () => reporter.report(status(progressBar(0))),
    onProgress: (fraction, dataUrl) => {
      preview = (dataUrl && previewFromDataUrl(dataUrl)) || preview;
      reporter.report(status(progressText(fraction, preview)));
    },
    onRetrying: (error) => reporter.report(status(retryingText(error)), { now: true }),
  });
  if (outcome.state === 'delivered-elsewhere') return;
  const reply = finalReply(outcome.job, AFTER_RESTART);
  await reporter.finish(reply);
  await recordShown(options, outcome.job, address.messageId, reply);
}

/** Claims a finished job (if it is still undelivered and its reply is on this platform) and delivers it; true if it did. */
async function deliverFinished(options: DeliveryOptions, jobId: string, lead: string, filter: { onlyOn?: Platform } = {}): Promise<boolean> {
  if (filter.onlyOn) {
    const job = await options.jobs.get(jobId);
    if (!job || job.deliveredAt || addressOf(job)?.platform !== filter.onlyOn) return false;
  }
  const claimed = await options.jobs.claimDelivery(jobId);
  const address = claimed ? addressOf(claimed) : undefined;
  if (!claimed || !address) return false;
  const reply = finalReply(claimed, lead);
  try {
    const shownIn = (await options.deliver(address, reply)) ?? address.messageId;
    await recordShown(options, claimed, shownIn, reply);
    return true;
  } catch (error) {
    options.logger.error({ err: error, jobId }, 'could not deliver a result to its reply');
    return false;
  }
}

async function recordShown(options: DeliveryOptions, job: JobRecord, messageId: string | undefined, reply: Reply): Promise<void> {
  if (!messageId || !reply.images?.length) return;
  await recordShownImages(options.prisma, options.platform, messageId, reply.images.map((image) => image.imageId), job.userId).catch((error: unknown) =>
    options.logger.warn({ err: error, jobId: job.id }, 'could not record the images a delivered reply shows'),
  );
}

function addressOf(job: JobRecord): ReplyAddress | undefined {
  const payload = job.payload as { deliverTo?: unknown } | null;
  const address = payload?.deliverTo;
  if (typeof address !== 'object' || address === null || Array.isArray(address)) return undefined;
  if (!Object.values(address).every((v) => typeof v === 'string')) return undefined;
  return address as ReplyAddress;
}

/** The command whose buttons (Cancel) a job's reply carries. */
function commandOf(job: JobRecord): string {
  return job.kind === 'generate' ? 'imagine' : job.kind === 'train' ? 'concepts' : job.kind;
}

/** What the follower would have shown at the end: the result with its buttons, or why there is none. */
function finalReply(job: JobRecord, lead: string): Reply {
  if (job.state === 'cancelled') return { text: `${lead} it was cancelled.` };
  if (job.state !== 'succeeded') return { text: `${lead} ${failureText(job.error)}` };
  const result = job.result as unknown as StudioResult | InvertResult | TrainResult;
  if (result.kind === 'refused') return { text: `${lead} I can't do this: ${result.reason}.` };
  if (result.kind === 'dictionary') return { text: buildText(`${lead}\n${buildHeading(job.payload as unknown as ConceptBuildPayload)}`, result) };
  if (result.kind === 'heatmap') return heatmapReply(`${lead}\n${heatmapHeading(job.payload as unknown as ConceptHeatmapPayload)}`, result);
  if (result.kind === 'inversion') {
    const payload = job.payload as unknown as InvertPayload;
    return { text: inversionText(`${lead}\n${inversionHeading(payload)}`, result), images: [{ imageId: payload.imageId, alt: 'the inverted image' }] };
  }
  const payload = job.payload as { plan?: unknown; sourceImageId?: string };
  const plan = parsePlan(payload.plan);
  return job.kind === 'edit' && payload.sourceImageId ? editReply(plan, payload.sourceImageId, result, lead) : drawingReply(plan, result, lead);
}
