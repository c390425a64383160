import { invertDdimMethod } from './ddim.ts';
import type { DirectInversionResult, Inversion, InversionModel, InvertOptions } from './types.ts';

/**
 * `invert.direct` (Ju et al. 2023, "Direct Inversion" / PnP inversion): the DDIM inversion's
 * trajectory x*_0 … x*_T is kept; while sampling, `DirectInversionCorrection` adds back to the
 * source branch the offset between x*_{t−1} and the source branch's guided step, so the source
 * branch follows the inversion exactly and the edit branch is free.
 */
export async function invertDirect(model: InversionModel, options: InvertOptions): Promise<DirectInversionResult> {
  const ddim = await invertDdimMethod(model, options);
  return { ...ddim, method: 'invert.direct' };
}

/**
 * The three lines Direct Inversion adds to any attention-control edit. After sampling step `step`
 * (0-based from x_T) the source branch should be at x*_{t−1} = trajectory[steps − 1 − step]; the
 * offset x*_{t−1} − z^src_{t−1} is added to that branch only. The official code computes the same
 * offsets in a separate pass over the unedited source branch and adds the stored ones; computing
 * them at the step gives the same numbers without that pass and stays exact when the guidance or
 * the batch layout of the editing run differs. `offsets` keeps what was added (drift per step).
 *
 * A latent may hold several branches of `trajectory[0].length` values each ([source, target, …]);
 * `branch` says which is the source (0 by default).
 */
export class DirectInversionCorrection {
  readonly offsets: Float32Array[] = [];
  private readonly size: number;

  constructor(
    readonly trajectory: readonly Float32Array[],
    readonly branch = 0,
  ) {
    if (trajectory.length < 2) throw new Error('DirectInversionCorrection: the trajectory needs x_0 … x_T (at least 2 latents)');
    this.size = (trajectory[0] as Float32Array).length;
  }

  get steps(): number {
    return this.trajectory.length - 1;
  }

  /** The latent the source branch must be at after sampling step `step`. */
  target(step: number): Float32Array {
    const target = this.trajectory[this.steps - 1 - step];
    if (!target || step < 0) throw new RangeError(`DirectInversionCorrection: step ${step} is outside 0 … ${this.steps - 1}`);
    return target;
  }

  /** Returns `latent` with the source branch moved by x*_{t−1} − z^src_{t−1}. */
  apply(step: number, latent: Float32Array): Float32Array {
    const target = this.target(step);
    const start = this.branch * this.size;
    if (latent.length < start + this.size || latent.length % this.size !== 0) {
      throw new RangeError(`DirectInversionCorrection: a latent of ${latent.length} values has no branch ${this.branch} of ${this.size}`);
    }
    const out = latent.slice();
    const offset = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const current = latent[start + i] as number;
      offset[i] = (target[i] as number) - current;
      out[start + i] = current + (offset[i] as number);
    }
    this.offsets[step] = offset;
    return out;
  }

  /** For `sample({ afterStep })`. */
  readonly afterStep = (step: number, latent: Float32Array): Float32Array => this.apply(step, latent);
}

export const directInversion: Inversion<DirectInversionResult> = {
  id: 'invert.direct',
  name: 'Direct Inversion',
  summary: "Keep the DDIM inversion's latents and pin the source branch to them at every step, so the edit branch alone changes",
  invert: invertDirect,
  sampling(model, inversion) {
    const correction = new DirectInversionCorrection(inversion.trajectory);
    return { scheduler: model.scheduler('ddim'), uncond: inversion.uncond, afterStep: correction.afterStep, correction };
  },
  // The offsets are computed while sampling from the trajectory: nothing more to keep.
  storage: { tensors: [], decode: (common) => ({ ...common, method: 'invert.direct' }) },
};
