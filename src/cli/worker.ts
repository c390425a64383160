import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/env.ts';
import { createLogger } from '../log.ts';
import { EXIT_FAILURE, EXIT_USAGE, printError, printResult } from './output.ts';

/** `retouch worker`: a GPU worker alone, taking jobs from the database that DATABASE_URL names. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a GPU worker alone, taking /imagine and /edit jobs from the shared database')
    .option('--json', 'print the worker id as JSON instead of a sentence')
    .addHelpText('after', '\nNeeds DATABASE_URL (the server the bots use); RETOUCH_MODEL_DIR picks the model as for `start`.')
    .action(async (options: { json?: boolean }) => {
      const json = options.json === true;
      let config;
      try {
        config = loadConfig();
        if (!config.databaseUrl) throw new ConfigError(['DATABASE_URL: a worker alone needs the database the bots use (npm start already runs a worker of its own)']);
      } catch (error) {
        process.exitCode = printError(json, error, error instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE);
        return;
      }
      const logger = createLogger(config.logLevel);
      const { openDatabase } = await import('../store/database.ts');
      const { startStudioWorker } = await import('../studio/worker.ts');
      let stop: () => Promise<void>;
      try {
        const database = await openDatabase(config, logger);
        const running = await startStudioWorker({ url: database.url, prisma: database.prisma, config, logger });
        stop = async () => {
          await running.stop();
          await database.close();
        };
        printResult(json, { workerId: running.worker.stats().workerId }, `Retouch worker ${running.worker.stats().workerId} is taking jobs. Press Ctrl+C to stop.`);
      } catch (error) {
        process.exitCode = printError(json, error);
        return;
      }
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'worker stopping');
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'error while stopping');
            process.exit(EXIT_FAILURE);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
