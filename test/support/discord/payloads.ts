// Discord's objects as its API and gateway send them (snake_case, ids as snowflake strings), for the
// stand-in: users, members, roles, a server with one text channel, messages and attachments.

const DISCORD_EPOCH = 1_420_070_400_000n;
let increment = 0n;

/** A fresh snowflake: milliseconds since Discord's epoch (of `at`, default now), then a counter. */
export function snowflake(at = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

/** When a snowflake was made (ms since 1970), as discord.js reads an interaction's createdTimestamp. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** The permission bits the tests use (Discord's values). */
export const Permission = {
  CreateInstantInvite: 1n << 0n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  UseApplicationCommands: 1n << 31n,
} as const;

export const EVERYONE_PERMISSIONS =
  Permission.CreateInstantInvite | Permission.AddReactions | Permission.ViewChannel | Permission.SendMessages |
  Permission.EmbedLinks | Permission.AttachFiles | Permission.ReadMessageHistory | Permission.UseApplicationCommands;

export interface UserPayload {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
}

export function userPayload(username: string, options: { bot?: boolean; globalName?: string } = {}): UserPayload {
  return {
    id: snowflake(),
    username,
    discriminator: '0',
    global_name: options.globalName ?? null,
    avatar: null,
    ...(options.bot ? { bot: true } : {}),
  };
}

export interface RolePayload {
  id: string;
  name: string;
  color: number;
  hoist: boolean;
  icon: null;
  unicode_emoji: null;
  position: number;
  permissions: string;
  managed: boolean;
  mentionable: boolean;
  flags: number;
}

export function rolePayload(id: string, name: string, permissions: bigint, position: number): RolePayload {
  return { id, name, color: 0, hoist: false, icon: null, unicode_emoji: null, position, permissions: permissions.toString(), managed: false, mentionable: false, flags: 0 };
}

export interface ChannelPayload {
  id: string;
  type: 0;
  guild_id: string;
  name: string;
  position: number;
  permission_overwrites: [];
  nsfw: boolean;
  topic: null;
  last_message_id: null;
  rate_limit_per_user: number;
  parent_id: null;
}

export function channelPayload(guildId: string, name: string): ChannelPayload {
  return { id: snowflake(), type: 0, guild_id: guildId, name, position: 0, permission_overwrites: [], nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0, parent_id: null };
}

export interface MemberPayload {
  user: UserPayload;
  nick: string | null;
  avatar: null;
  roles: string[];
  joined_at: string;
  premium_since: null;
  deaf: boolean;
  mute: boolean;
  flags: number;
  pending: boolean;
  communication_disabled_until: null;
}

export function memberPayload(user: UserPayload, roles: string[]): MemberPayload {
  return { user, nick: null, avatar: null, roles, joined_at: new Date(0).toISOString(), premium_since: null, deaf: false, mute: false, flags: 0, pending: false, communication_disabled_until: null };
}

export interface AttachmentPayload {
  id: string;
  filename: string;
  description?: string;
  content_type?: string;
  size: number;
  url: string;
  proxy_url: string;
  width?: number;
  height?: number;
  ephemeral?: boolean;
}

export interface MessagePayload {
  id: string;
  type: number;
  channel_id: string;
  guild_id?: string;
  author: UserPayload;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: Array<UserPayload & { member?: Omit<MemberPayload, 'user'> }>;
  mention_roles: string[];
  attachments: AttachmentPayload[];
  embeds: unknown[];
  components: unknown[];
  pinned: boolean;
  flags: number;
  webhook_id?: string;
  application_id?: string;
  message_reference?: { type: 0; message_id: string; channel_id: string; guild_id?: string };
  referenced_message?: MessagePayload | null;
  interaction_metadata?: { id: string; type: number; user: UserPayload; authorizing_integration_owners: Record<string, string> };
  member?: Omit<MemberPayload, 'user'>;
  reactions?: ReactionPayload[];
}

/** A Unicode emoji (custom emoji have an id). */
export interface EmojiPayload {
  id: null;
  name: string;
}

/** One emoji's reactions on a message, as a message object carries them. */
export interface ReactionPayload {
  count: number;
  count_details: { burst: number; normal: number };
  me: boolean;
  me_burst: boolean;
  emoji: EmojiPayload;
  burst_colors: string[];
}

export function contentTypeOf(filename: string): string | undefined {
  const extension = filename.slice(filename.lastIndexOf('.') + 1).toLowerCase();
  return { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', txt: 'text/plain; charset=utf-8' }[extension];
}

export const MessageFlag = { Ephemeral: 1 << 6, Loading: 1 << 7 } as const;
export const MessageType = { Default: 0, Reply: 19, ChatInputCommand: 20, ContextMenuCommand: 23 } as const;
