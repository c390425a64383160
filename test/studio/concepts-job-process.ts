// A worker's 'train' handler in a process of its own, for the test that kills it mid-build:
//   node --import tsx test/studio/concepts-job-process.ts <database url> <data dir> <user id> <payload JSON>
// Prints "progress <fraction>" for every report; the test SIGKILLs it.
import { createLogger } from '../../src/log.ts';
import { openDatabase } from '../../src/store/database.ts';
import { studioHandlers } from '../../src/studio/handlers.ts';
import { Studio } from '../../src/studio/studio.ts';

const [url, dataDir, userId, payload] = process.argv.slice(2);
if (!url || !dataDir || !userId || !payload) throw new Error('usage: concepts-job-process.ts <url> <data dir> <user id> <payload JSON>');
const logger = createLogger('warn');
const database = await openDatabase({ databaseUrl: url, dataDir, embeddedPostgres: { port: 0, systemUser: 'postgres' } }, logger);
const handlers = studioHandlers({ studio: new Studio({ logger }), prisma: database.prisma, dataDir });
await handlers.train!(JSON.parse(payload), {
  signal: new AbortController().signal,
  progress: (fraction) => process.stdout.write(`progress ${fraction}\n`),
  jobId: 'killed-job',
  userId,
  workspaceId: null,
  attempt: 1,
});
process.stdout.write('finished\n');
await database.close();
