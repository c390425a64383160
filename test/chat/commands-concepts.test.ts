// /concepts through the chat, the queue and a studio worker on the shipped model: no dictionary yet,
// a build asked for with build:true (followed, then cancelled), then a tiny one (8 pictures of 8
// steps, SAEs trained 2 epochs; its result redelivered as after a restart) shown site by site and
// searched (with a picture of the top images), and a word's heat map drawn on an attached picture.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { redeliver } from '../../src/chat/deliveries.ts';
import type { IncomingMessage, Reply, ReplyAddress } from '../../src/chat/messages.ts';
import { commonLabels, ConceptDictionaryStore } from '../../src/store/concept-dictionaries.ts';
import { waitFor } from '../jobs/support.ts';
import { requireShippedModel } from '../support/shipped-models.ts';
import { startChatStudio, type ChatStudio } from '../support/studio.ts';
import { capturingLogger, message, recordingChannel, withImage, type RecordingChannel } from './helpers.ts';
import sharp from 'sharp';
import { CONCEPT_PICTURES } from '../../src/config/limits.ts';
import { loadImage } from '../../src/store/images.ts';
import { toPng } from '../../src/support/image.ts';
import { renderScene } from '../../src/world/index.ts';

const MINUTES = 4 * 60_000;

describe('/concepts on the shipped model', () => {
  requireShippedModel();
  let chat: ChatStudio;
  let store: ConceptDictionaryStore;
  before(async () => {
    chat = await startChatStudio();
    store = new ConceptDictionaryStore(chat.database.prisma);
  });
  after(async () => {
    await chat?.stop();
  });

  async function say(text: string, overrides: Partial<IncomingMessage> = {}): Promise<RecordingChannel> {
    const channel = recordingChannel();
    await chat.dispatcher.handleMessage(message(text, overrides), channel);
    return channel;
  }
  const lastText = (channel: RecordingChannel) => (channel.edits.at(-1) ?? channel.sent.at(-1))!.reply.text;

  it('says there is no dictionary yet and how to build one; a word finds nothing', async () => {
    assert.match(lastText(await say('/concepts')), /^\*\*Concepts of `world-sd`\*\*\nThere is no concept dictionary of this model yet\. `\/concepts build:true` builds its shared one/);
    assert.match(lastText(await say('/concepts star')), /There is no concept dictionary of `world-sd` to search yet; `\/concepts build:true` builds one\./);
  });

  it('build:true queues the shared build and follows it; /concepts says it is under way; /cancel stops it', { timeout: MINUTES }, async () => {
    const { prisma } = chat.database;
    const following = say('/concepts build:true');
    const job = await waitFor('the build to report progress', async () => {
      const found = await prisma.job.findFirst({ where: { kind: 'train' } });
      return found?.state === 'running' && found.progress > 0 ? found : undefined;
    }, MINUTES);
    assert.deepEqual(job.payload, { task: 'concepts.build', model: 'world-sd', prompts: 600, seed: 1, steps: 25, scope: 'model', name: 'default' });
    assert.match(lastText(await say('/concepts')), /A build of its shared dictionary is under way \(started just now\)\./);
    assert.match(lastText(await say('/concepts build:true')), /The shared dictionary of `world-sd` is already being built \(started just now\)/);
    assert.equal(await prisma.job.count({ where: { kind: 'train' } }), 1, 'no second build');

    assert.match(lastText(await say('/cancel')), /Cancelled this job:\n- `[0-9a-f]{8}` `\/concepts build` of `world-sd` \(running, \d+%\)/);
    const channel = await following;
    assert.match(channel.sent[0]!.reply.text, /^Building the concept dictionary of `world-sd`: 600 pictures of 25 steps/);
    assert.ok(channel.edits.some((e) => /[▓░]+ \d+%/.test(e.reply.text)), 'it showed progress');
    assert.match(lastText(channel), /Cancelled\.$/);
    assert.match(lastText(await say('/concepts')), /The last build stopped: stopped: job [0-9a-f-]+ was cancelled\. `\/concepts build:true` goes on from where it stopped\./);
  });

  it('shows a ready dictionary site by site, finds features by word with a picture of their top images, draws a heat map on an attached picture, or lists the words there are', { timeout: MINUTES }, async () => {
    const { prisma } = chat.database;
    let channel: RecordingChannel;
    const user = await prisma.user.findFirstOrThrow({ where: { externalId: 'test-user' } });
    // Its reply's bot went away: the result is delivered to the reply by the next one.
    const address: ReplyAddress = { platform: 'slack', messageId: 'C1:2.3' };
    const payload = { task: 'concepts.build', model: 'world-sd', prompts: 8, seed: 1, steps: 8, epochs: 2, scope: 'model', name: 'default', deliverTo: address };
    const { job } = await chat.studio.jobs.submit({ kind: 'train', userId: user.id, idempotencyKey: randomUUID(), payload });
    const done = await waitFor('the tiny build', async () => {
      const record = await chat.studio.jobs.get(job.id);
      return record && ['succeeded', 'failed', 'cancelled'].includes(record.state) ? record : undefined;
    }, MINUTES);
    assert.equal(done.state, 'succeeded', done.error ?? '');
    const delivered: Reply[] = [];
    assert.equal(await redeliver({ jobs: chat.studio.jobs, prisma, platform: 'slack', logger: capturingLogger().logger, deliver: async (_address, reply) => void delivered.push(reply) }), 1);
    assert.match(delivered[0]!.text, /^This finished while I was restarting:\nBuilding the concept dictionary of `world-sd`: 8 pictures of 8 steps[^\n]*\n\n- stored: 18 sites, \d+ features, \*\*\d+ with words\*\*\n- took \d+ s\n/);

    const shown = lastText(await say('/concepts'));
    assert.match(shown, /^\*\*Concepts of `world-sd`\*\*\nThe shared dictionary, built just now from 8 pictures: 18 sites, \*\*\d+ features with words\*\*\./);
    const sites = shown.split('\n').filter((line) => line.startsWith('- `'));
    assert.equal(sites.length, 18);
    for (const line of sites) assert.match(line, /^- `\S+` at t=(1 \(first step\)|0\.5|0 \(last step\)), (un)?conditional branch: explained variance -?\d+\.\d\d, scaled MSE \d+\.\d\d, \d+\.\d% dead; \d+ of \d+ with words: /);
    assert.doesNotMatch(shown, /last build stopped/, 'the cancelled build is older than the ready one');

    const word = commonLabels(await store.listDictionaries({ status: 'ready' }), 1)[0]!;
    const found = lastText(await say(`/concepts ${word}`));
    assert.match(found, new RegExp(`^\\*\\*Features of \`world-sd\` with “${word}”\\*\\* \\((\\d|the best 8)\\):\\n- \\*\\*.*${word} ×\\d+.*\\*\\*: \`\\S+\` at t=.*branch, feature \\d+; intensity \\d+\\.\\d{3} \\(shared dictionary\\)\\n  strongest in: “a .* on (sky|grass|sand|plain|night)”`));
    // The reply attaches one picture: the best features' top images, for browsing (not the latest image to edit).
    const last = (channel: RecordingChannel) => (channel.edits.at(-1) ?? channel.sent.at(-1))!.reply;
    const searched = last(await say(`/concepts ${word}`));
    assert.match(searched.text, /\n\nThe picture: the top images of feature \d+(, feature \d+)*, a row each, strongest first\. Reply to an image with `\/concepts \w+` to see where they fire on it\.$/);
    assert.equal(searched.images?.length, 1);
    assert.equal(searched.browse, true);
    const grid = await loadImage(prisma, searched.images![0]!.imageId);
    const { width, height } = await sharp(grid!.data).metadata();
    assert.ok(width >= 2 * CONCEPT_PICTURES.shownSide && height >= CONCEPT_PICTURES.shownSide, `${width}×${height}`);

    // With a picture attached: a heat map job, answered with the picture and the heat over it.
    const scene = renderScene({ background: 'sand', seed: 5, objects: [{ shape: 'circle', colour: 'blue', size: 'large', position: 'center', style: 'flat' }] }, { size: 128 });
    channel = recordingChannel();
    await chat.dispatcher.handleMessage(withImage(await toPng(scene), 'circle.png', `/concepts ${word}`), channel);
    const answer = last(channel);
    assert.match(answer.text, new RegExp(`^Where the features of \`world-sd\` with “${word}” fire on this picture:\n\n- (feature|\\d+ features) .* of the shared dictionary, at \`\\S+\` at t=(0\\.5|0 \\(last step\\)), (un)?conditional branch\n- the picture noised to that point of the schedule, one UNet pass under the empty prompt; red is where they fire most \\(cell \\d+, \\d+ of \\d+×\\d+\\)`));
    assert.equal(answer.images?.length, 1);
    const overlay = await loadImage(prisma, answer.images![0]!.imageId);
    assert.equal((await sharp(overlay!.data).metadata()).width, CONCEPT_PICTURES.heatmapSide);
    channel = recordingChannel();
    await chat.dispatcher.handleMessage(withImage(await toPng(scene), 'circle.png', '/concepts zebra'), channel);
    assert.match(lastText(channel), /^No feature of `world-sd` has the word \*\*zebra\*\*\. Words there: /);

    const missing = lastText(await say('/concepts zebra'));
    assert.match(missing, new RegExp(`^No feature of \`world-sd\` has the word \\*\\*zebra\\*\\*\\. Words there: \`${word}\`, `));

    assert.match(lastText(await say('/concepts build:true')), /`world-sd` already has a shared dictionary \(built just now\); only an admin can rebuild it\./);
  });
});
