// The application commands Discord shows, built from the command registry (one slash command per
// command, with typed options, and an `image` attachment option where a command takes an image)
// plus the message context-menu command "Edit with Retouch"; and their registration.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  REST,
  Routes,
  type APIApplicationCommand,
  type APIApplicationCommandBasicOption,
  type RESTPostAPIApplicationCommandsJSONBody,
  type RESTOptions,
} from 'discord.js';
import type { CommandRegistry } from '../../chat/command.ts';

/** The message context-menu command; its name is what Discord shows under "Apps". */
export const EDIT_MENU_COMMAND = 'Edit with Retouch';
/** The attachment option a command that takes an image gets. */
export const IMAGE_OPTION = 'image';
const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;


/** In servers only: the bot's records are per server, and Manage Messages decides who may moderate. */
const WHERE = {
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
};

export class CommandRegistrationError extends Error {
  override name = 'CommandRegistrationError';
}

export function commandRegistrationJson(commands: CommandRegistry): RESTPostAPIApplicationCommandsJSONBody[] {
  const slash = commands.list().map((command): RESTPostAPIApplicationCommandsJSONBody => {
    const options: APIApplicationCommandBasicOption[] = Object.entries(command.options).map(([name, option]): APIApplicationCommandBasicOption => {
      if (option.choices && option.choices.length > MAX_CHOICES) {
        throw new CommandRegistrationError(`/${command.name} option ${name} has more than ${MAX_CHOICES} choices, Discord's limit`);
      }
      const base = { name, description: option.description, required: option.required ?? false };
      const bounds = { ...(option.min !== undefined ? { min_value: option.min } : {}), ...(option.max !== undefined ? { max_value: option.max } : {}) };
      switch (option.type) {
        case 'string':
          return {
            ...base,
            type: ApplicationCommandOptionType.String,
            ...(option.choices ? { choices: option.choices.map((choice) => ({ name: choice, value: choice })) } : {}),
          };
        case 'integer':
          return { ...base, type: ApplicationCommandOptionType.Integer, ...bounds };
        case 'number':
          return { ...base, type: ApplicationCommandOptionType.Number, ...bounds };
        case 'boolean':
          return { ...base, type: ApplicationCommandOptionType.Boolean };
      }
    });
    if (command.image) {
      if (IMAGE_OPTION in command.options) throw new CommandRegistrationError(`/${command.name} takes an image and also has an option named "${IMAGE_OPTION}"`);
      options.push({
        type: ApplicationCommandOptionType.Attachment,
        name: IMAGE_OPTION,
        description: command.image.description,
        required: command.image.required ?? false,
      });
    }
    if (options.length > MAX_OPTIONS) throw new CommandRegistrationError(`/${command.name} has more than ${MAX_OPTIONS} options, Discord's limit`);
    // Discord wants required options before optional ones; the sort is stable, so each group keeps its order.
    options.sort((a, b) => Number(b.required) - Number(a.required));
    return { type: ApplicationCommandType.ChatInput, name: command.name, description: command.description, options, ...WHERE };
  });
  return [...slash, { type: ApplicationCommandType.Message, name: EDIT_MENU_COMMAND, ...WHERE }];
}

export interface RegisterOptions {
  token: string;
  applicationId: string;
  commands: CommandRegistry;
  /** Registers in this server only (shown at once; for development); without it, everywhere. */
  guildId?: string | undefined;
  /** Where Discord's API is (tests point this at a stand-in). */
  rest?: Partial<Pick<RESTOptions, 'api' | 'cdn' | 'retries' | 'timeout'>>;
}

export interface RegisterResult {
  scope: 'guild' | 'global';
  guildId?: string;
  commands: Array<{ id: string; name: string; type: number }>;
}

/** Replaces the application's commands (in one server, or globally) with the registry's. */
export async function registerCommands(options: RegisterOptions): Promise<RegisterResult> {
  const body = commandRegistrationJson(options.commands);
  const rest = new REST({ ...options.rest }).setToken(options.token);
  try {
    const route = options.guildId
      ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
      : Routes.applicationCommands(options.applicationId);
    const registered = (await rest.put(route, { body })) as APIApplicationCommand[];
    return {
      scope: options.guildId ? 'guild' : 'global',
      ...(options.guildId ? { guildId: options.guildId } : {}),
      commands: registered.map(({ id, name, type }) => ({ id, name, type })),
    };
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}
