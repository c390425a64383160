import type { Command } from 'commander';
import { createDefaultRegistry } from '../../commands/index.ts';
import { slackManifestJson } from '../platforms/slack/manifest.ts';
import { EXIT_USAGE } from './output.ts';

/** `retouch slack manifest [--url <base>]`: the Slack app manifest to create the app from. */
export function registerSlack(program: Command): void {
  const slack = program.command('slack').description('Slack app set-up');
  slack
    .command('manifest')
    .description('print the Slack app manifest (Socket Mode; with --url, HTTP requests to <url>/slack/events)')
    .option('--url <public base url>', 'the https address where Slack can reach this bot, e.g. https://retouch.example.com')
    .action((options: { url?: string }) => {
      if (options.url !== undefined && !/^https:\/\/[^\s/]+/.test(options.url)) {
        process.stderr.write(`retouch: --url must be an https:// address Slack can reach, not "${options.url}"\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      process.stdout.write(slackManifestJson(createDefaultRegistry(), options.url));
    });
}
