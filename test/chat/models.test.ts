import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDefaultRegistry } from '../../commands/index.ts';
import { createDispatcher } from '../../src/chat/dispatcher.ts';
import { modelCatalog } from '../../src/models/catalog.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { parsePlan } from '../../src/plan/schema.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestStudio, type TestStudio } from '../support/studio.ts';
import { capturingLogger, message, recordingChannel } from './helpers.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// A deployment with two models (the shipped one under a second name too): /settings picks one by
// name, the plan carries it, the worker runs on it; a name the workers lack is refused by them.
describe('choosing a model with /settings', () => {
  requireShippedModel();
  let database: TestDatabase;
  let studio: TestStudio;
  const models = { 'world-copy': SHIPPED_MODEL_DIR };
  before(async () => {
    database = await startTestDatabase();
    studio = await startTestStudio(database, capturingLogger().logger, { models });
  });
  after(async () => {
    await studio?.stop();
    await database?.destroy();
  });
  const dispatcherWith = (catalog: Record<string, string>) =>
    createDispatcher({ prisma: database.prisma, logger: capturingLogger().logger, commands: createDefaultRegistry(), jobs: studio.jobs, models: modelCatalog({ models: catalog }) });
  const say = async (dispatcher: ReturnType<typeof dispatcherWith>, text: string) => {
    const channel = recordingChannel();
    await dispatcher.handleMessage(message(text), channel);
    return channel;
  };

  it('lists the models, refuses a name it lacks, and keeps the chosen one in the plan the worker runs', async () => {
    const dispatcher = dispatcherWith(models);
    const shown = await say(dispatcher, '/settings');
    assert.match(shown.text(), /Models: `world-copy` \(the default\), `world-sd`/);
    const refused = await say(dispatcher, '/settings model:nope');
    assert.match(refused.text(), /I changed nothing: this bot has no model `nope`; it has `world-copy` \(the default\), `world-sd`/);
    const user = await database.prisma.user.findFirstOrThrow({ where: { externalId: 'test-user' } });
    assert.deepEqual(user.settings, {});

    assert.match((await say(dispatcher, '/settings model:world-sd')).text(), /model: \*\*world-sd\*\*/);
    const drawn = await say(dispatcher, '/imagine a small red circle in the center on grass steps:4 seed:1');
    const imageId = drawn.edits.at(-1)!.reply.images?.[0]?.imageId;
    assert.ok(imageId, drawn.edits.at(-1)!.reply.text);
    const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: imageId } });
    assert.equal(parsePlan(edit.plan).output.model, 'world-sd');
  });

  it('a model the workers do not have is refused by them with the names they have, and nothing is stored', async () => {
    // This bot's chat side lists a model no worker runs (a misconfiguration): the job says so.
    const dispatcher = dispatcherWith({ ...models, ghost: '/nowhere' });
    await say(dispatcher, '/settings model:ghost');
    const images = await database.prisma.image.count();
    const drawn = await say(dispatcher, '/imagine a small red circle in the center on grass steps:4 seed:1');
    assert.match(drawn.edits.at(-1)!.reply.text, /I can't do this: this bot has no model 'ghost' \(it has 'world-copy', 'world-sd'\)/);
    assert.equal(await database.prisma.image.count(), images);
  });
});
