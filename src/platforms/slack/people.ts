// Who someone is, as Slack knows them: a display name and whether they are a workspace admin or
// owner (which lets them moderate, e.g. delete someone else's result). users.info is asked at most
// once a minute per person.
import type { webApi } from '@slack/bolt';
import type { Sender } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';

const CACHE_MS = 60_000;
const MAX_CACHED = 5_000;

export interface People {
  sender(userId: string, fallbackName?: string): Promise<Sender>;
}

export function slackPeople(client: webApi.WebClient, logger: Logger, cacheMs = CACHE_MS): People {
  const cache = new Map<string, { sender: Sender; until: number }>();
  return {
    async sender(userId, fallbackName) {
      const cached = cache.get(userId);
      if (cached && cached.until > Date.now()) return cached.sender;
      try {
        const { user } = await client.users.info({ user: userId });
        const sender: Sender = {
          externalId: userId,
          displayName: user?.profile?.display_name || user?.profile?.real_name || user?.real_name || user?.name || fallbackName || userId,
          isAdmin: user?.is_admin === true || user?.is_owner === true,
        };
        if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? '');
        cache.set(userId, { sender, until: Date.now() + cacheMs });
        return sender;
      } catch (error) {
        // Without users.info the person still gets answered, just without admin rights.
        logger.warn({ err: error, userId }, 'users.info failed; treating the person as a member');
        return { externalId: userId, displayName: fallbackName || userId, isAdmin: false };
      }
    },
  };
}
