// Composes one running Retouch: database, then the chat front ends. Every piece is closed in
// reverse order on stop, so the database outlives anything that might still write to it.
import type { Config } from './config/env.ts';
import type { Logger } from './log.ts';
import { openDatabase } from './store/database.ts';
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
    const webChat = await startWebChat({ prisma: database.prisma, logger, ...config.web });
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
