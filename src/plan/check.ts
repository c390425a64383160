// A plan is checked once, when it is made, against what its steps' methods declare: their parameters
// (as the studio will pass them), the inversion, the scheduler. A plan that passes runs as it says;
// one that doesn't is refused before anything is queued, with the reason in words.
import { checkParams, EditRequestError, findMethod, inversionProblem, methodParams, schedulerProblem } from '../methods/index.ts';
import type { EditPlan } from './schema.ts';

/** A plan its methods can't run: the message names the parameter (or setting), the value and what it may be. */
export class PlanRefused extends Error {
  override readonly name = 'PlanRefused';
}

/** The plan, or PlanRefused. Steps naming a method that isn't available yet are left to the reply to explain. */
export function checkPlan(plan: EditPlan): EditPlan {
  const hasImage = plan.source.kind !== 'none';
  for (const step of plan.steps) {
    const method = findMethod(step.method);
    if (!method) continue;
    try {
      checkParams(method, methodParams(method, step.params));
    } catch (error) {
      if (error instanceof EditRequestError) throw new PlanRefused(`${error.message}.`);
      throw error;
    }
    const takesInversion = (method.needs.inversion?.length ?? 0) > 0;
    const problem = (takesInversion ? inversionProblem(method, plan.inversion.method) : undefined) ?? schedulerProblem(method, plan.output.scheduler);
    if (problem) throw new PlanRefused(`${problem}.`);
    if (hasImage && takesInversion && !method.needs.generates && plan.inversion.method === 'none') {
      throw new PlanRefused(`${method.id} edits through an inversion of the image (${method.needs.inversion!.join(' or ')}), and the plan has none.`);
    }
  }
  return plan;
}
