// SAE spatial steering (Tinaz et al. 2025, sae.move): the picture is sampled again from its inversion
// and, in the first steps, the object's concept direction (the sum of the decoder columns of the
// features labelled with its word) is added to a transformer block's residual delta inside the asked
// grid cell and taken away where the object is now, each position by β times its own delta's norm.
// Early steps fix the layout, so the object is drawn where it was pushed. The source is pasted back
// outside the object's old area (the request's mask) and the new cell.
import { z } from 'zod';
import type { HostTensor } from '../../engine/index.ts';
import { inversionSampling, type InversionMethod } from '../../pipeline/inversion/index.ts';
import { sampleBranches } from '../../pipeline/sampler.ts';
import type { Scheduler } from '../../pipeline/schedulers/index.ts';
import { GRID_CELLS } from '../shared/grid.ts';
import { defineMethod, EditRequestError, type EditInput } from '../types.ts';
import { cellPositions, direction, featuresFor, requireSite } from './concepts.ts';
import { steerer } from './steer.ts';

const MOVE_INVERSIONS: readonly InversionMethod[] = ['invert.ddim', 'invert.negative_prompt', 'invert.null_text'];

export const saeMove = defineMethod({
  id: 'sae.move',
  name: 'SAE spatial steering',
  summary: "Moves an object by pushing its concept's SAE direction into the new place in the first steps (needs the model's concept dictionary)",
  edit: 'move',
  promptDriven: false,
  params: z.strictObject({
    /** The object's word, as the dictionary labels it ("star"). */
    object: z.string().trim().min(1).max(40),
    region: z.enum(GRID_CELLS),
    /** The paper: β 4000 / 400 / 1000 early / middle / final on SD's raw scale; here relative to each position's norm. */
    beta: z.number().min(0).max(50).default(4),
    /** Fraction of the steps steered (the paper: steering works early). */
    until: z.number().min(0).max(1).default(0.3),
    /** The transformer block steered (default: the dictionary's up block, the paper's best for layout). */
    block: z.string().optional(),
    /** Features of the object's word summed into its direction. */
    features: z.number().int().min(1).max(64).default(4),
    // Planner context the method does not use (shared with masactrl's move params).
    direction: z.string().optional(),
    distance: z.number().optional(),
    anchor: z.string().optional(),
  }),
  needs: { inversion: MOVE_INVERSIONS, hooks: true, concepts: true, local: true, generates: true },
  async run(input, params) {
    const dictionary = input.concepts;
    const block = params.block ?? dictionary?.sites.find((s) => s.block.startsWith('up_blocks'))?.block ?? dictionary?.sites[0]?.block ?? '';
    const site = requireSite(dictionary, { block, time: 1, branch: 'cond' }, 'sae.move');
    const features = featuresFor(site, params.object, params.features);
    if (features.length === 0) throw new EditRequestError(`sae.move: no feature of ${block} is labelled '${params.object}'; the dictionary knows ${[...new Set(site.features.flatMap((f) => f.words.slice(0, 1).map((w) => w.word)))].sort().join(', ')}`);
    const push = direction(site, features);
    const inside = cellPositions(params.region, site.height, site.width);
    const steer = steerer(site, push, {
      beta: params.beta,
      untilStep: Math.round(params.until * input.steps),
      // Add the object's direction inside the new cell, take it away where its features are active now.
      weightAt: (position, activity) => (inside[position] ? 1 : activity[position]! > 0.1 ? -1 : 0),
      activityOf: features,
    });
    const latent = await sampleSteered(input, steer);
    const area = input.mask ? mergeArea(input.mask.latent, cellPositions(params.region, input.diffusion.latentShape[2], input.diffusion.latentShape[3])) : undefined;
    return {
      latent,
      mask: area,
      metrics: { features: features.length, steeredSteps: steer.steered() },
      notes: [`pushed ${features.length} '${params.object}' feature(s) of ${block} into the ${params.region.replace('_', ' ')} for the first ${Math.round(params.until * 100)}% of the steps`],
    };
  },
});

function mergeArea(a: Float32Array, b: Uint8Array): Float32Array {
  return a.map((v, i) => Math.max(v, b[i] as number));
}

/** Samples from the source's inversion (or seeded noise) with the source prompt, steered. */
export async function sampleSteered(input: EditInput, steer: ReturnType<typeof steerer>): Promise<Float32Array> {
  const { diffusion } = input;
  const guided = input.guidance !== 1;
  const unet = await diffusion.unet(guided ? 2 : 1);
  let start: Float32Array | undefined;
  let scheduler: Scheduler = diffusion.scheduler('ddim');
  let uncond: HostTensor | undefined = guided ? await diffusion.encodePrompt(input.target.negativePrompt ?? '') : undefined;
  let uncondAt: ((step: number) => HostTensor | undefined) | undefined;
  if (input.inversion) {
    if (input.inversion.steps !== input.steps) throw new EditRequestError(`the inversion has ${input.inversion.steps} steps and the edit asks for ${input.steps}; invert again with ${input.steps} steps`);
    const plan = inversionSampling(diffusion, input.inversion, { guidance: input.guidance });
    start = plan.start;
    scheduler = plan.scheduler;
    uncond = plan.uncond ?? uncond;
    uncondAt = plan.uncondAt;
  }
  const prompt = input.source.prompt || input.target.prompt;
  const { latents } = await sampleBranches({
    unet,
    scheduler,
    steps: input.steps,
    guidance: input.guidance,
    seed: input.seed,
    branches: [{ cond: await diffusion.encodePrompt(prompt), uncond, uncondAt, start }],
    controls: (step) => steer.controls(unet, step, guided),
    captures: (step) => steer.captures(step),
    onCaptures: (step, captures) => steer.observe(step, captures),
    onStep: input.onStep,
    signal: input.signal,
  });
  return latents[0] as Float32Array;
}
