// The Workspace and User rows behind a message, created on first contact and renamed when the
// platform reports a new name.
import type { PrismaClient } from '../store/database.ts';
import type { Platform } from './messages.ts';

export interface Participants {
  workspace: { id: string; name: string };
  user: { id: string; displayName: string };
}

export async function recordParticipants(
  prisma: PrismaClient,
  source: {
    platform: Platform;
    workspace: { externalId: string; name: string };
    user: { externalId: string; displayName: string };
  },
): Promise<Participants> {
  const { platform } = source;
  const [workspace, user] = await Promise.all([
    prisma.workspace.upsert({
      where: { platform_externalId: { platform, externalId: source.workspace.externalId } },
      create: { platform, externalId: source.workspace.externalId, name: source.workspace.name },
      update: { name: source.workspace.name },
      select: { id: true, name: true },
    }),
    prisma.user.upsert({
      where: { platform_externalId: { platform, externalId: source.user.externalId } },
      create: { platform, externalId: source.user.externalId, displayName: source.user.displayName },
      update: { displayName: source.user.displayName },
      select: { id: true, displayName: true },
    }),
  ]);
  return { workspace, user };
}
