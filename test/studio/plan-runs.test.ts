// The plan is exactly what runs: the inversion (none included), the scheduler, the steps, the
// guidance and the parameters a plan shows reach its method unchanged; a plan its method can't run
// is refused when it is made, before anything is queued.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { findMethod, getMethod, type EditInput, type EditMethod } from '../../src/methods/index.ts';
import { EditPlan, planFromInstruction, planFromSlashOptions, type PlanResult } from '../../src/plan/index.ts';
import { checkPlan, PlanRefused } from '../../src/plan/check.ts';
import { runPlanStep } from '../../src/studio/plan-run.ts';
import { heldOutScenes, releaseShipped, shippedDiffusion } from '../methods/support.ts';

const CAPTION = 'a large red star in the center on grass';

function planned(result: PlanResult): EditPlan {
  assert.equal(result.kind, 'plan', result.kind === 'clarify' ? result.question : '');
  return (result as { plan: EditPlan }).plan;
}

/** The method as registered, but recording what it is given instead of running (the inversion before it is real). */
function recording(id: string): { method: EditMethod; seen: { input?: EditInput; params?: Record<string, unknown> } } {
  const seen: { input?: EditInput; params?: Record<string, unknown> } = {};
  const method: EditMethod = {
    ...getMethod(id),
    async run(input, params) {
      seen.input = input;
      seen.params = params as Record<string, unknown>;
      return { latent: input.source.latent };
    },
  };
  return { method, seen };
}

async function runRecorded(plan: EditPlan, id = plan.steps[0]!.method) {
  const { rendered } = heldOutScenes(1)[0]!;
  const { method, seen } = recording(id);
  await runPlanStep(() => shippedDiffusion(), plan, 0, rendered, rendered.caption, {}, { method });
  return seen;
}

describe('the plan is exactly what runs (models/world-sd)', () => {
  after(releaseShipped);

  it('the inversion the plan names is the one the method gets, on a generated image too', async () => {
    const plan = planned(planFromSlashOptions('edit', { method: 'p2p.replace', source: 'red', target: 'blue', steps: 3 }, { caption: CAPTION, source: 'generated' }));
    assert.equal(plan.inversion.method, 'invert.direct');
    assert.equal((await runRecorded(plan)).input?.inversion?.method, 'invert.direct');
    const ddim = checkPlan(EditPlan.parse({ ...plan, inversion: { method: 'invert.ddim', reuseStored: false } }));
    assert.equal((await runRecorded(ddim)).input?.inversion?.method, 'invert.ddim');
  });

  it("'none' is honoured: a method that can draw without one gets no inversion", async () => {
    // Prompt switching takes an inversion when it has one and otherwise samples from seeded noise.
    const plan = planned(planFromSlashOptions('edit', { method: 'guide.prompt_switch', prompt: 'a large blue circle in the center on sand', steps: 3 }, { caption: CAPTION, source: 'generated' }));
    assert.equal(plan.inversion.method, 'invert.direct');
    const none = checkPlan(EditPlan.parse({ ...plan, inversion: { method: 'none', reuseStored: false } }));
    const seen = await runRecorded(none);
    assert.ok(seen.input, 'the method ran');
    assert.equal(seen.input.inversion, undefined);
  });

  it('the scheduler, steps and guidance of the plan reach the method', async () => {
    const plan = planned(planFromSlashOptions('edit', { method: 'sdedit', strength: 0.4, scheduler: 'euler_a', steps: 4, guidance: 3.5 }, { caption: CAPTION }));
    assert.deepEqual({ scheduler: plan.output.scheduler, steps: plan.output.steps, guidance: plan.output.guidance }, { scheduler: 'euler_a', steps: 4, guidance: 3.5 });
    const seen = await runRecorded(plan);
    assert.deepEqual({ scheduler: seen.input?.scheduler, steps: seen.input?.steps, guidance: seen.input?.guidance }, { scheduler: 'euler_a', steps: 4, guidance: 3.5 });
    const plain = planned(planFromSlashOptions('edit', { method: 'sdedit', steps: 4 }, { caption: CAPTION }));
    assert.equal((await runRecorded(plain)).input?.scheduler, 'ddim', "without one, the method's default");
  });

  it('the parameters of the plan reach the method: its own by name, a strength as injection fractions', async () => {
    const sdedit = planned(planFromSlashOptions('edit', { method: 'sdedit', strength: 0.3, steps: 3 }, { caption: CAPTION }));
    assert.deepEqual((await runRecorded(sdedit)).params, { strength: 0.3 });
    const swap = planned(planFromInstruction('make the star blue', { caption: CAPTION, steps: 3 }));
    const stronger = checkPlan(EditPlan.parse({ ...swap, steps: [{ ...swap.steps[0]!, params: { ...swap.steps[0]!.params, strength: 0.75 } }] }));
    assert.equal(stronger.steps[0]!.method, 'p2p.replace');
    // 0.5 is the paper's 0.4 / 0.6; 0.75 halves them.
    assert.deepEqual((await runRecorded(stronger)).params, { crossReplaceSteps: 0.2, selfReplaceSteps: 0.3 });
  });
});

describe('plans are refused when they are made, with the parameter, the value and the range', () => {
  it('a parameter out of its method\'s range', () => {
    const result = planFromSlashOptions('edit', { method: 'sdedit', strength: 0 }, { caption: CAPTION });
    assert.equal(result.kind, 'clarify');
    assert.equal(result.kind === 'clarify' && result.question, "sdedit parameter 'strength' is 0; it must be more than 0 and at most 1 (default 0.5).");
  });

  it('a scheduler the method does not list', () => {
    const result = planFromSlashOptions('edit', { method: 'p2p.replace', source: 'red', target: 'blue', scheduler: 'dpmpp2m' }, { caption: CAPTION });
    assert.equal(result.kind === 'clarify' && result.question, 'p2p.replace samples with ddim, not dpmpp2m.');
  });

  it('an inversion the method does not take, or none where it needs one', () => {
    const plan = planned(planFromSlashOptions('edit', { method: 'p2p.replace', source: 'red', target: 'blue' }, { caption: CAPTION }));
    assert.throws(() => checkPlan(EditPlan.parse({ ...plan, inversion: { method: 'invert.ddpm', reuseStored: false } })), (e: Error) => e instanceof PlanRefused && /p2p.replace works with invert.direct or .*, not invert.ddpm/.test(e.message));
    assert.throws(() => checkPlan(EditPlan.parse({ ...plan, inversion: { method: 'none', reuseStored: false } })), /p2p.replace edits through an inversion of the image .* and the plan has none/);
  });

  it('a plan without a method of ours is left for the reply to call "not available yet"', () => {
    assert.equal(findMethod('sae.compose'), undefined);
    const result = planFromSlashOptions('edit', { method: 'sae.compose', region: 'top_left' }, { caption: CAPTION });
    assert.equal(result.kind, 'plan');
  });
});
