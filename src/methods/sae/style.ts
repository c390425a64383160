// SAE style steering (Tinaz et al. 2025, sae.style): the decoder direction of the style's features
// (those labelled with the style word, the most intense first: the paper's concept intensity) is added
// at every position of a transformer block's delta around the middle of the schedule, where the paper
// finds style changes without the layout moving (early steps move things, late ones only touch
// details). Each position gets β times its own delta's norm.
import { z } from 'zod';
import { conditionalVectors } from '../../models/sae/positions.ts';
import type { InversionMethod } from '../../pipeline/inversion/index.ts';
import { defineMethod, EditRequestError } from '../types.ts';
import { direction, featuresFor, steeringSite, stepWindow } from './concepts.ts';
import { sampleFromSource } from './sampling.ts';

const STYLE_INVERSIONS: readonly InversionMethod[] = ['invert.ddim', 'invert.negative_prompt', 'invert.null_text'];

export const saeStyle = defineMethod({
  id: 'sae.style',
  name: 'SAE style steering',
  summary: "Restyles by adding the style's SAE features at every position around the middle of the schedule (needs the model's concept dictionary)",
  edit: 'style',
  promptDriven: false,
  params: z.strictObject({
    /** The style's word, as the dictionary labels it ("outlined"). */
    style: z.string().trim().min(1).max(40),
    /** A feature chosen by hand instead of the word's (its index at the block's t = 0.5 site, as `/concepts` lists them): for dictionaries without words. */
    feature: z.number().int().min(0).optional(),
    /** Relative to each position's delta norm (the paper's β 8 / 10 / 10 are on SD's raw scale). */
    beta: z.number().min(0).max(10).default(1),
    /** The steered part of the schedule, [from, until) as fractions of the steps: around t ≈ 0.5. */
    from: z.number().min(0).max(1).default(0.3),
    until: z.number().min(0).max(1).default(0.7),
    block: z.string().optional(),
    features: z.number().int().min(1).max(64).default(4),
    strength: z.number().optional(),
    prompt: z.string().optional(),
  }),
  needs: { inversion: STYLE_INVERSIONS, hooks: true, concepts: true, generates: true },
  async run(input, params) {
    const site = steeringSite(input.concepts, params.block, 0.5, 'sae.style');
    const block = site.block;
    const byIntensity = (f: number) => site.features.find((m) => m.feature === f)?.intensity ?? 0;
    if (params.feature !== undefined && params.feature >= site.sae.features) throw new EditRequestError(`sae.style: feature ${params.feature} is outside the ${site.sae.features} features of ${block}`);
    const features = params.feature !== undefined ? [params.feature] : featuresFor(site, params.style, params.features * 2).sort((a, b) => byIntensity(b) - byIntensity(a)).slice(0, params.features);
    if (features.length === 0) throw new EditRequestError(`sae.style: no feature of ${block} is labelled '${params.style}' (choose one by number with feature:)`);
    const push = direction(site, features);
    const positions = site.height * site.width;
    const { fromStep, untilStep } = stepWindow(params.from, params.until, input.steps);
    const norms = new Float32Array(positions).fill(site.quality.meanNorm);
    const latent = await sampleFromSource(input, {
      fromStep,
      untilStep,
      capture: `capture.${block}.delta`,
      onDelta: (_step, delta) => {
        const channels = site.sae.inputs;
        const vectors = conditionalVectors(delta, channels, positions);
        for (let p = 0; p < positions; p++) {
          let n = 0;
          for (let c = 0; c < channels; c++) n += (vectors[p * channels + c] as number) ** 2;
          norms[p] = Math.sqrt(n);
        }
      },
      steer: {
        block,
        map: () => {
          const map = new Float32Array(site.sae.inputs * positions);
          for (let p = 0; p < positions; p++) for (let c = 0; c < site.sae.inputs; c++) map[c * positions + p] = params.beta * (norms[p] as number) * (push[c] as number);
          return map;
        },
      },
    });
    return {
      latent,
      metrics: { features: features.length, steeredSteps: untilStep - fromStep },
      notes: [`added ${features.length} '${params.style}' feature(s) of ${block} at every position in steps ${fromStep + 1}–${untilStep} of ${input.steps}`],
    };
  },
});
