import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { webApi } from '@slack/bolt';
import { createDefaultRegistry } from '../../../commands/index.ts';
import type { JobRecord } from '../../../src/jobs/index.ts';
import { planFromSlashOptions } from '../../../src/plan/index.ts';
import { startSlackBot } from '../../../src/platforms/slack/bot.ts';
import { BOT_TOKEN, CHANNEL, SIGNING_SECRET, startSlackHarness, type SlackHarness } from './harness.ts';
import { requireShippedModel } from '../../support/shipped-models.ts';

// A bot process died while a job ran: the job finished with nobody following it. The next bot to
// start finds it, claims it once, and puts the result into the reply that was waiting for it.
describe('Slack: results that finished while the bot was down', () => {
  requireShippedModel();
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness({ mode: 'http' });
  });
  after(async () => {
    await h?.stop();
  });

  async function finishedJob(deliverTo: Record<string, string>, key: string): Promise<JobRecord> {
    const workspace = await h.database.prisma.workspace.create({ data: { platform: 'slack', externalId: `T-${key}`, name: 'team' } });
    const user = await h.database.prisma.user.create({ data: { platform: 'slack', externalId: `U-${key}`, displayName: 'carol' } });
    const planned = planFromSlashOptions('imagine', { prompt: 'a large red star in the center on grass', steps: 4, seed: 2 });
    assert.equal(planned.kind, 'plan');
    const plan = planned.kind === 'plan' ? planned.plan : undefined;
    const { job } = await h.studio!.jobs.submit({
      kind: 'generate',
      userId: user.id,
      workspaceId: workspace.id,
      idempotencyKey: key,
      payload: { plan, owner: { userId: user.id, workspaceId: workspace.id }, deliverTo } as never,
    });
    for (let waited = 0; waited < 60_000; waited += 100) {
      const current = await h.studio!.jobs.get(job.id);
      if (current?.state === 'succeeded') return current;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the job did not finish');
  }

  it('a starting bot updates the waiting reply with the result, once; jobs of other platforms are left alone', async () => {
    // The reply the dead process had posted ("Queued…"), and a Discord job no Slack bot may touch.
    const slack = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: h.api.apiUrl });
    const waiting = await slack.chat.postMessage({ channel: CHANNEL, text: 'Drawing **a large red star**\n\nQueued…' });
    const messageId = `${CHANNEL}:${waiting.ts}`;
    const ours = await finishedJob({ platform: 'slack', messageId }, 'restart-slack');
    const theirs = await finishedJob({ platform: 'discord', channelId: '1', messageId: '2' }, 'restart-discord');
    const undelivered = (await h.studio!.jobs.undelivered()).map((j) => j.id);
    assert.ok(undelivered.includes(ours.id) && undelivered.includes(theirs.id));

    const restarted = await startSlackBot({
      botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, port: 0, host: '127.0.0.1',
      prisma: h.database.prisma, logger: h.logger, commands: createDefaultRegistry(), jobs: h.studio!.jobs,
      clientOptions: { slackApiUrl: h.api.apiUrl },
    });
    await restarted.close(); // waits for the redelivery it started
    const message = h.api.conversations.get(CHANNEL)!.messages.find((m) => m.ts === waiting.ts)!;
    assert.match(message.text, /This finished while I was restarting/);
    assert.ok(message.blocks?.some((b) => b.type === 'image'), JSON.stringify(message.blocks));
    assert.ok(message.blocks?.some((b) => b.type === 'actions'), 'the result carries its buttons');
    const left = (await h.studio!.jobs.undelivered()).map((j) => j.id);
    assert.ok(!left.includes(ours.id), 'delivered, so no longer undelivered');
    assert.ok(left.includes(theirs.id), "the Discord job waits for a Discord bot");
    assert.equal(await h.studio!.jobs.claimDelivery(ours.id), null, 'claimed exactly once');
  });
});
