// `retouch discord register` puts the slash commands (and "Edit with Retouch") on Discord;
// `retouch discord commands` shows what it would register.
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/env.ts';
import { EXIT_FAILURE, EXIT_USAGE, printError, printResult, UsageError } from './output.ts';

const SNOWFLAKE = /^\d{17,20}$/;

export function registerDiscord(program: Command): void {
  const discord = program.command('discord').description('Discord: register the bot\'s commands, or show them');

  discord
    .command('register')
    .description('register the slash commands and the "Edit with Retouch" menu command with Discord (needs DISCORD_TOKEN and DISCORD_APPLICATION_ID)')
    .option('--guild <id>', 'register in this server only: shown at once, for development (without it: globally, which Discord may take up to an hour to show)')
    .option('--api <url>', 'Discord\'s API base URL', 'https://discord.com/api')
    .option('--json', 'print the registered commands as JSON')
    .action(async (options: { guild?: string; api: string; json?: boolean }) => {
      const json = options.json === true;
      try {
        const config = loadConfig();
        if (!config.discord) throw new UsageError('DISCORD_TOKEN is not set; it is the bot token from the Discord developer portal (Bot → Reset Token)');
        const { token, applicationId } = config.discord;
        if (!applicationId) throw new UsageError('DISCORD_APPLICATION_ID is not set; it is the Application ID on the developer portal\'s General Information page');
        if (options.guild !== undefined && !SNOWFLAKE.test(options.guild)) throw new UsageError(`--guild must be a server id (17–20 digits), not "${options.guild}"`);
        const [{ registerCommands }, { createDefaultRegistry }] = await Promise.all([
          import('../platforms/discord/registration.ts'),
          import('../../commands/index.ts'),
        ]);
        const result = await registerCommands({ token, applicationId, guildId: options.guild, commands: createDefaultRegistry(), rest: { api: options.api } });
        const names = result.commands.map((command) => (command.type === 1 ? `/${command.name}` : `"${command.name}"`)).join(', ');
        const where = result.scope === 'guild' ? `in server ${result.guildId} (available now)` : 'globally (Discord may take up to an hour to show them everywhere)';
        printResult(json, result, `Registered ${result.commands.length} commands ${where}: ${names}.`);
      } catch (error) {
        process.exitCode = printError(json, error, error instanceof UsageError || error instanceof ConfigError ? EXIT_USAGE : EXIT_FAILURE);
      }
    });

  discord
    .command('commands')
    .description('print the commands `register` would send to Discord')
    .option('--json', 'print the exact JSON body of the registration')
    .action(async (options: { json?: boolean }) => {
      const [{ commandRegistrationJson }, { createDefaultRegistry }] = await Promise.all([
        import('../platforms/discord/registration.ts'),
        import('../../commands/index.ts'),
      ]);
      const body = commandRegistrationJson(createDefaultRegistry());
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
        return;
      }
      const lines = body.map((command) => {
        if (command.type !== 1) return `"${command.name}" (message menu command)`;
        const options = ('options' in command ? (command.options ?? []) : []).map((option) => `${option.name}${option.required ? '' : '?'}`);
        return `/${command.name} ${options.join(' ')}`.trimEnd();
      });
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
