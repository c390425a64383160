// A Slack slash command arrives as one text (`a red star seed:7`); the chat layer wants Discord-like
// split options, which it then checks and converts itself (and which mark the message as a slash
// command, answered in every channel). Splitting uses the command-line grammar with every option
// read as text, so type errors are reported by the dispatcher exactly as for typed-out commands.
import type { Command } from '../../chat/command.ts';
import { parseArguments } from '../../chat/command-line.ts';

/** The option texts, or undefined when the text can't be split (e.g. an option given twice). */
export function splitSlashOptions(command: Command, text: string): Record<string, string> | undefined {
  const asText: Command = {
    ...command,
    options: Object.fromEntries(Object.entries(command.options).map(([name, option]) => [name, { description: option.description, type: 'string' as const }])),
  };
  const parsed = parseArguments(asText, text);
  if (!parsed.ok) return undefined;
  const options: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.args)) if (value !== undefined) options[name] = String(value);
  return options;
}
