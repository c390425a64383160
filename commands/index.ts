// Every command the bot offers, in the order /help lists them. Add a command by adding its file
// here; every platform picks it up.
import type { Command, CommandRegistry } from '../src/chat/command.ts';
import { createCommandRegistry } from '../src/chat/registry.ts';
import { cancel } from './cancel.ts';
import { concepts } from './concepts.ts';
import { editCommand } from './edit.ts';
import { gallery } from './gallery.ts';
import { help } from './help.ts';
import { imagine } from './imagine.ts';
import { invertCommand } from './invert.ts';
import { inversions } from './inversions.ts';
import { settings } from './settings.ts';
import { status } from './status.ts';

export const allCommands: readonly Command[] = [imagine, editCommand, invertCommand, inversions, concepts, gallery, cancel, settings, status, help];

export function createDefaultRegistry(): CommandRegistry {
  return createCommandRegistry(allCommands);
}
