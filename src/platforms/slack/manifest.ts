// The Slack app's manifest, generated from the command registry so it can't list a command that
// doesn't exist or miss one that does. Slack's built-in commands (/status, /me, …) can't be taken
// by an app, so a command with such a name is registered as /retouch-<name>.
import type { Command } from '../../chat/command.ts';
import type { CommandRegistry } from '../../chat/command.ts';

/** Slack's own slash commands (https://slack.com/help/articles/201259356); a manifest naming one is refused. */
const SLACK_BUILT_IN = new Set([
  'active', 'away', 'archive', 'call', 'collapse', 'dm', 'dnd', 'expand', 'feed', 'feedback', 'invite', 'join',
  'leave', 'me', 'msg', 'mute', 'open', 'prefs', 'pro', 'remind', 'remove', 'rename', 'search', 'shortcuts', 'shrug',
  'star', 'status', 'topic', 'who',
]);

export const EVENTS_PATH = '/slack/events';
export const EDIT_SHORTCUT_ID = 'retouch_edit';
export const EDIT_MODAL_ID = 'retouch_edit_modal';

/** The Slack command (with its slash) for a registry command. */
export function slackCommandName(command: Pick<Command, 'name'>): string {
  return SLACK_BUILT_IN.has(command.name) ? `/retouch-${command.name}` : `/${command.name}`;
}

/** The bot token scopes the adapter uses, each for a reason named in the README. */
export const BOT_SCOPES = [
  'app_mentions:read',
  'channels:history',
  'chat:write',
  'chat:write.public',
  'commands',
  'files:read',
  'files:write',
  'groups:history',
  'im:history',
  'mpim:history',
  'reactions:read',
  'users:read',
] as const;

/**
 * Without `publicUrl` the app uses Socket Mode (no public address needed); with it, Slack sends
 * events, commands and interactions to `<publicUrl>/slack/events`.
 */
export function slackManifest(commands: CommandRegistry, publicUrl?: string): Record<string, unknown> {
  const requestUrl = publicUrl === undefined ? undefined : `${publicUrl.replace(/\/+$/, '')}${EVENTS_PATH}`;
  const withUrl = <T extends object>(value: T, key: string): T => (requestUrl === undefined ? value : { ...value, [key]: requestUrl });
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: 'Retouch',
      description: 'Draws and edits images with diffusion models.',
      long_description:
        'Retouch draws pictures from a prompt (/imagine) and edits them by plain-English instructions (/edit, or mention @Retouch in the thread of an image). ' +
        'Results come with buttons to cancel, undo, or push an edit further. Images are processed on your own server; nothing is sent to a third party.',
      background_color: '#2f3a4a',
    },
    features: {
      bot_user: { display_name: 'Retouch', always_online: true },
      slash_commands: commands.list().map((command) =>
        withUrl(
          {
            command: slackCommandName(command),
            description: command.description,
            ...(usageHint(command) ? { usage_hint: usageHint(command) } : {}),
            should_escape: false,
          },
          'url',
        ),
      ),
      shortcuts: [
        {
          name: 'Edit with Retouch',
          type: 'message',
          callback_id: EDIT_SHORTCUT_ID,
          description: 'Edit the image in this message by describing the change',
        },
      ],
    },
    oauth_config: { scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      event_subscriptions: withUrl({ bot_events: ['app_mention', 'reaction_added', 'reaction_removed'] }, 'request_url'),
      interactivity: withUrl({ is_enabled: true }, 'request_url'),
      org_deploy_enabled: false,
      socket_mode_enabled: requestUrl === undefined,
      token_rotation_enabled: false,
    },
  };
}

/** The manifest as the committed slack/manifest.json holds it. */
export function slackManifestJson(commands: CommandRegistry, publicUrl?: string): string {
  return `${JSON.stringify(slackManifest(commands, publicUrl), null, 2)}\n`;
}

function usageHint(command: Command): string {
  const options = Object.entries(command.options);
  const [first, ...rest] = options;
  if (first === undefined) return '';
  const named = rest.map(([name]) => `${name}:…`).join(' ');
  return `[${first[0]}]${named ? ` ${named}` : ''}`.slice(0, 1000);
}
