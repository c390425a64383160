// Free-Prompt-Editing (Liu et al., CVPR 2024, "Towards Understanding Cross and Self-Attention in
// Stable Diffusion for Text-Guided Image Editing"): cross-attention maps carry the semantics, so the
// edit keeps its own; only the target's self-attention maps (layout, shape) are replaced by the
// source's, in the layers of at most 32² tokens (SD at 512²) for the first 80% of the steps. It
// needs no source prompt, so a real image only needs an inversion.
//
// Layers, mapped by resolution (shared/layers.ts): SD's "≤ 32² tokens" of a 64-wide latent is "at most
// half the latent's side" — on the shipped model's 16×16 latent, the 8×8 and 4×4 layers (7 of its 10).
// Batch: as the prompt-to-prompt code FPE builds on, only the conditional elements are edited (the
// target's conditional element takes the source's conditional queries and keys); the unconditional
// half runs unchanged. The official setting uses an empty source prompt: give the request an empty
// source prompt (the inversion is then made with it); with invert.direct the source branch follows
// the inversion whatever its prompt.
import { z } from 'zod';
import { branchElements } from '../pipeline/sampler.ts';
import { atMostSdTokens } from './shared/layers.ts';
import { leadingSteps, sampleWithSource } from './shared/feature-control.ts';
import { defineMethod } from './types.ts';

export const fpe = defineMethod({
  id: 'fpe',
  name: 'Free-Prompt-Editing',
  summary: 'Keep the layout (self-attention maps from the source) while the prompt rewrites the content',
  edit: 'style',
  alternativeFor: { style: 0, swap: 4, attribute: 4 },
  promptDriven: true,
  dial: { kind: 'injection', params: ['selfReplaceSteps'] },
  params: z.strictObject({
    /** Fraction of the steps whose self-attention maps are replaced (official `self_replace_steps` 0.8). */
    selfReplaceSteps: z.number().min(0).max(1).default(0.8),
    /** Replace in layers of at most this many tokens per side, in SD-512 terms (official 32, i.e. 32² tokens). */
    maxSdSide: z.number().int().min(1).max(64).default(32),
  }),
  needs: { inversion: ['invert.direct', 'invert.ddim', 'invert.null_text', 'invert.negative_prompt'], hooks: true },
  async run(input, params) {
    const { diffusion } = input;
    const [, , latentHeight, latentWidth] = diffusion.latentShape;
    const cond = await diffusion.encodePrompt(input.target.prompt);
    const layout = branchElements(2, input.guidance !== 1);
    const until = leadingSteps(input.steps, params.selfReplaceSteps);
    const layers = atMostSdTokens(latentHeight, latentWidth, params.maxSdSide);
    const latents = await sampleWithSource(input, [cond], (controls, step) => {
      if (step >= until) return false;
      controls.shareAttentionMaps({ layers, from: layout.cond(0), to: layout.cond(1) });
      return true;
    });
    return {
      latent: latents[1] as Float32Array,
      extraLatents: { source: latents[0] as Float32Array },
      metrics: { selfReplaceSteps: until, maxTokens: layers.maxTokens ?? 0 },
    };
  },
});
