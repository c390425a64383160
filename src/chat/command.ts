// A command's definition: everything a platform needs to register it (Discord's slash commands,
// Slack's, the web chat's help) and the handler every platform shares.
import type { Logger } from '../log.ts';
import type { PrismaClient } from '../store/database.ts';
import type { JobQueue } from '../jobs/index.ts';
import type { ModelCatalog } from '../models/catalog.ts';
import type { ButtonPress, IncomingMessage, Reply, ReplyAddress } from './messages.ts';
import type { StoredImage } from '../store/images.ts';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean';

export interface OptionDefinition {
  type: OptionType;
  description: string;
  required?: boolean;
  /** The only values accepted, when the option is a fixed choice. */
  choices?: readonly string[];
  /** Inclusive bounds of a number or integer option. */
  min?: number;
  max?: number;
}

export type OptionDefinitions = Record<string, OptionDefinition>;

type ValueOf<T extends OptionDefinition> = T['type'] extends 'string'
  ? string
  : T['type'] extends 'boolean'
    ? boolean
    : number;

/** The parsed arguments a handler receives, typed from its option definitions. */
export type ArgumentsOf<O extends OptionDefinitions> = {
  [K in keyof O]: O[K]['required'] extends true ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

export interface UsageExample {
  /** What to type, e.g. `/help help`. */
  usage: string;
  description: string;
  /** `sd`: only makes sense with Stable Diffusion weights (the shipped model can't draw it); /help shows it only when some are configured. */
  model?: 'sd';
}

/** A reply already sent, which the handler may keep updating (progress, then the result). */
export interface SentReply {
  id: string;
  /** Where it can be updated from another process (ReplyChannel.addressOf). */
  address?: ReplyAddress | undefined;
  update(reply: Reply): Promise<void>;
}

export interface CommandContext {
  message: IncomingMessage;
  /** Database rows for where and who, created on first contact. */
  workspace: { id: string; name: string };
  user: { id: string; displayName: string };
  /** Images attached to this message, already validated and stored. */
  images: StoredImage[];
  commands: CommandRegistry;
  prisma: PrismaClient;
  logger: Logger;
  /** Where GPU work goes (workers in this or other processes take it); absent: none can be done. */
  jobs?: JobQueue | undefined;
  /** The models this deployment's workers offer, by name (the first is the default). */
  models: Pick<ModelCatalog, 'names' | 'defaultName'>;
  reply(reply: Reply | string): Promise<SentReply>;
}

export interface ButtonContext extends Omit<CommandContext, 'message' | 'images'> {
  /** The reply whose button was pressed. */
  replyId: string;
  /** The press as the platform reported it: who (with isAdmin), where, and its id (an idempotency key). */
  press: ButtonPress;
  /** Replaces the content of the reply whose button was pressed (a deleted result, a new vote count). */
  updatePressed(reply: Reply): Promise<void>;
}

export interface CommandDefinition<O extends OptionDefinitions = OptionDefinitions> {
  /** Lowercase, 1–32 of a–z, 0–9, `-`, `_` (Discord's rule, so every platform accepts it). */
  name: string;
  /** One line, at most 100 characters (Discord's limit). */
  description: string;
  /**
   * In declaration order; required ones first (Discord's rule). Text after the command that names
   * no option (`/help imagine`) goes to the first option.
   */
  options: O;
  /**
   * The command works on an image the user may attach (Discord registers an optional attachment
   * option named `image`; Slack and the web chat take a file sent with the command). The handler
   * finds it in `context.images`.
   */
  image?: { description: string; required?: boolean };
  examples: UsageExample[];
  run(context: CommandContext, args: ArgumentsOf<O>): Promise<void>;
  /** Handles presses of the buttons this command put on its replies (`<name>:<payload>`). */
  onButton?(context: ButtonContext, payload: string): Promise<void>;
}

/** A command with its argument types erased, as the registry and dispatcher hold it. */
export type Command = CommandDefinition<OptionDefinitions> & {
  run(context: CommandContext, args: Record<string, string | number | boolean | undefined>): Promise<void>;
};

/** The set of commands the bot offers (src/chat/registry.ts builds and checks it). */
export interface CommandRegistry {
  get(name: string): Command | undefined;
  /** In the order they were registered. */
  list(): readonly Command[];
}

/** Declares a command; `const` keeps the option literals so `run` gets typed arguments. */
export function defineCommand<const O extends OptionDefinitions>(definition: CommandDefinition<O>): Command {
  return definition as unknown as Command;
}
