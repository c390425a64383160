// A job queue and one studio worker on a test database, as `npm start` runs them, with short poll
// and progress intervals so tests don't wait on timers.
import { jobsConfig, JobQueue } from '../../src/jobs/index.ts';
import type { Logger } from '../../src/log.ts';
import { startStudioWorker } from '../../src/studio/worker.ts';
import { createDefaultRegistry } from '../../commands/index.ts';
import { createDispatcher, type Dispatcher } from '../../src/chat/dispatcher.ts';
import { capturingLogger } from '../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from './database.ts';

export interface TestStudio {
  jobs: JobQueue;
  stop(): Promise<void>;
}

export async function startTestStudio(database: TestDatabase, logger: Logger, options: { models?: Record<string, string> } = {}): Promise<TestStudio> {
  const config = { modelDir: undefined, models: options.models, dataDir: database.dataDir, inversions: { quotaBytesPerUser: 64 * 1024 * 1024, ttlMs: 86_400_000 }, jobs: jobsConfig({ pollIntervalMs: 200, progressIntervalMs: 100 }) };
  const jobs = await JobQueue.open({ url: database.url, config: config.jobs, logger });
  const worker = await startStudioWorker({ url: database.url, prisma: database.prisma, config, logger });
  return {
    jobs,
    async stop() {
      await worker.stop();
      await jobs.close();
    },
  };
}

export interface ChatStudio {
  database: TestDatabase;
  studio: TestStudio;
  /** Every command in commands/, answering through the queue and the studio worker above. */
  dispatcher: Dispatcher;
  /** Stops the worker and queue, then the database. */
  stop(): Promise<void>;
}

/** A test database, a studio worker on it, and a dispatcher of every command: the chat as `npm start` runs it. */
export async function startChatStudio(): Promise<ChatStudio> {
  const database = await startTestDatabase();
  const { logger } = capturingLogger();
  const studio = await startTestStudio(database, logger);
  const dispatcher = createDispatcher({ prisma: database.prisma, logger, commands: createDefaultRegistry(), jobs: studio.jobs });
  return {
    database,
    studio,
    dispatcher,
    async stop() {
      await studio.stop();
      await database.destroy();
    },
  };
}
