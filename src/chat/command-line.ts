// Reads what a user typed into a command name and typed arguments. Two forms, mixable:
//   /help imagine                 free text, which goes to the command's first option
//   /name option:value other:"a b" named options; a value runs until the next `option:`
import type { Command, OptionDefinition } from './command.ts';

export interface CommandLine {
  /** Lowercased, without the slash; may be empty for a lone `/`. */
  name: string;
  /** Everything after the name, trimmed. */
  rest: string;
}

export type ArgumentValue = string | number | boolean;
export type ParsedArguments = Record<string, ArgumentValue | undefined>;

export type ArgumentsResult = { ok: true; args: ParsedArguments } | { ok: false; problem: string };

/** Undefined when the text is not a command (does not start with `/`). */
export function splitCommandLine(text: string): CommandLine | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('/')) return undefined;
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(trimmed);
  return { name: (match?.[1] ?? '').toLowerCase(), rest: (match?.[2] ?? '').trim() };
}

export function parseArguments(command: Command, rest: string): ArgumentsResult {
  const options = Object.entries(command.options);
  const raw = new Map<string, string>();
  const problems: string[] = [];

  const give = (name: string, value: string) => {
    if (raw.has(name)) problems.push(`\`${name}\` is given twice`);
    raw.set(name, unquote(value.trim()));
  };

  const names = options.map(([name]) => name);
  const markers = names.length === 0 ? [] : [...rest.matchAll(optionMarker(names))];
  const freeText = rest.slice(0, markers[0]?.index ?? rest.length).trim();
  if (freeText !== '') {
    const first = options[0];
    if (first === undefined) problems.push(`/${command.name} takes no options, but got "${freeText}"`);
    else give(first[0], freeText);
  }
  markers.forEach((marker, i) => {
    const name = (marker[2] ?? '').toLowerCase();
    const start = (marker.index ?? 0) + marker[0].length;
    const value = rest.slice(start, markers[i + 1]?.index ?? rest.length);
    // A value that is no free text ("method:sae.move target:star") swallowed an option this command
    // doesn't have: name that, not the whole run as a bad value.
    const unknown = isFreeText(command.options[name] as OptionDefinition) ? undefined : /(?:^|\s)([a-z][a-z0-9_-]*):/i.exec(value)?.[1];
    if (unknown) {
      problems.push(`/${command.name} has no option \`${unknown.toLowerCase()}:\` (its options: ${names.map((n) => `\`${n}:\``).join(', ')})`);
      give(name, value.slice(0, value.search(/(?:^|\s)[a-z][a-z0-9_-]*:/i)));
    } else {
      give(name, value);
    }
  });

  return typed(command, raw, problems);
}

/**
 * For platforms that deliver options already split (Discord's and Slack's slash commands): checks
 * and converts them exactly as typed-out text would be.
 */
export function checkArguments(command: Command, given: Record<string, ArgumentValue>): ArgumentsResult {
  const raw = new Map<string, string>();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (command.options[name] === undefined) problems.push(`/${command.name} has no option \`${name}\``);
    else raw.set(name, String(value).trim());
  }
  return typed(command, raw, problems);
}

function typed(command: Command, raw: Map<string, string>, problems: string[]): ArgumentsResult {
  const args: ParsedArguments = {};
  for (const [name, option] of Object.entries(command.options)) {
    const text = raw.get(name);
    if (text === undefined || text === '') {
      if (text === '') problems.push(`\`${name}\` needs a value`);
      else if (option.required) problems.push(`\`${name}\` is required (${option.description})`);
      args[name] = undefined;
      continue;
    }
    const converted = convert(name, option, text);
    if (typeof converted === 'object') problems.push(converted.problem);
    else args[name] = converted;
  }
  return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, args };
}

function isFreeText(option: OptionDefinition): boolean {
  return option.type === 'string' && option.choices === undefined;
}

/** Matches ` name:` for the known option names, at the start or after whitespace. */
function optionMarker(names: string[]): RegExp {
  // Option names are [a-z0-9_-] (the registry checks), so they need no escaping.
  return new RegExp(`(^|\\s)(${names.join('|')}):`, 'gi');
}

function unquote(value: string): string {
  const quoted = /^"([\s\S]*)"$/.exec(value) ?? /^'([\s\S]*)'$/.exec(value);
  return quoted?.[1] ?? value;
}

/** What an option accepts, in words: "a whole number from 1 to 500", "one of `top`, `recent`, `mine`". */
export function accepted(option: OptionDefinition): string {
  if (option.choices) return `one of ${option.choices.map((c) => `\`${c}\``).join(', ')}`;
  const kind = { string: 'text', integer: 'a whole number', number: 'a number', boolean: 'true or false' }[option.type];
  const { min, max } = option;
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  if (min !== undefined) return `${kind} of at least ${min}`;
  if (max !== undefined) return `${kind} of at most ${max}`;
  return kind;
}

/** "`steps` must be a whole number from 1 to 500, not 100000": the option, what it accepts, and what was given. */
export function refusal(name: string, option: OptionDefinition, given: string): string {
  const shown = given.length > 40 ? `${given.slice(0, 40)}…` : given;
  return `\`${name}\` must be ${accepted(option)}, not "${shown.replace(/[`"]/g, "'")}"`;
}

function convert(name: string, option: OptionDefinition, text: string): ArgumentValue | { problem: string } {
  const inRange = (value: number) =>
    (option.min === undefined || value >= option.min) && (option.max === undefined || value <= option.max) ? value : { problem: refusal(name, option, text) };
  switch (option.type) {
    case 'string': {
      if (!option.choices) return text;
      const choice = option.choices.find((c) => c.toLowerCase() === text.toLowerCase());
      return choice ?? { problem: refusal(name, option, text) };
    }
    case 'integer':
      return /^[-+]?\d+$/.test(text) ? inRange(Number(text)) : { problem: refusal(name, option, text) };
    case 'number': {
      const value = Number(text);
      return Number.isFinite(value) && text.trim() !== '' ? inRange(value) : { problem: refusal(name, option, text) };
    }
    case 'boolean': {
      const lowered = text.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(lowered)) return true;
      if (['false', 'no', 'off', '0'].includes(lowered)) return false;
      return { problem: refusal(name, option, text) };
    }
  }
}
