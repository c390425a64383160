// Composes one running Retouch: database (the shipped concept dictionary loaded into it on first
// start), then the chat front ends. Every piece is closed in reverse order on stop, so the database
// outlives anything that might still write to it.
import type { Config } from './config/env.ts';
import type { Logger } from './log.ts';
import { openDatabase } from './store/database.ts';
import { JobQueue, startMaintenance } from './jobs/index.ts';
import { startStudioWorker } from './studio/worker.ts';
import { importConceptSeeds } from './studio/concept-seed.ts';
import { ConceptDictionaryStore } from './store/concept-dictionaries.ts';
import { startWebChat } from './web/server.ts';
import { createDefaultRegistry } from '../commands/index.ts';
import { createRateLimit } from './chat/rate-limit.ts';
import { modelCatalog } from './models/catalog.ts';
import { startSlackBot } from './platforms/slack/bot.ts';
import { startDiscordBot } from './platforms/discord/index.ts';

export interface RunningApp {
  webChatUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const database = await openDatabase(config, logger);
  const closers: Array<() => Promise<void>> = [() => database.close()];
  try {
    const models = modelCatalog(config);
    await importConceptSeeds(new ConceptDictionaryStore(database.prisma, logger), models, logger);
    const jobs = await JobQueue.open({ url: database.url, config: config.jobs, logger });
    closers.unshift(() => jobs.close());
    const worker = await startStudioWorker({ url: database.url, prisma: database.prisma, config, logger });
    closers.unshift(() => worker.stop());
    const stopMaintenance = startMaintenance(jobs, { hooks: [{ name: 'inversion-sweep', run: () => worker.inversions.sweep() }], logger });
    closers.unshift(stopMaintenance);
    // One limit for every front end, counted in Postgres so several bot processes share it.
    const rateLimit = await createRateLimit({ perMinute: config.rateLimit.perMinute, url: database.url, logger });
    if (rateLimit) closers.unshift(() => rateLimit.close());
    const chat = { prisma: database.prisma, logger, jobs, rateLimit, commands: createDefaultRegistry(), models };
    const webChat = await startWebChat({ ...chat, ...config.web });
    closers.unshift(() => webChat.close());
    if (config.discord) {
      const discord = await startDiscordBot({ ...chat, ...config.discord });
      closers.unshift(() => discord.close());
      logger.info({ user: discord.client.user?.tag }, 'Discord bot running');
    }
    if (config.slack) {
      const slack = await startSlackBot({ ...chat, ...config.slack });
      closers.unshift(() => slack.close());
      logger.info({ mode: config.slack.appToken ? 'socket' : 'http', url: slack.url }, 'Slack bot running');
    }

    return {
      webChatUrl: webChat.url,
      databaseUrl: database.url,
      async stop() {
        for (const close of closers) await close();
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
