import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/env.ts';
import { createLogger } from '../log.ts';
import { EXIT_FAILURE, EXIT_USAGE, printError, printResult } from './output.ts';

const SHUTDOWN_LIMIT_MS = 20_000;

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the bot: the local web chat (and Discord / Slack when configured), with its database and a worker')
    .option('--json', 'print the chat URL as JSON instead of a sentence')
    .addHelpText(
      'after',
      '\nConfiguration comes from environment variables (see the README). With no DATABASE_URL an embedded\n' +
        'Postgres is started with its data under RETOUCH_DATA_DIR (default ./data).',
    )
    .action(async (options: { json?: boolean }) => {
      const json = options.json === true;
      let config;
      try {
        config = loadConfig();
      } catch (error) {
        process.exitCode = printError(json, error, error instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE);
        return;
      }
      const logger = createLogger(config.logLevel);
      let app;
      try {
        // Loaded here so that --help and bad flags answer without loading the database and web stack.
        const { startApp } = await import('../app.ts');
        app = await startApp(config, logger);
      } catch (error) {
        logger.debug({ err: error }, 'start-up failed');
        process.exitCode = printError(json, error);
        return;
      }
      printResult(
        json,
        { url: app.webChatUrl },
        `Retouch is running. Open the local chat at ${app.webChatUrl} (type /help there). Press Ctrl+C to stop.`,
      );

      const running = app;
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
          process.exit(EXIT_FAILURE);
        }
        stopping = true;
        logger.info({ signal }, 'shutting down');
        const limit = setTimeout(() => {
          logger.error('shutdown took too long; exiting');
          process.exit(EXIT_FAILURE);
        }, SHUTDOWN_LIMIT_MS);
        limit.unref();
        running.stop().then(
          () => {
            logger.info('stopped cleanly');
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'error while shutting down');
            process.exit(EXIT_FAILURE);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
}
