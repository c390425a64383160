// /help: the commands that exist, generated from the registry so it can never list one that isn't there.
import type { Command, OptionDefinition } from '../src/chat/command.ts';
import { defineCommand } from '../src/chat/command.ts';
import { MAX_SIDE_PIXELS, MAX_UPLOAD_BYTES, formatBytes } from '../src/chat/images.ts';

const TYPE_NAMES: Record<OptionDefinition['type'], string> = {
  string: 'text',
  integer: 'whole number',
  number: 'number',
  boolean: 'true/false',
};

export const help = defineCommand({
  name: 'help',
  description: 'Lists the commands, or explains one of them.',
  options: {
    command: { type: 'string', description: 'The command to explain, e.g. help' },
  },
  examples: [
    { usage: '/help', description: 'list every command' },
    { usage: '/help help', description: 'explain one command: its options and examples' },
  ],
  async run(context, { command: wanted }) {
    const commands = context.commands.list();
    if (wanted === undefined) {
      await context.reply(overview(commands));
      return;
    }
    const name = wanted.replace(/^\//, '').toLowerCase();
    const command = context.commands.get(name);
    if (command === undefined) {
      const known = commands.map((c) => `\`/${c.name}\``).join(', ');
      await context.reply(`There is no command \`/${name}\`. The commands are: ${known}.`);
      return;
    }
    await context.reply(details(command));
  },
});

function overview(commands: readonly Command[]): string {
  const lines = ['**Commands**'];
  for (const command of commands) {
    lines.push(`- \`/${command.name}\`: ${command.description}`);
    for (const example of command.examples) lines.push(`  - \`${example.usage}\`: ${example.description}`);
  }
  lines.push(
    '',
    `**Images**: attach a PNG, JPEG, WebP or GIF (up to ${formatBytes(MAX_UPLOAD_BYTES)} and ${MAX_SIDE_PIXELS} pixels per side) ` +
      'to any message and I store it; `/edit` then changes your latest image (or the one attached to the `/edit` message).',
    '',
    'Type `/help <command>` for one command\'s options.',
  );
  return lines.join('\n');
}

function details(command: Command): string {
  const lines = [`**/${command.name}**: ${command.description}`];
  const options = Object.entries(command.options);
  if (options.length > 0) {
    lines.push('', '**Options**');
    for (const [name, option] of options) {
      const kind = option.choices ? `one of ${option.choices.join(', ')}` : TYPE_NAMES[option.type];
      lines.push(`- \`${name}\` (${kind}, ${option.required ? 'required' : 'optional'}): ${option.description}`);
    }
    const [first] = options;
    if (first) lines.push('', `Write options as \`${first[0]}:value\`; text right after the command goes to \`${first[0]}\`.`);
  }
  lines.push('', '**Examples**');
  for (const example of command.examples) lines.push(`- \`${example.usage}\`: ${example.description}`);
  return lines.join('\n');
}
