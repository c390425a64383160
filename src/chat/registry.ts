// The set of commands the bot offers, checked once at start-up against the strictest platform's
// rules (Discord's), so a command that works in the web chat can also be registered there.
import type { Command, CommandRegistry } from './command.ts';

const NAME_PATTERN = /^[a-z0-9_-]{1,32}$/;
const MAX_DESCRIPTION = 100;

export class InvalidCommandError extends Error {
  override name = 'InvalidCommandError';
}

export function createCommandRegistry(commands: readonly Command[]): CommandRegistry {
  const byName = new Map<string, Command>();
  for (const command of commands) {
    for (const problem of problemsWith(command)) throw new InvalidCommandError(`/${command.name}: ${problem}`);
    if (byName.has(command.name)) throw new InvalidCommandError(`/${command.name} is defined twice`);
    byName.set(command.name, command);
  }
  const ordered = [...byName.values()];
  return {
    get: (name) => byName.get(name.toLowerCase()),
    list: () => ordered,
  };
}

function problemsWith(command: Command): string[] {
  const problems: string[] = [];
  const checkText = (what: string, name: string, description: string) => {
    if (!NAME_PATTERN.test(name)) problems.push(`${what} name "${name}" must be 1–32 of a–z, 0–9, - and _`);
    if (description.trim() === '') problems.push(`${what} "${name}" needs a description`);
    if (description.length > MAX_DESCRIPTION) problems.push(`${what} "${name}" description is over ${MAX_DESCRIPTION} characters`);
  };
  checkText('command', command.name, command.description);
  let sawOptional = false;
  for (const [name, option] of Object.entries(command.options)) {
    checkText('option', name, option.description);
    if (option.required && sawOptional) problems.push(`required option "${name}" comes after an optional one`);
    if (!option.required) sawOptional = true;
    if (option.choices && option.type !== 'string') problems.push(`option "${name}" has choices but is not a string`);
    if ((option.min !== undefined || option.max !== undefined) && option.type !== 'integer' && option.type !== 'number') problems.push(`option "${name}" has bounds but is not a number`);
  }
  if (command.examples.length === 0) problems.push('needs at least one usage example');
  for (const example of command.examples) {
    if (!example.usage.startsWith(`/${command.name}`)) problems.push(`example "${example.usage}" does not start with /${command.name}`);
  }
  return problems;
}
