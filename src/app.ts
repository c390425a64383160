// Composes one running Retouch: database, then the chat front ends. Every piece is closed in
// reverse order on stop, so the database outlives anything that might still write to it.
import type { Config } from './config/env.ts';
import type { Logger } from './log.ts';
import { openDatabase } from './store/database.ts';
import { InversionStore } from './store/inversions.ts';
import { Studio } from './studio/studio.ts';
import { startWebChat } from './web/server.ts';

export interface RunningApp {
  webChatUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const database = await openDatabase(config, logger);
  const closers: Array<() => Promise<void>> = [() => database.close()];
  try {
    const inversions = new InversionStore(database.prisma, { ...config.inversions, logger });
    const stopSweeper = inversions.startSweeper();
    closers.unshift(stopSweeper);
    const studio = new Studio({ modelDir: config.modelDir, logger });
    closers.unshift(() => studio.close());
    const webChat = await startWebChat({ prisma: database.prisma, logger, studio, inversions, ...config.web });
    closers.unshift(() => webChat.close());

    if (config.discord) logger.warn('DISCORD_TOKEN is set, but this version has no Discord adapter yet; ignoring it');
    if (config.slack) logger.warn('Slack credentials are set, but this version has no Slack adapter yet; ignoring them');

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
