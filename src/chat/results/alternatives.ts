// "Try another method": the same change by the next method that can make it. The order per kind of
// edit is the planner's preference (src/plan/select.ts picks the first), then the methods that keep
// less of the source; a method is skipped when the step lacks what it needs (a region for the
// masked methods, a new prompt for the prompt-driven ones).
import { findMethod } from '../../methods/index.ts';
import { readCaption } from '../../plan/caption.ts';
import { isAvailable, methodName, type MethodId } from '../../plan/methods.ts';
import { assemblePlan } from '../../plan/plan.ts';
import type { EditPlan, PlanStep } from '../../plan/index.ts';

const METHODS_FOR: Partial<Record<PlanStep['edit'], readonly MethodId[]>> = {
  swap: ['p2p.replace', 'p2p.local', 'p2p.refine', 'pnp', 'fpe', 'sdedit'],
  attribute: ['p2p.replace', 'p2p.refine', 'p2p.local', 'pnp', 'fpe', 'sdedit'],
  add: ['p2p.refine', 'blended', 'sdedit'],
  remove: ['diffedit', 'blended', 'repaint', 'sdedit'],
  style: ['fpe', 'pnp', 'sdedit'],
  move: ['sae.move', 'masactrl', 'sdedit'],
  pose: ['masactrl', 'sdedit'],
  variations: ['sdedit', 'ilvr'],
};

/** Methods that redraw the whole image toward a new prompt: without one they change nothing asked for. */
const PROMPT_DRIVEN = new Set<MethodId>(['p2p.replace', 'p2p.refine', 'p2p.local', 'pnp', 'fpe', 'masactrl', 'sdedit']);

function hasTargetPrompt(step: PlanStep): boolean {
  const p = step.params;
  return p.prompt !== undefined || (p.source !== undefined && p.target !== undefined) || p.style !== undefined;
}

function fits(id: MethodId, step: PlanStep): boolean {
  const method = findMethod(id);
  if (!method || !isAvailable(id)) return false;
  // The studio makes masks from regions; a method that must have a mask needs one.
  if (method.needs.mask === 'required' && step.params.region === undefined) return false;
  if (step.edit !== 'variations' && PROMPT_DRIVEN.has(id) && !hasTargetPrompt(step)) return false;
  return true;
}

/** The next method after the step's own that fits it, in the kind's order (wrapping around). */
function nextMethod(step: PlanStep): MethodId | undefined {
  const order = METHODS_FOR[step.edit] ?? [];
  const start = order.indexOf(step.method);
  for (let offset = 1; offset <= order.length; offset++) {
    const candidate = order[(start + offset) % order.length]!;
    if (candidate !== step.method && fits(candidate, step)) return candidate;
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
    const to = nextMethod(step);
    if (!to) continue;
    const steps = plan.steps.map((s, i) => (i === index ? { ...s, method: to } : s));
    const summary = findMethod(to)?.summary;
    const reason = `Trying ${methodName(to)} instead of ${methodName(step.method)} for the same change${summary ? `: ${summary.charAt(0).toLowerCase()}${summary.slice(1)}` : ''}.`;
    const rebuilt = assemblePlan(
      steps,
      [reason],
      {
        source: plan.source.kind,
        imageId: plan.source.imageId,
        storedInversion: plan.inversion.reuseStored,
        seed: plan.output.seed,
        steps: plan.output.steps,
        guidance: plan.output.guidance,
      },
      readCaption(plan.source.caption),
    );
    return { plan: rebuilt, from: step.method, to };
  }
  return undefined;
}

/** A button label naming the method it would try. */
export function anotherMethodLabel(alternative: Alternative): string {
  return `Try ${methodName(alternative.to)}`.slice(0, 80);
}
