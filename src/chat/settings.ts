// Per-user and per-workspace defaults, kept in the `settings` Json columns of users and workspaces
// next to whatever else lives there (a workspace's `jobs` limits): sampling steps and guidance for
// /imagine and /edit, and, for a workspace, the channels the bot listens in.
import { GUIDANCE, SEED, STEPS } from '../config/limits.ts';
import { MODEL_NAME } from '../models/catalog.ts';
import { z } from 'zod';
import { DEFAULT_OUTPUT } from '../plan/schema.ts';
import type { PrismaClient } from '../store/database.ts';
import type { Platform } from './messages.ts';

export const SETTING_LIMITS = { steps: { min: STEPS.min, max: STEPS.max }, guidance: { min: GUIDANCE.min, max: GUIDANCE.max } } as const;
/** The seeds a command accepts. */
export const SEED_LIMITS = { min: SEED.min, max: SEED.max } as const;
export const MAX_CHANNELS = 50;

const steps = z
  .number()
  .int('steps must be a whole number')
  .min(SETTING_LIMITS.steps.min, `steps must be from ${SETTING_LIMITS.steps.min} to ${SETTING_LIMITS.steps.max}`)
  .max(SETTING_LIMITS.steps.max, `steps must be from ${SETTING_LIMITS.steps.min} to ${SETTING_LIMITS.steps.max}`);
const guidance = z
  .number()
  .min(SETTING_LIMITS.guidance.min, `guidance must be from ${SETTING_LIMITS.guidance.min} to ${SETTING_LIMITS.guidance.max}`)
  .max(SETTING_LIMITS.guidance.max, `guidance must be from ${SETTING_LIMITS.guidance.min} to ${SETTING_LIMITS.guidance.max}`);
const channel = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'a channel is a #name, a channel mention or a channel id');

/** Which of the deployment's models is checked when it is set (/settings), against its catalog. */
const model = z.string().regex(MODEL_NAME, 'a model name is lowercase letters, digits, ., _ and -');

export const UserSettings = z.object({ steps: steps.optional(), guidance: guidance.optional(), model: model.optional() });
export type UserSettings = z.infer<typeof UserSettings>;

export const WorkspaceSettings = UserSettings.extend({
  channels: z.array(channel).min(1, 'give at least one channel (or `all`)').max(MAX_CHANNELS, `at most ${MAX_CHANNELS} channels`).optional(),
});
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>;

export type SettingName = keyof WorkspaceSettings;
export const USER_SETTINGS = Object.keys(UserSettings.shape) as readonly SettingName[];
export const WORKSPACE_SETTINGS = Object.keys(WorkspaceSettings.shape) as readonly SettingName[];

/** What /imagine and /edit fall back on when a setting is set nowhere. */
export const BUILT_IN_DEFAULTS = { steps: DEFAULT_OUTPUT.steps, guidance: DEFAULT_OUTPUT.guidance } as const;

/**
 * Our fields of a stored settings object, each kept only if valid: a field someone wrote by hand
 * (or an older version) that no longer validates is ignored rather than breaking every command.
 */
function readFields<S extends z.ZodObject>(schema: S, stored: unknown): z.infer<S> {
  const out: Record<string, unknown> = {};
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return out as z.infer<S>;
  for (const [name, field] of Object.entries(schema.shape)) {
    const parsed = (field as z.ZodType).safeParse((stored as Record<string, unknown>)[name]);
    if (parsed.success && parsed.data !== undefined) out[name] = parsed.data;
  }
  return out as z.infer<S>;
}

export const readUserSettings = (stored: unknown): UserSettings => readFields(UserSettings, stored);
export const readWorkspaceSettings = (stored: unknown): WorkspaceSettings => readFields(WorkspaceSettings, stored);

/**
 * The steps, guidance and model to use for this user in this workspace when the command doesn't give
 * them: the user's own, else the workspace's; a field set nowhere is absent (the plan's default).
 */
export async function defaultsFor(prisma: PrismaClient, userId: string, workspaceId: string | undefined): Promise<UserSettings> {
  const [user, workspace] = await Promise.all([
    prisma.user.findUnique({ where: { id: userId }, select: { settings: true } }),
    workspaceId ? prisma.workspace.findUnique({ where: { id: workspaceId }, select: { settings: true } }) : undefined,
  ]);
  const mine = readUserSettings(user?.settings);
  const shared = readWorkspaceSettings(workspace?.settings);
  const merged: UserSettings = {};
  const steps = mine.steps ?? shared.steps;
  const guidance = mine.guidance ?? shared.guidance;
  const chosen = mine.model ?? shared.model;
  if (steps !== undefined) merged.steps = steps;
  if (guidance !== undefined) merged.guidance = guidance;
  if (chosen !== undefined) merged.model = chosen;
  return merged;
}

/**
 * A channel as typed: a Discord mention `<#123>`, a Slack mention `<#C123|art>`, `#art`, or a bare
 * id; undefined when it is none of those.
 */
export function normaliseChannel(typed: string): string | undefined {
  const text = typed.trim();
  const mention = /^<#([A-Za-z0-9_-]+)(?:\|[^>]*)?>$/.exec(text);
  const id = mention?.[1] ?? text.replace(/^#/, '');
  return channel.safeParse(id).success ? id : undefined;
}

/** Whether a workspace with these settings listens in `channelId` (no channel, e.g. a DM or the web chat: yes). */
export function listensInChannel(settings: WorkspaceSettings, channelId: string | undefined): boolean {
  if (channelId === undefined || settings.channels === undefined) return true;
  const wanted = channelId.toLowerCase();
  return settings.channels.some((c) => c.toLowerCase() === wanted);
}

/**
 * Whether the bot listens to messages in this channel of this workspace: every channel unless the
 * workspace set a list. Reads only; a workspace not seen before listens everywhere.
 */
export async function listensIn(
  prisma: PrismaClient,
  where: { platform: Platform; workspace: { externalId: string }; channelId?: string | undefined },
): Promise<boolean> {
  if (where.channelId === undefined) return true;
  const workspace = await prisma.workspace.findUnique({
    where: { platform_externalId: { platform: where.platform, externalId: where.workspace.externalId } },
    select: { settings: true },
  });
  return listensInChannel(readWorkspaceSettings(workspace?.settings), where.channelId);
}

export type SettingsScope = 'user' | 'workspace';

/**
 * Sets `changes` and clears `reset` in one statement (other keys of the Json column are kept, and
 * a concurrent change of another key is not lost). Returns the settings as stored afterwards.
 */
export async function updateSettings(
  prisma: PrismaClient,
  scope: SettingsScope,
  id: string,
  changes: WorkspaceSettings,
  reset: readonly SettingName[],
): Promise<WorkspaceSettings> {
  const set = JSON.stringify(changes);
  const cleared = [...reset];
  const rows =
    scope === 'user'
      ? await prisma.$queryRaw<Array<{ settings: unknown }>>`
          UPDATE users SET settings = (settings || ${set}::jsonb) - ${cleared}::text[] WHERE id = ${id}::uuid RETURNING settings`
      : await prisma.$queryRaw<Array<{ settings: unknown }>>`
          UPDATE workspaces SET settings = (settings || ${set}::jsonb) - ${cleared}::text[] WHERE id = ${id}::uuid RETURNING settings`;
  const stored = rows[0]?.settings;
  return scope === 'user' ? readUserSettings(stored) : readWorkspaceSettings(stored);
}

/** How a channel entry reads in a reply: ids as mentions (Discord and Slack link them), names as #name. */
export function showChannel(entry: string): string {
  return /^\d+$/.test(entry) || /^[CG][A-Z0-9]{6,}$/.test(entry) ? `<#${entry}>` : `#${entry}`;
}
