// A GPU worker: one loaded model (Studio), the per-user inversion store, and the job handlers,
// taking /imagine, /edit, /invert and concept-dictionary ('train') jobs from the shared queue; a
// dictionary's build works in a folder under the data folder. `npm start` runs one beside the bot;
// `retouch worker` runs one alone.
import type { Config } from '../config/env.ts';
import { startWorker, type Worker } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import type { PrismaClient } from '../store/database.ts';
import { InversionStore } from '../store/inversions.ts';
import { studioHandlers } from './handlers.ts';
import { modelCatalog } from '../models/catalog.ts';
import { Studio } from './studio.ts';

export interface StudioWorker {
  worker: Worker;
  inversions: InversionStore;
  stop(): Promise<void>;
}

export async function startStudioWorker(options: {
  url: string;
  prisma: PrismaClient;
  config: Pick<Config, 'modelDir' | 'inversions' | 'jobs' | 'dataDir'> & Partial<Pick<Config, 'models'>>;
  logger: Logger;
}): Promise<StudioWorker> {
  const { prisma, config, logger } = options;
  const studio = new Studio({ catalog: modelCatalog({ modelDir: config.modelDir, models: config.models }), logger });
  const inversions = new InversionStore(prisma, { ...config.inversions, logger });
  const worker = await startWorker({ url: options.url, handlers: studioHandlers({ studio, prisma, inversions, dataDir: config.dataDir }), config: config.jobs, logger });
  return {
    worker,
    inversions,
    async stop() {
      await worker.stop();
      await studio.close();
    },
  };
}
