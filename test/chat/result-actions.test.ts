import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Dispatcher } from '../../src/chat/dispatcher.ts';
import type { ButtonPress } from '../../src/chat/messages.ts';
import { turnDial } from '../../src/chat/results/dials.ts';
import { retargetPlan } from '../../src/chat/results/remix.ts';
import { EditPlan, planFromSlashOptions } from '../../src/plan/index.ts';
import type { TestDatabase } from '../support/database.ts';
import { startChatStudio, type TestStudio } from '../support/studio.ts';
import { message } from './helpers.ts';
import { buttonOf, conversation, MODERATOR, OTHER_USER, pressAs, type Conversation } from './results-helpers.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// The buttons under every result: Stronger / Weaker re-run the plan one notch further or back,
// Variations with new seeds, another method, Undo to the parent, Delete for the owner or a
// moderator. Everything through the real queue and studio worker on the shipped model.

describe('result buttons on the shipped model', () => {
  requireShippedModel();
  let database: TestDatabase;
  let dispatcher: Dispatcher;
  let studio: TestStudio;
  const counts = async () => ({
    jobs: await database.prisma.job.count(),
    edits: await database.prisma.edit.count(),
    images: await database.prisma.image.count(),
    blobs: await database.prisma.blob.count(),
  });
  const run = async (text: string) => {
    const channel = conversation();
    await dispatcher.handleMessage(message(text), channel);
    return channel;
  };
  const press = async (buttonId: string, user?: ButtonPress['user'], replyId?: string) => {
    const channel = conversation();
    await dispatcher.handleButton(pressAs(buttonId, user, replyId), channel);
    return channel;
  };
  const resultOf = async (channel: Conversation) => {
    const reply = channel.finals().at(-1)!.reply;
    const imageId = reply.images?.at(-1)?.imageId;
    assert.ok(imageId, reply.text);
    return { reply, imageId, edit: await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: imageId }, orderBy: { createdAt: 'desc' } }) };
  };

  let drawing: Awaited<ReturnType<typeof resultOf>>;
  let edited: Awaited<ReturnType<typeof resultOf>>;

  before(async () => {
    ({ database, studio, dispatcher } = await startChatStudio());
  });
  after(async () => {
    await studio?.stop();
    await database?.destroy();
  });

  it('puts Stronger, Weaker, Variations, Save and Delete under a drawing (no Undo: it has no parent)', async () => {
    drawing = await resultOf(await run('/imagine a large flat red star in the center on grass seed:5 steps:25'));
    const ids = drawing.reply.buttons!.map((b) => b.id);
    assert.deepEqual(ids.map((id) => id.split(':')[1]), ['more', 'less', 'vary', 'save', 'del']);
    for (const id of ids) {
      assert.ok(id.length <= 100, id);
      assert.equal(id, `imagine:${id.split(':')[1]}:${drawing.edit.id}`);
    }
  });

  it('Variations draws 2 more with the same plan and other seeds, each a result with buttons', async () => {
    const channel = await press(buttonOf(drawing.reply, 'vary'));
    const finals = channel.finals();
    assert.equal(finals.length, 2, channel.text());
    const original = EditPlan.parse(drawing.edit.plan);
    const seeds = new Set([original.output.seed]);
    for (const { reply } of finals) {
      assert.match(reply.text, /Variation \d of 2/);
      assert.ok(reply.buttons?.some((b) => b.label === 'Variations'), 'a variation has buttons of its own');
      const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: reply.images![0]!.imageId }, orderBy: { createdAt: 'desc' } });
      const plan = EditPlan.parse(edit.plan);
      assert.deepEqual({ ...plan, output: { ...plan.output, seed: 0 } }, { ...original, output: { ...original.output, seed: 0 } });
      assert.ok(!seeds.has(plan.output.seed), `a new seed: ${plan.output.seed}`);
      seeds.add(plan.output.seed);
      // A drawing has no source: the variation is, like the original, a root of the Edit tree.
      assert.equal(edit.parentId, drawing.edit.parentId);
      assert.equal(edit.sourceImageId, null);
    }
  });

  it('Undo on a drawing says there is nothing to undo', async () => {
    const before = await counts();
    const channel = await press(`imagine:undo:${drawing.edit.id}`);
    assert.match(channel.text(), /nothing to undo/);
    assert.deepEqual(await counts(), before);
  });

  it('edits with every button, and Stronger / Weaker re-run the plan one notch up / down on the same source', async () => {
    edited = await resultOf(await run('/edit make the star blue steps:20'));
    assert.deepEqual(edited.reply.buttons!.map((b) => b.id.split(':')[1]), ['more', 'less', 'alt', 'vary', 'undo', 'save', 'del']);
    assert.equal(edited.reply.buttons!.find((b) => b.id.startsWith('edit:alt:'))?.label, 'Try Prompt-to-Prompt refinement');
    const plan = EditPlan.parse(edited.edit.plan);
    assert.equal(plan.steps[0]!.method, 'p2p.replace');
    assert.equal(plan.steps[0]!.params.strength, undefined, 'the planner leaves the strength at its neutral 0.5');

    const images = new Set([edited.imageId]);
    for (const [action, strength] of [['more', 0.6], ['less', 0.4]] as const) {
      const result = await resultOf(await press(buttonOf(edited.reply, action)));
      assert.ok(!images.has(result.imageId), `${action}: the studio used the strength (other pixels, another image)`);
      images.add(result.imageId);
      const turned = EditPlan.parse(result.edit.plan);
      assert.equal(turned.steps[0]!.params.strength, strength, `${action}: ${result.reply.text}`);
      assert.equal(turned.steps[0]!.params.prompt, plan.steps[0]!.params.prompt);
      assert.equal(turned.output.seed, plan.output.seed);
      assert.equal(result.edit.sourceImageId, edited.edit.sourceImageId);
      assert.equal(result.edit.parentId, edited.edit.parentId);
      assert.match(result.reply.text, action === 'more' ? /Stronger: strength 0.5 → 0.6/ : /Weaker: strength 0.5 → 0.4/);
    }
  });

  it('Try another method runs the same change by the next method and says which', async () => {
    const channel = await press(buttonOf(edited.reply, 'alt'));
    assert.match(channel.sent[0]!.reply.text, /Prompt-to-Prompt refinement \(`p2p.refine`\) instead of Prompt-to-Prompt word swap/);
    const result = await resultOf(channel);
    const plan = EditPlan.parse(result.edit.plan);
    assert.equal(plan.steps[0]!.method, 'p2p.refine');
    assert.equal(plan.steps[0]!.params.prompt, EditPlan.parse(edited.edit.plan).steps[0]!.params.prompt);
    assert.equal(result.edit.sourceImageId, edited.edit.sourceImageId);
  });

  it('at the end of the range says so and queues nothing', async () => {
    const strong = await resultOf(await run('/imagine a small blue circle in the top left on sky guidance:20 steps:4 seed:3'));
    const before = await counts();
    const channel = await press(buttonOf(strong.reply, 'more'));
    assert.match(channel.text(), /already as strong as DDIM sampling .* guidance is 20, the end of the range 1 to 20/);
    assert.equal(channel.sent[0]!.reply.ephemeral, true);
    assert.deepEqual(await counts(), before);
  });

  it('Undo on an edit shows the image it was made from, with that image\'s own buttons', async () => {
    const channel = await press(buttonOf(edited.reply, 'undo'));
    const reply = channel.sent[0]!.reply;
    // /edit took the latest image: the last variation of the drawing.
    const parent = await database.prisma.edit.findUniqueOrThrow({ where: { id: edited.edit.parentId! } });
    assert.equal(parent.resultImageId, edited.edit.sourceImageId);
    assert.deepEqual(reply.images?.map((i) => i.imageId), [edited.edit.sourceImageId]);
    assert.match(reply.text, /^\*\*Undo\*\*: back to the image this was made from: \*\*a large flat red star[^*]*\*\*\. Nothing was redrawn\.\n\nReply to this message with what to change next, or use its buttons\.$/);
    assert.doesNotMatch(reply.text, /Generating|DDIM/, 'not labelled as a new drawing');
    assert.deepEqual(reply.buttons?.map((b) => b.id), ['more', 'less', 'vary', 'save', 'del'].map((action) => `imagine:${action}:${parent.id}`));
  });

  it('Delete: others are refused, a moderator and the owner may; the parent and the edits stay', async () => {
    const victim = await resultOf(await press(buttonOf(edited.reply, 'less')));
    const before = await counts();

    const refused = await press(buttonOf(victim.reply, 'del'), OTHER_USER);
    assert.match(refused.text(), /Only Tess, who made this image, or a moderator can delete it/);
    assert.equal(refused.sent[0]!.reply.ephemeral, true);
    assert.equal(refused.edits.length, 0);
    assert.deepEqual(await counts(), before);

    const moderator = await press(buttonOf(victim.reply, 'del'), MODERATOR, 'the-result-reply');
    assert.deepEqual(moderator.edits.map((e) => [e.id, e.reply.text]), [['the-result-reply', 'This image was deleted by a moderator.']]);
    assert.equal(await database.prisma.image.count({ where: { id: victim.imageId } }), 0);
    const afterModerator = await counts();
    assert.equal(afterModerator.images, before.images - 1);
    assert.equal(afterModerator.edits, before.edits, 'the Edit row stays, pointing at no image');

    const owner = await press(buttonOf(edited.reply, 'del'), undefined, 'edited-reply');
    assert.match(owner.edits[0]!.reply.text, /deleted by its owner/);
    const afterOwner = await counts();
    assert.equal(afterOwner.images, afterModerator.images - 1);
    assert.equal(await database.prisma.image.count({ where: { id: edited.edit.sourceImageId! } }), 1, 'the parent stays');
    assert.equal(afterOwner.edits, before.edits);
  });

  it('a button naming a deleted image or a malformed one gets a clear reply and writes nothing', async () => {
    const before = await counts();
    const cases: Array<[string, RegExp]> = [
      [buttonOf(edited.reply, 'more'), /That image has been deleted/],
      [buttonOf(edited.reply, 'undo'), /That image has been deleted/],
      [buttonOf(edited.reply, 'save'), /That image has been deleted/],
      ['edit:more:not-an-id', /not one I know/],
      ['edit:vary', /not one I know/],
      ['edit:stronger-please:00000000-0000-4000-8000-000000000000', /not one I know/],
      ['imagine:more:00000000-0000-4000-8000-000000000000', /can't find the result/],
    ];
    for (const [id, expected] of cases) {
      const channel = await press(id);
      assert.match(channel.text(), expected, id);
      assert.equal(channel.sent.length, 1, id);
    }
    assert.deepEqual(await counts(), before);
  });
});

describe('dials and remix plans', () => {
  const caption = 'a large flat red star in the center on grass';
  const planOf = (options: Record<string, string | number>) => {
    const result = planFromSlashOptions('edit', options, { caption, source: 'generated' });
    assert.equal(result.kind, 'plan');
    return (result as { plan: EditPlan }).plan;
  };

  it('turns SDEdit\'s strength within 0.1–1 and reweighting\'s weight away from 1', () => {
    const sdedit = planOf({ method: 'sdedit', strength: 1, instruction: 'make the star blue' });
    assert.equal(turnDial(sdedit, 'stronger').kind, 'at-end');
    const weaker = turnDial(sdedit, 'weaker');
    assert.equal(weaker.kind === 'turned' && weaker.plan.steps[0]!.params.strength, 0.9);
    const less = planOf({ instruction: 'less grass' });
    const stronger = turnDial(less, 'stronger');
    assert.ok(stronger.kind === 'turned' && stronger.to < stronger.from, 'less of a word: stronger is a lower weight');
    const drawing = planFromSlashOptions('imagine', { prompt: 'a red star', guidance: 1 });
    assert.equal(drawing.kind === 'plan' && turnDial(drawing.plan, 'weaker').kind, 'at-end');
  });

  it('carries an edit over to an image that has the words it changes, and refuses one that has not', () => {
    const plan = planOf({ instruction: 'make the star blue' });
    const onto = retargetPlan(plan, { caption: 'a small red circle in the top left on sky', imageId: 'img' });
    assert.equal(onto.kind === 'plan' && onto.plan.steps[0]!.params.prompt, 'a small blue circle in the top left on sky');
    const refused = retargetPlan(plan, { caption: 'a small green circle on sky', imageId: 'img' });
    assert.equal(refused.kind, 'refused');
    assert.match((refused as { reason: string }).reason, /changes “red”.*has no “red”/);
    const styled = retargetPlan(planOf({ instruction: 'watercolor' }), { caption: 'a small green circle on sky', imageId: 'img' });
    assert.equal(styled.kind === 'plan' && styled.plan.steps[0]!.params.prompt, 'a small green circle on sky, watercolor style');
  });
});
