// /help: the commands that exist, generated from the registry so it can never list one that isn't there.
import type { Command, CommandContext } from '../src/chat/command.ts';
import { defineCommand } from '../src/chat/command.ts';
import { accepted } from '../src/chat/command-line.ts';
import { MAX_SIDE_PIXELS, MAX_UPLOAD_BYTES, formatBytes } from '../src/chat/images.ts';
import { examplesFor, hasStableDiffusion, shippedWorld } from '../src/chat/wording.ts';
import { SHIPPED_MODEL_NAME } from '../src/models/catalog.ts';

type Models = CommandContext['models'];

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
      await context.reply(overview(commands, context.models));
      return;
    }
    const name = wanted.replace(/^\//, '').toLowerCase();
    const command = context.commands.get(name);
    if (command === undefined) {
      const known = commands.map((c) => `\`/${c.name}\``).join(', ');
      await context.reply(`There is no command \`/${name}\`. The commands are: ${known}.`);
      return;
    }
    await context.reply(details(command, context.models));
  },
});

function overview(commands: readonly Command[], models: Models): string {
  const lines = ['**Commands**'];
  for (const command of commands) {
    lines.push(`- \`/${command.name}\`: ${command.description}`);
    for (const example of examplesFor(command.examples, models)) lines.push(`  - \`${example.usage}\`: ${example.description}`);
  }
  lines.push('', `**What I can draw**: ${shippedWorld()}${modelsLine(models)}`);
  lines.push(
    '',
    `**Images**: attach a PNG, JPEG, WebP or GIF (up to ${formatBytes(MAX_UPLOAD_BYTES)} and ${MAX_SIDE_PIXELS} pixels per side) ` +
      'to any message and I store it; `/edit` then changes your latest image (or the one attached to the `/edit` message).',
    '',
    'Type `/help <command>` for one command\'s options.',
  );
  return lines.join('\n');
}

/** The other models, when Stable Diffusion weights are configured. */
function modelsLine(models: Models): string {
  if (!hasStableDiffusion(models)) return '';
  const others = models.names.filter((name) => name !== SHIPPED_MODEL_NAME).map((name) => `\`${name}\``);
  const isDefault = models.defaultName !== SHIPPED_MODEL_NAME ? ', the default here' : '';
  return ` With ${others.join(', ')} (Stable Diffusion${isDefault}) you can ask for anything; choose with \`/settings model:<name>\`.`;
}

function details(command: Command, models: Models): string {
  const lines = [`**/${command.name}**: ${command.description}`];
  const options = Object.entries(command.options);
  if (options.length > 0) {
    lines.push('', '**Options**');
    for (const [name, option] of options) {
      lines.push(`- \`${name}\` (${accepted(option)}, ${option.required ? 'required' : 'optional'}): ${option.description}`);
    }
    const [first] = options;
    if (first) lines.push('', `Write options as \`${first[0]}:value\`; text right after the command goes to \`${first[0]}\`.`);
  }
  if (command.name === 'imagine' || command.name === 'edit') lines.push('', shippedWorld() + modelsLine(models));
  lines.push('', '**Examples**');
  for (const example of examplesFor(command.examples, models)) lines.push(`- \`${example.usage}\`: ${example.description}`);
  return lines.join('\n');
}
