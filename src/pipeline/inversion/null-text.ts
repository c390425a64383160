import * as E from '../../engine/index.ts';
import { buildUNet } from '../../models/unet/unet.ts';
import { DdimScheduler, guide, type Scheduler } from '../schedulers/index.ts';
import { SamplingCancelled } from '../sampler.ts';
import { invertDdimMethod } from './ddim.ts';
import { checkInvertOptions, INVERSION_DEFAULTS, type ExtraInvertOptions, type Inversion, type InversionModel, type InvertOptions, type NullTextInversionResult } from './types.ts';

export interface NullTextOptions extends InvertOptions, Pick<ExtraInvertOptions, 'innerSteps' | 'epsilon'> {
  /** A compiled gradient graph to reuse across images (else one is compiled and released per call). */
  graph?: NullTextGraph;
}

export const NULL_TEXT_DEFAULTS = { innerSteps: 10, epsilon: 1e-5, lr: 1e-2 };

/** The official learning rate at step i: 1e-2·(1 − i/100), floored at 1e-3 for runs of over 90 steps. */
export const nullTextLearningRate = (i: number): number => NULL_TEXT_DEFAULTS.lr * Math.max(1 - i / 100, 0.1);

const float = (value: number): E.HostTensor => ({ dtype: 'float32', shape: [], data: Float32Array.of(value) });

/**
 * One Adam step on the null embedding as a single engine graph (batch 1):
 *   ε_∅ = UNet(z_t, t, ∅)                                      (∅ a graph input: the trainable half)
 *   ε   = ε_∅ + w·(ε_c − ε_∅)                                  (ε_c fed: the constant conditional half)
 *   z'  = √ᾱ_prev·clip((z_t − √(1−ᾱ_t)·ε)/√ᾱ_t) + √(1−ᾱ_prev)·ε   (the DDIM step, eta 0)
 *   loss = mean((z' − z*_{t−1})²),  g = ∂loss/∂∅ (engine autodiff), Adam (engine optimiser) → ∅', m', v'.
 * The conditional prediction does not depend on ∅, so it is computed once per timestep by the
 * ordinary batch-1 UNet and fed in (as the official code does under no_grad): each Adam iteration
 * pays one batch-1 forward and backward instead of a batch-2 one.
 */
export class NullTextGraph {
  private constructor(
    readonly program: E.Program,
    readonly embeddingShape: readonly number[],
    private readonly optimizer: E.Optimizer,
  ) {}

  static async compile(model: InversionModel, scheduler: Scheduler = model.scheduler('ddim')): Promise<NullTextGraph> {
    const { config, weights } = model.model.unet;
    const [, channels, height, width] = model.latentShape;
    const embedding = await model.encodePrompt('');
    const embeddingShape = [...embedding.shape];
    const [, textLength] = embeddingShape as [number, number, number];
    const latentShape = [1, channels, height, width];
    const scalar = (name: string) => E.input(name, [], 'float32');
    const sample = E.input('sample', latentShape);
    const timestep = E.input('timestep', [1]);
    const uncond = E.input('uncond', embeddingShape);
    const epsCond = E.input('eps_cond', latentShape);
    const target = E.input('target', latentShape);
    const [w, b, invA, aPrev, d] = ['guidance', 'sqrt_one_minus_abar', 'inv_sqrt_abar', 'sqrt_abar_prev', 'dir_coef'].map(scalar) as E.Tensor[];
    const epsUncond = E.scope('null_text', () => buildUNet(config, weights, { batch: 1, height, width, textLength, dtype: 'float32' }, { sample, timestep, encoderHiddenStates: uncond }).output);
    const eps = E.add(epsUncond, E.mul(E.sub(epsCond, epsUncond), w as E.Tensor));
    let x0 = E.mul(E.sub(sample, E.mul(eps, b as E.Tensor)), invA as E.Tensor);
    const clip = (scheduler.config.clip_sample ?? true) ? scheduler.config.clip_sample_range : null;
    if (clip !== null && clip !== undefined) {
      x0 = E.where(E.greater(x0, clip), clip, x0);
      x0 = E.where(E.less(x0, -clip), -clip, x0);
    }
    const prev = E.add(E.mul(x0, aPrev as E.Tensor), E.mul(eps, d as E.Tensor));
    const loss = E.mean(E.square(E.sub(prev, target)));
    const [gradient] = E.grad(loss, [uncond]);
    const optimizer = E.adam({ lr: NULL_TEXT_DEFAULTS.lr });
    const state = optimizer.slots.map((slot) => E.input(`adam_${slot}`, embeddingShape));
    const scalars = optimizer.scalarNames.map((name) => scalar(`adam_${name}`));
    const next = optimizer.update(uncond, gradient as E.Tensor, state, scalars);
    const outputs: Record<string, E.Tensor> = { loss, uncond_next: next.param };
    optimizer.slots.forEach((slot, k) => (outputs[`adam_${slot}_next`] = next.state[k] as E.Tensor));
    const program = await E.Program.compile(outputs, model.options.compile);
    return new NullTextGraph(program, embeddingShape, optimizer);
  }

  /**
   * Optimises ∅ for one timestep: at most `innerSteps` Adam iterations from `init`, stopping once
   * the loss (measured before each update, as the official code does) is below `threshold`.
   */
  async optimise(args: {
    init: E.HostTensor;
    latent: Float32Array;
    timestep: number;
    epsCond: Float32Array;
    target: Float32Array;
    guidance: number;
    coefficients: { b: number; invA: number; aPrev: number; d: number };
    lr: number;
    innerSteps: number;
    threshold: number;
  }): Promise<{ uncond: E.HostTensor; loss: number; iterations: number }> {
    const shape = [1, ...this.program.inputs.find((i) => i.name === 'sample')!.shape.slice(1)];
    const fixed: Record<string, E.HostTensor> = {
      sample: { dtype: 'float32', shape, data: args.latent },
      timestep: { dtype: 'float32', shape: [1], data: Float32Array.of(args.timestep) },
      eps_cond: { dtype: 'float32', shape, data: args.epsCond },
      target: { dtype: 'float32', shape, data: args.target },
      guidance: float(args.guidance),
      sqrt_one_minus_abar: float(args.coefficients.b),
      inv_sqrt_abar: float(args.coefficients.invA),
      sqrt_abar_prev: float(args.coefficients.aPrev),
      dir_coef: float(args.coefficients.d),
    };
    const feeds: Record<string, E.HostTensor> = { ...fixed, uncond: args.init };
    const zeros = () => ({ dtype: 'float32' as const, shape: [...this.embeddingShape], data: new Float32Array(args.init.data.length) });
    for (const slot of this.optimizer.slots) feeds[`adam_${slot}`] = zeros();
    let loss = Number.POSITIVE_INFINITY;
    let iterations = 0;
    for (let k = 1; k <= args.innerSteps; k++) {
      const values = this.optimizer.scalars(k);
      this.optimizer.scalarNames.forEach((name, i) => (feeds[`adam_${name}`] = float(name === 'lr' ? args.lr : (values[i] as number))));
      const out = await this.program.run(feeds);
      loss = Number((out.loss as E.HostTensor).data[0]);
      feeds.uncond = out.uncond_next as E.HostTensor;
      for (const slot of this.optimizer.slots) feeds[`adam_${slot}`] = out[`adam_${slot}_next`] as E.HostTensor;
      iterations = k;
      if (loss < args.threshold) break;
    }
    return { uncond: feeds.uncond as E.HostTensor, loss, iterations };
  }

  async release(): Promise<void> {
    await this.program.release();
  }
}

/**
 * `invert.null_text` (Mokady et al. 2022, "Null-text Inversion"): the DDIM inversion at guidance 1
 * is the pivot z*_0 … z*_T. From z̄_T = z*_T, for each sampling step i optimise the null embedding
 * ∅_i (starting from ∅_{i−1}, the first from the empty prompt) so that the guided DDIM step at
 * guidance w from z̄_t lands on z*_{t−1}; then advance z̄ with the optimised ∅_i. Regenerating with
 * the per-step embeddings (`reconstruct`) retraces the pivot at guidance w.
 */
export async function invertNullText(model: InversionModel, options: NullTextOptions): Promise<NullTextInversionResult> {
  checkInvertOptions(model, options);
  const innerSteps = options.innerSteps ?? NULL_TEXT_DEFAULTS.innerSteps;
  const epsilon = options.epsilon ?? NULL_TEXT_DEFAULTS.epsilon;
  const guidance = options.guidance ?? INVERSION_DEFAULTS.guidance;
  if (!Number.isInteger(innerSteps) || innerSteps < 0) throw new RangeError(`innerSteps must be a non-negative integer, got ${innerSteps}`);
  const started = performance.now();
  // The pivot: the plain DDIM inversion, whose trajectory each null-text step is fitted to.
  const inversion = await invertDdimMethod(model, options);
  const ddimMs = inversion.timings.totalMs;

  const scheduler = model.scheduler('ddim');
  if (!(scheduler instanceof DdimScheduler)) throw new Error('invert.null_text needs the DDIM scheduler');
  scheduler.setTimesteps(options.steps);
  const timesteps = [...scheduler.timesteps];
  const steps = timesteps.length;
  const graph = options.graph ?? (await NullTextGraph.compile(model, scheduler));
  const compiledAt = performance.now();
  try {
    const { cond, uncond } = inversion;
    const unet = await model.unet(1);
    const size = options.latent.length;
    const shape = [1, ...model.latentShape.slice(1)];
    const predict = async (latent: Float32Array, t: number, context: E.HostTensor): Promise<Float32Array> => {
      const { sample } = await unet.step({
        sample: { dtype: 'float32', shape, data: latent },
        timestep: { dtype: 'float32', shape: [1], data: Float32Array.of(t) },
        encoderHiddenStates: context,
      });
      return sample.data as Float32Array;
    };
    const embeddings = new Float32Array(steps * uncond.data.length);
    const losses: number[] = [];
    const iterations: number[] = [];
    let nullEmbedding: E.HostTensor = { ...uncond, data: (uncond.data as Float32Array).slice() };
    let latent = inversion.trajectory[steps] as Float32Array;
    for (const [i, t] of timesteps.entries()) {
      if (options.signal?.aborted) throw new SamplingCancelled(`null-text optimisation cancelled after ${i} of ${steps} steps`);
      const target = inversion.trajectory[steps - i - 1] as Float32Array;
      const epsCond = await predict(latent, t, cond);
      const abar = scheduler.alphaBar(t);
      const abarPrev = scheduler.alphaBar(scheduler.previousTimestep(t));
      const result = await graph.optimise({
        init: nullEmbedding,
        latent,
        timestep: t,
        epsCond,
        target,
        guidance,
        coefficients: { b: Math.sqrt(1 - abar), invA: 1 / Math.sqrt(abar), aPrev: Math.sqrt(abarPrev), d: Math.sqrt(1 - abarPrev) },
        lr: nullTextLearningRate(i),
        innerSteps,
        threshold: epsilon + i * 2e-5,
      });
      nullEmbedding = result.uncond;
      embeddings.set(nullEmbedding.data as Float32Array, i * uncond.data.length);
      losses.push(result.loss);
      iterations.push(result.iterations);
      const epsUncond = await predict(latent, t, nullEmbedding);
      latent = scheduler.step(guide(epsUncond, epsCond, guidance), t, latent).prevSample;
      if (latent.length !== size) throw new Error('invert.null_text: latent size changed');
      await options.onStep?.('null_text', i + 1, steps);
    }
    const finished = performance.now();
    return {
      method: 'invert.null_text',
      prompt: options.prompt,
      steps,
      guidance,
      xT: inversion.trajectory[steps] as Float32Array,
      trajectory: inversion.trajectory,
      timesteps,
      cond,
      uncond,
      nullEmbeddings: { dtype: 'float32', shape: [steps, ...uncond.shape.slice(1)], data: embeddings },
      losses,
      iterations,
      timings: { totalMs: finished - started, ddimMs, compileMs: compiledAt - started - ddimMs, optimiseMs: finished - compiledAt },
    };
  } finally {
    if (!options.graph) await graph.release();
  }
}

/** The null embedding of sampling step `step` ([1, tokens, width]) from a [steps, tokens, width] stack. */
export function nullEmbeddingAt(embeddings: E.HostTensor, step: number): E.HostTensor {
  const [steps, ...rest] = embeddings.shape as [number, ...number[]];
  if (!Number.isInteger(step) || step < 0 || step >= steps) throw new RangeError(`null embedding ${step} of ${steps}`);
  const size = rest.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape: [1, ...rest], data: (embeddings.data as Float32Array).subarray(step * size, (step + 1) * size) };
}

export const nullTextInversion: Inversion<NullTextInversionResult> = {
  id: 'invert.null_text',
  name: 'Null-text inversion',
  summary: 'Optimise one null embedding per step so guided sampling retraces the DDIM inversion',
  invert: invertNullText,
  sampling(model, inversion) {
    const embeddings = inversion.nullEmbeddings;
    return { scheduler: model.scheduler('ddim'), uncond: nullEmbeddingAt(embeddings, 0), uncondAt: (step) => nullEmbeddingAt(embeddings, step) };
  },
  storage: {
    tensors: ['nullEmbeddings', 'losses', 'iterations'],
    keyParams: (options) => ({ innerSteps: options.innerSteps ?? NULL_TEXT_DEFAULTS.innerSteps, epsilon: options.epsilon ?? NULL_TEXT_DEFAULTS.epsilon }),
    encode: (inversion, pack) => ({
      nullEmbeddings: pack.host('nullEmbeddings', inversion.nullEmbeddings),
      losses: pack.numbers(inversion.losses),
      iterations: pack.numbers(inversion.iterations),
    }),
    decode(common, _params, read) {
      const nulls = read.tensor('nullEmbeddings', [common.steps, ...common.uncond.shape.slice(1)]);
      return {
        ...common,
        method: 'invert.null_text',
        nullEmbeddings: { dtype: 'float32', shape: [...nulls.shape], data: nulls.data.slice() },
        losses: read.numbers('losses', common.steps),
        iterations: read.numbers('iterations', common.steps),
      };
    },
  },
};
