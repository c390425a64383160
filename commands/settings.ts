// /settings: your defaults for /imagine and /edit (steps, guidance), and, for admins, the
// workspace's defaults and the channels the bot listens in.
import { defineCommand, type CommandContext } from '../src/chat/command.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import {
  BUILT_IN_DEFAULTS,
  SETTING_LIMITS,
  normaliseChannel,
  readUserSettings,
  readWorkspaceSettings,
  showChannel,
  updateSettings,
  UserSettings,
  USER_SETTINGS,
  WorkspaceSettings,
  WORKSPACE_SETTINGS,
  type SettingName,
  type SettingsScope,
} from '../src/chat/settings.ts';

function showValue(name: 'steps' | 'guidance', own: number | undefined, fallback: { value: number | undefined; from: string }): string {
  if (own !== undefined) return `- ${name}: **${own}**`;
  if (fallback.value !== undefined) return `- ${name}: not set (the ${fallback.from}'s **${fallback.value}** applies)`;
  return `- ${name}: not set (the built-in **${BUILT_IN_DEFAULTS[name]}** applies)`;
}

function showModel(context: CommandContext, own: string | undefined, fallback: { value: string | undefined; from: string }): string {
  if (own !== undefined) return `- model: **${escapeMarkdown(own)}**`;
  if (fallback.value !== undefined) return `- model: not set (the ${fallback.from}'s **${escapeMarkdown(fallback.value)}** applies)`;
  return `- model: not set (this bot's default **${escapeMarkdown(context.models.defaultName)}** applies)`;
}

/** "`world-sd` (the default), `sd-1.5`" */
function listModels(context: CommandContext): string {
  return context.models.names.map((name) => `\`${name}\`${name === context.models.defaultName ? ' (the default)' : ''}`).join(', ');
}

function showChannels(channels: string[] | undefined): string {
  return channels ? `- channels: ${channels.map(showChannel).join(', ')} (messages elsewhere are ignored; slash commands work everywhere)` : '- channels: every channel';
}

async function overview(context: CommandContext): Promise<string> {
  const [user, workspace] = await Promise.all([
    context.prisma.user.findUniqueOrThrow({ where: { id: context.user.id }, select: { settings: true } }),
    context.prisma.workspace.findUniqueOrThrow({ where: { id: context.workspace.id }, select: { settings: true } }),
  ]);
  const mine = readUserSettings(user.settings);
  const shared = readWorkspaceSettings(workspace.settings);
  const none = { value: undefined, from: '' };
  return [
    '**Your defaults** (for `/imagine` and `/edit` when you don\'t give them)',
    showValue('steps', mine.steps, { value: shared.steps, from: 'workspace' }),
    showValue('guidance', mine.guidance, { value: shared.guidance, from: 'workspace' }),
    showModel(context, mine.model, { value: shared.model, from: 'workspace' }),
    '',
    `**Workspace defaults** (${escapeMarkdown(context.workspace.name)})`,
    showValue('steps', shared.steps, none),
    showValue('guidance', shared.guidance, none),
    showModel(context, shared.model, none),
    showChannels(shared.channels),
    '',
    `Models: ${listModels(context)}.`,
    '',
    'Change yours with e.g. `/settings steps:30`, clear them with `/settings reset:all`. Admins change the workspace\'s with `/settings scope:workspace steps:30 channels:#art,#bots`.',
  ].join('\n');
}

/** The names in `reset:` ("steps, guidance", "all"), or the problem with them. */
function readReset(text: string | undefined, allowed: readonly SettingName[], scope: SettingsScope): SettingName[] | { problem: string } {
  if (text === undefined) return [];
  const names = text.split(/[\s,]+/).filter(Boolean).map((n) => n.toLowerCase());
  if (names.includes('all')) return [...allowed];
  const unknown = names.filter((n) => !(allowed as readonly string[]).includes(n));
  if (unknown.length > 0) {
    return { problem: `\`reset\` takes ${allowed.map((n) => `\`${n}\``).join(', ')} or \`all\`${scope === 'user' ? ' for your settings' : ''}; \`${escapeMarkdown(unknown.join(', '))}\` is not one of them` };
  }
  return names as SettingName[];
}

/** `#a,#b` (or `all`, which clears the list) as channel ids/names, or the problem with them. */
function readChannels(text: string): { channels: string[] } | { all: true } | { problem: string } {
  const entries = text.split(/[\s,]+/).filter(Boolean);
  if (entries.length === 1 && ['all', 'any', 'everywhere'].includes(entries[0]!.toLowerCase())) return { all: true };
  const channels: string[] = [];
  for (const entry of entries) {
    const id = normaliseChannel(entry);
    if (id === undefined) return { problem: `\`${escapeMarkdown(entry)}\` is not a channel (write channels as #name or mention them, separated by commas)` };
    if (!channels.includes(id)) channels.push(id);
  }
  return { channels };
}

export const settings = defineCommand({
  name: 'settings',
  description: 'Shows or changes your defaults (steps, guidance, model) and, for admins, the workspace\'s.',
  options: {
    steps: { type: 'integer', description: 'Default sampling steps for /imagine and /edit', ...SETTING_LIMITS.steps },
    guidance: { type: 'number', description: 'Default guidance: how closely to follow the prompt', ...SETTING_LIMITS.guidance },
    scope: { type: 'string', description: 'Whose settings: yours (user, default) or the workspace\'s (admins)', choices: ['user', 'workspace'] },
    channels: { type: 'string', description: 'Workspace only: the channels the bot listens in, e.g. #art,#bots, or all' },
    model: { type: 'string', description: 'Default model for /imagine, /edit and /invert (/settings lists them)' },
    reset: { type: 'string', description: 'Settings to clear back to the default: steps, guidance, model, channels or all' },
  },
  examples: [
    { usage: '/settings', description: 'show your and the workspace\'s settings' },
    { usage: '/settings steps:30', description: 'draw and edit with 30 steps unless you say otherwise' },
    { usage: '/settings scope:workspace channels:#art,#bots', description: 'admins: listen only in #art and #bots' },
    { usage: '/settings model:world-sd', description: 'draw and edit with that model' },
    { usage: '/settings reset:all', description: 'clear your own settings' },
  ],
  async run(context, args) {
    const scope: SettingsScope = args.scope === 'workspace' ? 'workspace' : 'user';
    const changing = args.steps !== undefined || args.guidance !== undefined || args.model !== undefined || args.channels !== undefined || args.reset !== undefined;
    if (!changing) {
      await context.reply({ text: await overview(context), ephemeral: true });
      return;
    }
    const refuse = (problem: string) => context.reply({ text: `I changed nothing: ${problem}.`, ephemeral: true });
    if (scope === 'workspace' && context.message.user.isAdmin !== true) {
      await refuse(`only an admin of ${escapeMarkdown(context.workspace.name)} can change the workspace's settings. You can change your own with e.g. \`/settings steps:30\``);
      return;
    }
    if (scope === 'user' && args.channels !== undefined) {
      await refuse('`channels` is a workspace setting; an admin sets it with `/settings scope:workspace channels:#art,#bots`');
      return;
    }
    const reset = readReset(args.reset, scope === 'user' ? USER_SETTINGS : WORKSPACE_SETTINGS, scope);
    if (!Array.isArray(reset)) {
      await refuse(reset.problem);
      return;
    }
    const changes: Record<string, unknown> = {};
    if (args.steps !== undefined) changes.steps = args.steps;
    if (args.guidance !== undefined) changes.guidance = args.guidance;
    if (args.model !== undefined) {
      const name = args.model.trim().toLowerCase();
      if (!context.models.names.includes(name)) {
        await refuse(`this bot has no model \`${escapeMarkdown(args.model)}\`; it has ${listModels(context)}`);
        return;
      }
      changes.model = name;
    }
    if (args.channels !== undefined) {
      const read = readChannels(args.channels);
      if ('problem' in read) {
        await refuse(read.problem);
        return;
      }
      if ('all' in read) reset.push('channels');
      else changes.channels = read.channels;
    }
    const both = reset.filter((name) => name in changes);
    if (both.length > 0) {
      await refuse(`\`${both.join('`, `')}\` is both set and reset; do one or the other`);
      return;
    }
    const checked = (scope === 'user' ? UserSettings.strict() : WorkspaceSettings.strict()).safeParse(changes);
    if (!checked.success) {
      await refuse(checked.error.issues.map((issue) => issue.message).join('; '));
      return;
    }
    const id = scope === 'user' ? context.user.id : context.workspace.id;
    const stored = await updateSettings(context.prisma, scope, id, checked.data, reset);
    context.logger.info({ scope, id, changes: checked.data, reset }, 'settings changed');
    const whose = scope === 'user' ? 'Your defaults' : `The defaults of ${escapeMarkdown(context.workspace.name)}`;
    // Yours fall back on the workspace's; the workspace's on the built-in ones.
    const fallback =
      scope === 'user'
        ? readWorkspaceSettings((await context.prisma.workspace.findUniqueOrThrow({ where: { id: context.workspace.id }, select: { settings: true } })).settings)
        : {};
    const lines = [
      `Saved. ${whose} are now:`,
      showValue('steps', stored.steps, { value: fallback.steps, from: 'workspace' }),
      showValue('guidance', stored.guidance, { value: fallback.guidance, from: 'workspace' }),
      showModel(context, stored.model, { value: fallback.model, from: 'workspace' }),
    ];
    if (scope === 'workspace') lines.push(showChannels((stored as WorkspaceSettings).channels));
    await context.reply({ text: lines.join('\n'), ephemeral: true });
  },
});
