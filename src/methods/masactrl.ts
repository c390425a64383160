// MasaCtrl (Cao et al., ICCV 2023), mutual self-attention control: the target is sampled from the
// source's x_T with the target prompt, and from step S and layer L on its self-attention queries
// attend to the source's keys and values — the target's own layout (pose, action: the prompt) is
// filled with the source's content (colour, texture, identity). Non-rigid edits that keep identity.
//
// Defaults (official code): start step 4 of 50, start layer 10 of SD's 16 (forward order: the last
// six, the decoder's 32² and 64² layers); the source prompt is empty in the official real-image
// examples (give the request an empty source prompt to match). Both the unconditional and the
// conditional target elements attend to the source's element of the same kind, as the official code.
// Mapping (shared/layers.ts): the step is scaled to the run's steps (round(4·steps/50)); the layers
// are the decoder layers at SD's 32² and 64² resolutions, i.e. at least half the latent's side (the
// shipped model: its four 8×8 and 16×16 decoder layers, 6…9 of 10).
//
// Mask guidance: the paper restricts each target query to the source's foreground (or background)
// keys, from masks thresholded from cross-attention maps. The UNet's self-attention hooks mix whole
// batch elements (no per-key masking), so with a mask this implementation keeps the mutual attention
// and confines the edit to the mask instead: every step, outside the mask the target takes the
// source branch's latent (the background stays the source's, foreground content comes from the
// source's keys/values). A per-key self-attention bias hook would make it the paper's variant.
import { z } from 'zod';
import { mapSide } from './shared/layers.ts';
import { elementsOf, sampleWithSource } from './shared/feature-control.ts';
import { blendLatents } from './shared/mask.ts';
import { defineMethod, EditRequestError } from './types.ts';

/** The official schedule's length, against which `startStep` is given. */
const PAPER_STEPS = 50;

export const masactrl = defineMethod({
  id: 'masactrl',
  summary: "Change pose or layout by the prompt while keeping the source's content (mutual self-attention)",
  params: z.strictObject({
    /** First controlled step, of 50 (official `start_step` 4); scaled to the run's steps. */
    startStep: z.number().int().min(0).max(PAPER_STEPS).default(4),
    /** First controlled layer, of SD's 16 (official `start_layer` 10: the decoder's 32² and 64² layers). */
    startLayer: z.number().int().min(0).max(16).default(10),
    /** With the request's mask: keep the source outside it every step (see the header). */
    useMask: z.boolean().default(true),
  }),
  needs: { inversion: ['invert.direct', 'invert.ddim', 'invert.null_text', 'invert.negative_prompt'], hooks: true, mask: 'optional' },
  async run(input, params) {
    const { diffusion } = input;
    const [, , latentHeight, latentWidth] = diffusion.latentShape;
    const cond = await diffusion.encodePrompt(input.target.prompt);
    const guided = input.guidance !== 1;
    const start = Math.round((params.startStep * input.steps) / PAPER_STEPS);
    const sources = elementsOf(2, guided, 0);
    const targets = elementsOf(2, guided, 1);
    // SD's layer 10 of 16 is the first 32² decoder layer; layers from there on are those of the decoder
    // at SD sides ≥ 32 (the forward order goes 16², 32², 64² in the decoder). A start layer before the
    // decoder (< 7) also takes every decoder layer; the encoder is never controlled (as the official code's
    // layer count runs over its hooked decoder layers first for SD's last layers).
    const sdSide = params.startLayer >= 13 ? 64 : params.startLayer >= 10 ? 32 : params.startLayer >= 7 ? 16 : 1;
    const minTokens = mapSide(latentHeight, sdSide) * mapSide(latentWidth, sdSide);
    const layers = { place: 'up' as const, minTokens };
    const mask = params.useMask ? input.mask : undefined;
    if (mask && mask.latent.length !== latentHeight * latentWidth) throw new EditRequestError(`the mask is ${mask.latentWidth}×${mask.latentHeight} at latent size, the latent ${latentWidth}×${latentHeight}`);
    const size = input.source.latent.length;
    const afterStep = mask
      ? (_step: number, latent: Float32Array) => {
          const out = latent.slice();
          out.set(blendLatents(latent.subarray(size, 2 * size), latent.subarray(0, size), mask.latent), size);
          return out;
        }
      : undefined;
    let controlled = 0;
    const latents = await sampleWithSource(
      input,
      [cond],
      (controls, step) => {
        if (step < start) return false;
        if (step === start) controlled = controls.selfAttention(layers).length;
        targets.forEach((to, i) => controls.attendTo({ layers, from: sources[i] as number, to }));
        return true;
      },
      { afterStep },
    );
    return {
      latent: latents[1] as Float32Array,
      extraLatents: { source: latents[0] as Float32Array },
      metrics: { startStep: start, controlledLayers: controlled },
      mask: mask?.latent,
    };
  },
});
