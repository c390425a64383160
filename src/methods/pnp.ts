// Plug-and-Play diffusion features (Tumanyan et al. 2023): the source image is inverted, and while
// the target prompt is sampled from the same x_T, the target takes the source's spatial features —
// a decoder resnet's output for the first 80% of the steps and the self-attention queries and keys
// (hence its self-attention maps) of the decoder for the first 50% — so the layout stays and the
// prompt changes the appearance.
//
// Layers, mapped from SD 1.x by resolution (shared/layers.ts):
// - features: the official code hooks `up_blocks[1].resnets[1]`, the second decoder resnet at 16×16,
//   one level above SD's 8×8 bottleneck; here: the second decoder resnet one level above this UNet's
//   bottleneck (the shipped model's 16×16 latent: `up_blocks.1.resnets.1` at 8×8). A quarter of the
//   latent's side, as the attention layers are mapped, would land on the shipped model's 4×4
//   bottleneck, which carries too little layout: with a place-free recolouring target (50 steps, 12
//   scenes) objects' cells kept 71% there vs 92% at 8×8, 67% without injection.
// - attention: `up_blocks[1].attentions[1:]`, `up_blocks[2..3]` — SD's self-attention layers 8…15 of
//   16 in forward order, every decoder layer but the first; here the same fraction of this UNet's
//   layers: [round(8·n/16), n) (the shipped model's n = 10: layers 5…9, `up_blocks.0.attentions.1`
//   and every 8×8 and 16×16 decoder layer).
// Batch: the official code runs the source latent with the empty prompt as one element and gives its
// features to both the unconditional and the conditional target elements; here that is the source
// branch's unconditional element (its ∅, or null-text's ∅_t), or its only element without guidance.
// The official code also uses the negative prompt "ugly, blurry, black, low res, unrealistic"; pass
// it as the request's negative prompt to match (it replaces null-text's per-step nulls in the edit).
import { z } from 'zod';
import { branchElements } from '../pipeline/sampler.ts';
import { mapLayerIndex } from './shared/layers.ts';
import { decoderResnetsAboveBottleneck, elementsOf, leadingSteps, sampleWithSource } from './shared/feature-control.ts';
import { defineMethod } from './types.ts';

/** SD's feature-injection site: the second decoder resnet one level above the bottleneck. */
const FEATURE_LEVEL = 1;
/** SD's first injected self-attention layer (forward order, of 16): `up_blocks[1].attentions[1]`. */
const SD_FIRST_ATTENTION_LAYER = 8;

export const pnp = defineMethod({
  id: 'pnp',
  name: 'Plug-and-Play',
  summary: 'Keep the layout of the image (injected features and self-attention) while the prompt changes its appearance',
  edit: 'style',
  alternativeFor: { style: 1, swap: 3, attribute: 3 },
  promptDriven: true,
  dial: { kind: 'injection', params: ['featureSteps', 'attentionSteps'] },
  params: z.strictObject({
    /** Fraction of the steps with resnet-feature injection (official `pnp_f_t` = 0.8). */
    featureSteps: z.number().min(0).max(1).default(0.8),
    /** Fraction of the steps with self-attention Q/K injection (official `pnp_attn_t` = 0.5). */
    attentionSteps: z.number().min(0).max(1).default(0.5),
  }),
  needs: { inversion: ['invert.direct', 'invert.ddim', 'invert.null_text', 'invert.negative_prompt'], hooks: true },
  async run(input, params) {
    const { diffusion } = input;
    const cond = await diffusion.encodePrompt(input.target.prompt);
    const guided = input.guidance !== 1;
    const featureUntil = leadingSteps(input.steps, params.featureSteps);
    const attentionUntil = leadingSteps(input.steps, params.attentionSteps);
    const from = guided ? branchElements(2, true).uncond(0) : branchElements(2, false).cond(0);
    const targets = elementsOf(2, guided, 1);
    let featurePath: string | undefined;
    const latents = await sampleWithSource(input, [cond], (controls, step) => {
      const layout = controls.layout;
      const count = layout.selfAttention.length;
      featurePath ??= (() => {
        const sites = decoderResnetsAboveBottleneck(layout, FEATURE_LEVEL);
        return (sites[Math.min(1, sites.length - 1)] as (typeof sites)[number]).path;
      })();
      const attention = { place: 'up' as const, range: [mapLayerIndex(SD_FIRST_ATTENTION_LAYER, count), count] as const };
      for (const to of targets) {
        if (step < featureUntil) controls.injectFeatures({ layers: { paths: [featurePath] }, from, to });
        if (step < attentionUntil) controls.shareAttentionMaps({ layers: attention, from, to });
      }
      return step < featureUntil || step < attentionUntil;
    });
    return {
      latent: latents[1] as Float32Array,
      extraLatents: { source: latents[0] as Float32Array },
      metrics: { featureSteps: featureUntil, attentionSteps: attentionUntil },
    };
  },
});
