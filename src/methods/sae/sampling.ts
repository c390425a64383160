// How the SAE methods sample: from the source's inversion, or regenerating from the picture's seed,
// with the source prompt; a block's delta captured at chosen steps, and a map added to it in the
// conditional branch.
import type { HostTensor } from '../../engine/index.ts';
import { toFloat32 } from '../../engine/index.ts';
import { inversionSampling } from '../../pipeline/inversion/index.ts';
import { sampleBranches } from '../../pipeline/sampler.ts';
import type { Scheduler } from '../../pipeline/schedulers/index.ts';
import { EditRequestError, type EditInput } from '../types.ts';

export interface SourceSampling {
  /** The prompt this pass draws from (default: the source's). */
  prompt?: string;
  /** Steps [fromStep, untilStep) are captured and steered. */
  fromStep?: number;
  untilStep: number;
  /** Capture this block's delta at the steps before untilStep, handed to onDelta. */
  capture?: string;
  onDelta?: (step: number, delta: Float32Array) => void;
  /** Add map(step) ([C × positions]) to this block's delta in the cond element, before untilStep. */
  steer?: { block: string; map: (step: number) => Float32Array | undefined };
}

/** Samples from the source's inversion (or seeded noise) with the source prompt. */
export async function sampleFromSource(input: EditInput, how: SourceSampling): Promise<Float32Array> {
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
  const { capture, steer } = how;
  const inWindow = (step: number) => step >= (how.fromStep ?? 0) && step < how.untilStep;
  const { latents } = await sampleBranches({
    unet,
    scheduler,
    steps: input.steps,
    guidance: input.guidance,
    seed: input.seed,
    branches: [{ cond: await diffusion.encodePrompt(how.prompt || input.source.prompt || input.target.prompt), uncond, uncondAt, start }],
    controls: (step) => {
      const map = steer && inWindow(step) ? steer.map(step) : undefined;
      return map && steer ? unet.controls().addTransformerDelta(steer.block, guided ? 1 : 0, map) : undefined;
    },
    captures: (step) => (capture && inWindow(step) ? [capture] : undefined),
    onCaptures: (step, captures) => {
      const t = capture ? captures[capture] : undefined;
      if (t) how.onDelta?.(step, t.dtype === 'float32' ? (t.data as Float32Array) : toFloat32(t.dtype, t.data));
    },
    onStep: input.onStep,
    signal: input.signal,
  });
  return latents[0] as Float32Array;
}
