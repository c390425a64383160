// "Try another method": the same change by the next method that can make it, in the order the
// methods declare for each kind of edit (their `alternativeFor`); a method is skipped when the step
// lacks what it needs (a region for the masked methods, a new prompt for the prompt-driven ones).
import { alternativesFor, methodName, schedulersOf, type EditMethod, type MethodId } from '../../methods/index.ts';
import { readCaption } from '../../plan/caption.ts';
import { PlanRefused } from '../../plan/check.ts';
import { assemblePlan } from '../../plan/plan.ts';
import type { EditPlan, PlanStep } from '../../plan/index.ts';

function hasTargetPrompt(step: PlanStep): boolean {
  const p = step.params;
  return p.prompt !== undefined || (p.source !== undefined && p.target !== undefined) || p.style !== undefined;
}

function fits(method: EditMethod, step: PlanStep): boolean {
  // The studio makes masks from regions; a method that must have a mask needs one.
  if (method.needs.mask === 'required' && step.params.region === undefined) return false;
  if (step.edit !== 'variations' && method.promptDriven && !hasTargetPrompt(step)) return false;
  return true;
}

/** The next method after the step's own that fits it, in the kind's order (wrapping around). */
function nextMethod(step: PlanStep): EditMethod | undefined {
  const order = alternativesFor(step.edit);
  const start = order.findIndex((m) => m.id === step.method);
  for (let offset = 1; offset <= order.length; offset++) {
    const candidate = order[(start + offset) % order.length]!;
    if (candidate.id !== step.method && fits(candidate, step)) return candidate;
  }
  return undefined;
}

export interface Alternative {
  plan: EditPlan;
  from: MethodId;
  to: MethodId;
}

/** The plan with its first switchable step done by the next method, or undefined when none fits. */
export function anotherMethod(plan: EditPlan): Alternative | undefined {
  for (const [index, step] of plan.steps.entries()) {
    const next = nextMethod(step);
    if (!next) continue;
    const to = next.id;
    const steps = plan.steps.map((s, i) => (i === index ? { ...s, method: to } : s));
    const reason = `Trying ${next.name} instead of ${methodName(step.method)} for the same change: ${next.summary.charAt(0).toLowerCase()}${next.summary.slice(1)}.`;
    let rebuilt: EditPlan;
    try {
      rebuilt = assemblePlan(
        steps,
        [reason],
        {
          source: plan.source.kind,
          imageId: plan.source.imageId,
          storedInversion: plan.inversion.reuseStored,
          seed: plan.output.seed,
          // The plan's sampler where the next method has it; else that method's own.
          ...(plan.output.scheduler && schedulersOf(next).includes(plan.output.scheduler) ? { scheduler: plan.output.scheduler } : {}),
          steps: plan.output.steps,
          guidance: plan.output.guidance,
        },
        readCaption(plan.source.caption),
      );
    } catch (error) {
      // The next method can't take this step as it is (a parameter out of its range): try the next step.
      if (error instanceof PlanRefused) continue;
      throw error;
    }
    return { plan: rebuilt, from: step.method, to };
  }
  return undefined;
}

/** A button label naming the method it would try. */
export function anotherMethodLabel(alternative: Alternative): string {
  return `Try ${methodName(alternative.to)}`.slice(0, 80);
}
