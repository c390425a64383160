import { invertDdimMethod } from './ddim.ts';
import type { Inversion, InversionModel, InvertOptions, NegativePromptInversionResult } from './types.ts';

/**
 * `invert.negative_prompt` (Miyake et al. 2023, "Negative-prompt Inversion"): the DDIM inversion at
 * guidance 1, then regeneration with the source prompt's embedding in place of the null embedding
 * at every step. No optimisation: with ∅ = c the guided prediction is ε(c) whatever the scale, so
 * the source branch retraces the guidance-1 inversion; an edit's target branch keeps c_src as its
 * negative prompt and moves away from it.
 */
export async function invertNegativePrompt(model: InversionModel, options: InvertOptions): Promise<NegativePromptInversionResult> {
  const ddim = await invertDdimMethod(model, options);
  return { ...ddim, method: 'invert.negative_prompt', uncond: ddim.cond };
}

export const negativePromptInversion: Inversion<NegativePromptInversionResult> = {
  id: 'invert.negative_prompt',
  name: 'Negative-prompt inversion',
  summary: "Use the source prompt's embedding as the null at every step; no optimisation",
  invert: invertNegativePrompt,
  // The stored `uncond` is the source prompt's embedding: sampling with it as the null is the method.
  sampling: (model, inversion) => ({ scheduler: model.scheduler('ddim'), uncond: inversion.uncond }),
  storage: { tensors: [], decode: (common) => ({ ...common, method: 'invert.negative_prompt' }) },
};
