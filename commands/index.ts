// Every command the bot offers, in the order /help lists them. Add a command by adding its file
// here; every platform picks it up.
import type { Command } from '../src/chat/command.ts';
import { createCommandRegistry, type CommandRegistry } from '../src/chat/registry.ts';
import { help } from './help.ts';

export const allCommands: readonly Command[] = [help];

export function createDefaultRegistry(): CommandRegistry {
  return createCommandRegistry(allCommands);
}
