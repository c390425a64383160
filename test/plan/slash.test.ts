import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFromSlashOptions, planWithLanguageModel } from '../../src/plan/index.ts';

test('/imagine prompt:… is a generation plan with its output settings', () => {
  const result = planFromSlashOptions('imagine', { prompt: 'a red star on grass', seed: 7, steps: 30, guidance: 5 });
  assert.equal(result.kind, 'plan');
  if (result.kind !== 'plan') return;
  assert.equal(result.plan.source.kind, 'none');
  assert.deepEqual(result.plan.steps, [{ edit: 'generate', method: 'sample.ddim', params: { prompt: 'a red star on grass' } }]);
  assert.deepEqual(result.plan.output, { seed: 7, steps: 30, guidance: 5 });
});

test('/imagine with a wide ratio uses MultiDiffusion', () => {
  const result = planFromSlashOptions('imagine', { prompt: 'a mountain range', ratio: '3:1' });
  assert.ok(result.kind === 'plan');
  assert.equal(result.plan.steps[0]!.method, 'multidiffusion');
  assert.deepEqual(result.plan.steps[0]!.params.ratio, { width: 3, height: 1 });
});

test('/edit method:… maps its options onto the step', () => {
  const result = planFromSlashOptions('edit', { method: 'p2p.replace', source: 'cat', target: 'tiger', strength: 0.6 }, { caption: 'a cat on a sofa', source: 'uploaded' });
  assert.equal(result.kind, 'plan');
  if (result.kind !== 'plan') return;
  assert.deepEqual(result.plan.steps[0], { edit: 'swap', method: 'p2p.replace', params: { strength: 0.6, source: 'cat', target: 'tiger' } });
  assert.equal(result.plan.inversion.method, 'invert.direct');
  assert.match(result.plan.reason, /as you asked/);

  const reweight = planFromSlashOptions('edit', { method: 'p2p.reweight', token: 'snow', weight: '0.5' });
  assert.ok(reweight.kind === 'plan');
  assert.deepEqual(reweight.plan.steps[0]!.params, { token: 'snow', weight: 0.5 });

  const move = planFromSlashOptions('edit', { method: 'sae.move', region: 'top left', target: 'star' });
  assert.ok(move.kind === 'plan');
  assert.equal(move.plan.steps[0]!.params.region, 'top_left');
  assert.match(move.plan.reason, /SAE spatial steering \(sae\.move\) as you asked\.$/);
  const unknown = planFromSlashOptions('edit', { method: 'sae.compose', region: 'top left' });
  assert.ok(unknown.kind === 'plan');
  assert.match(unknown.plan.reason, /not available yet/);
});

test('/edit instruction:… is parsed, and method:… overrides the first step', () => {
  const parsed = planFromSlashOptions('edit', { instruction: 'make the cat a tiger' }, { caption: 'a cat on a sofa' });
  assert.ok(parsed.kind === 'plan');
  assert.equal(parsed.plan.steps[0]!.method, 'p2p.replace');
  const forced = planFromSlashOptions('edit', { instruction: 'make the cat a tiger', method: 'pnp' }, { caption: 'a cat on a sofa' });
  assert.ok(forced.kind === 'plan');
  assert.equal(forced.plan.steps[0]!.method, 'pnp');
  assert.equal(forced.plan.steps[0]!.params.target, 'tiger');
  assert.match(forced.plan.reason, /\(pnp\) for “make the cat a tiger” as you asked\.$/, "the planner's reason named its own method");
});

test('/edit with an unknown method, a bad value or nothing to do asks instead of failing', () => {
  assert.equal(planFromSlashOptions('edit', { method: 'p2p.teleport' }).kind, 'clarify');
  assert.equal(planFromSlashOptions('edit', { method: 'sdedit', strength: 3 }).kind, 'clarify');
  assert.equal(planFromSlashOptions('edit', {}).kind, 'clarify');
  assert.equal(planFromSlashOptions('edit', { method: 'invert.ddim' }).kind, 'clarify');
  assert.equal(planFromSlashOptions('imagine', {}).kind, 'clarify');
});

test('the optional language model is only asked when the grammar has to ask, and is validated', async () => {
  let calls = 0;
  const fakeFetch = (async () => {
    calls++;
    return new Response(JSON.stringify({ choices: [{ message: { content: '{"intents":[{"kind":"swap","object":"cat","target":"lynx"}]}' } }] }));
  }) as typeof fetch;
  const config = { baseUrl: 'http://llm.invalid/v1', model: 'test', fetch: fakeFetch };
  const understood = await planWithLanguageModel('make the cat a tiger', { caption: 'a cat on a sofa' }, config);
  assert.equal(calls, 0);
  assert.ok(understood.kind === 'plan');
  const refined = await planWithLanguageModel('could the feline be reimagined as its wild cousin', { caption: 'a cat on a sofa' }, config);
  assert.equal(calls, 1);
  assert.ok(refined.kind === 'plan');
  assert.equal(refined.plan.steps[0]!.params.target, 'lynx');

  const broken = (async () => new Response('not json')) as typeof fetch;
  const fallback = await planWithLanguageModel('something feels wrong here', { caption: 'a cat on a sofa' }, { ...config, fetch: broken });
  assert.equal(fallback.kind, 'clarify');
  const off = await planWithLanguageModel('something feels wrong here', { caption: 'a cat on a sofa' }, undefined);
  assert.equal(off.kind, 'clarify');
});

test('/edit method:sae.move on a picture the bot drew redraws it from its own noise; on an upload, or as one of several steps, it inverts', () => {
  const drawnWith = { prompt: 'a medium red star in the center on sky', seed: 1001, steps: 50, guidance: 7.5 };
  const context = { caption: 'a medium red star in the center on sky', world: true, source: 'generated' as const, drawnWith };
  const move = planFromSlashOptions('edit', { method: 'sae.move', target: 'star', region: 'top left' }, context);
  assert.ok(move.kind === 'plan');
  assert.deepEqual(move.plan.inversion, { method: 'none', reuseStored: false });
  assert.deepEqual(move.plan.output, { seed: 1001, steps: 50, guidance: 7.5 });
  assert.equal(move.plan.source.caption, drawnWith.prompt);
  assert.deepEqual(move.plan.steps[0]!.params, { target: 'star', object: 'star', mask: { kind: 'region', region: 'top_left' }, region: 'top_left', prompt: 'a medium red star in the top left on sky' });
  assert.match(move.plan.reason, /drawn again from its own noise \(seed 1001, 50 steps\)/);

  const upload = planFromSlashOptions('edit', { method: 'sae.move', target: 'star', region: 'top left' }, { ...context, source: 'uploaded', drawnWith: undefined });
  assert.ok(upload.kind === 'plan');
  assert.equal(upload.plan.inversion.method, 'invert.ddim');
  const masactrl = planFromSlashOptions('edit', { method: 'masactrl', target: 'star', region: 'top left' }, context);
  assert.ok(masactrl.kind === 'plan');
  assert.equal(masactrl.plan.inversion.method, 'invert.direct', 'only a method that edits by redrawing is redrawn');
  const taken = planFromSlashOptions('edit', { method: 'sae.move', target: 'star', region: 'center' }, context);
  assert.equal(taken.kind, 'clarify', 'a move to where it is already is a question');
});
