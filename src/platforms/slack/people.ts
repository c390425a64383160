// Who someone is, as Slack knows them: a display name, whether they are a workspace admin or owner
// (which lets them moderate, e.g. delete someone else's result), and whether they are a bot (whose
// reactions are not votes). users.info is asked at most once a minute per person.
import type { webApi } from '@slack/bolt';
import type { Sender } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';

const CACHE_MS = 60_000;
const MAX_CACHED = 5_000;

export interface Person {
  sender: Sender;
  isBot: boolean;
}

export interface People {
  sender(userId: string, fallbackName?: string): Promise<Sender>;
  person(userId: string, fallbackName?: string): Promise<Person>;
}

export function slackPeople(client: webApi.WebClient, logger: Logger, cacheMs = CACHE_MS): People {
  const cache = new Map<string, { person: Person; until: number }>();
  async function person(userId: string, fallbackName?: string): Promise<Person> {
    const cached = cache.get(userId);
    if (cached && cached.until > Date.now()) return cached.person;
    try {
      const { user } = await client.users.info({ user: userId });
      const found: Person = {
        sender: {
          externalId: userId,
          displayName: user?.profile?.display_name || user?.profile?.real_name || user?.real_name || user?.name || fallbackName || userId,
          isAdmin: user?.is_admin === true || user?.is_owner === true,
        },
        isBot: user?.is_bot === true,
      };
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? '');
      cache.set(userId, { person: found, until: Date.now() + cacheMs });
      return found;
    } catch (error) {
      // Without users.info the person still gets answered, just without admin rights.
      logger.warn({ err: error, userId }, 'users.info failed; treating the person as a member');
      return { sender: { externalId: userId, displayName: fallbackName || userId, isAdmin: false }, isBot: false };
    }
  }
  return {
    person,
    async sender(userId, fallbackName) {
      return (await person(userId, fallbackName)).sender;
    },
  };
}
