// A picture the bot drew can be drawn again exactly: the same prompt, seed and settings give the
// same pixels (on the shipped model the redraw of an /imagine differs by at most 1/255). A method
// that edits by redrawing from the picture's own noise (sae.move) is planned that way instead of
// through an inversion, which it can't steer (from an inversion sae.move moved 0 of 6).
import { findMethod } from '../methods/index.ts';
import { checkPlan } from './check.ts';
import { EditPlan } from './schema.ts';

/** How the picture was drawn: drawn again from these, it comes out the same. */
export interface DrawnWith {
  /** The words the model drew from (on the shipped model, the whole caption that completed the prompt). */
  prompt: string;
  negativePrompt?: string;
  seed: number;
  steps: number;
  guidance: number;
  /** The model that drew it, when not the deployment's default. */
  model?: string;
}

/**
 * The plan redrawn from the picture's own noise, where its one step's method edits that way and we
 * know how the picture was drawn; else the plan as it is. Only a one-step plan: a later step edits
 * a picture nobody drew.
 */
export function redrawnPlan(plan: EditPlan, drawn: DrawnWith | undefined): EditPlan {
  const [step, ...rest] = plan.steps;
  if (!drawn || !step || rest.length > 0 || plan.source.kind !== 'generated' || !findMethod(step.method)?.needs.ownNoise) return plan;
  const reason = `${plan.reason.replace(/\.$/, '')}; the picture is drawn again from its own noise (seed ${drawn.seed}, ${drawn.steps} steps), as it was made, not from an inversion.`;
  // The drawing's sampler is DDIM, sae.move's only one.
  const { scheduler: _scheduler, ...output } = plan.output;
  return checkPlan(EditPlan.parse({
    ...plan,
    source: { ...plan.source, caption: drawn.prompt },
    inversion: { method: 'none', reuseStored: false },
    steps: [{ ...step, params: { ...step.params, ...(drawn.negativePrompt ? { negativePrompt: drawn.negativePrompt } : {}) } }],
    output: { ...output, seed: drawn.seed, steps: drawn.steps, guidance: drawn.guidance, ...(drawn.model ? { model: drawn.model } : {}) },
    reason: reason.length > 600 ? `${reason.slice(0, 597)}...` : reason,
  }));
}
