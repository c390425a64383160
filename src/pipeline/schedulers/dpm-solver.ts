import type { SchedulerConfig } from './config.ts';
import { Scheduler, toKind, type StepOptions, type StepResult } from './base.ts';
import { checkSameLength, emptyLike, type Latent } from './noise.ts';
import { linspace, roundHalfEven, checkSteps, interpIndex, trainSigmas } from './schedule.ts';

interface History {
  index: number;
  x0: Float64Array;
}

/**
 * DPM-Solver++(2M) (Lu et al. 2022), as diffusers' DPMSolverMultistepScheduler with its defaults:
 * algorithm_type "dpmsolver++" (data prediction), solver_order 2, solver_type "midpoint",
 * lower_order_final, final sigma 0. With α = 1/√(σ²+1), σ_t = σ·α and λ = log(α/σ_t):
 * first order (the first step, and the last): x ← (σ_t/σ_s)·x − α_t(e^{−h} − 1)·x̂0;
 * second order: D0 = x̂0_s0, D1 = (x̂0_s0 − x̂0_s1)/r0, x ← (σ_t/σ_s0)·x − α_t(e^{−h}−1)·(D0 + D1/2)
 * ("heun": −α_t(e^{−h}−1)·D0 + α_t((e^{−h}−1)/h + 1)·D1).
 *
 * Stateful: it remembers the previous step's x̂0. Step in schedule order; a step that does not
 * follow the previous one (or the first after `setTimesteps`) is first order. Use one instance per
 * sampling branch.
 */
export class DpmSolverMultistepScheduler extends Scheduler {
  readonly kind = 'dpmpp2m';
  private readonly trainSigmas: Float64Array;
  private sigmaList: number[] = [];
  private last: History | null = null;

  constructor(config: SchedulerConfig) {
    super(config);
    this.trainSigmas = trainSigmas(this.alphasCumprod);
  }

  get sigmas(): readonly number[] {
    return this.sigmaList;
  }

  get order(): number {
    return this.config.solver_order;
  }

  setTimesteps(steps: number): void {
    checkSteps(this.config, steps);
    const T = this.config.num_train_timesteps;
    const spacing = this.spacing('linspace');
    let timesteps: number[];
    if (spacing === 'linspace') {
      timesteps = linspace(0, T - 1, steps + 1).map(roundHalfEven).reverse().slice(0, steps);
    } else if (spacing === 'leading') {
      const ratio = Math.floor(T / (steps + 1));
      timesteps = Array.from({ length: steps }, (_, i) => (steps - i) * ratio + this.config.steps_offset);
    } else {
      const ratio = T / steps;
      timesteps = Array.from({ length: steps }, (_, i) => roundHalfEven(T - i * ratio) - 1);
    }
    this.schedule = timesteps;
    const last = this.config.final_sigmas_type === 'zero' ? 0 : Math.fround(this.trainSigmas[0]!);
    this.sigmaList = [...timesteps.map((t) => this.sigmaAt(t)), last];
    this.last = null;
  }

  /** Forget the multistep history (the next step is first order). */
  reset(): void {
    this.last = null;
  }

  /** σ at any timestep: the interpolated training sigma, rounded to float32. */
  sigmaAt(t: number): number {
    return Math.fround(interpIndex(t, this.trainSigmas));
  }

  step<T extends Latent>(modelOutput: Latent, t: number, sample: T, _options: StepOptions = {}): StepResult<T> {
    checkSameLength('model output', sample, modelOutput);
    const index = this.indexOf(t);
    const n = this.schedule.length;
    const sigmaS = this.sigmaList[index]!;
    const sigmaT = this.sigmaList[index + 1]!;
    const [alphaS, stdS] = alphaSigma(sigmaS);
    const [alphaT, stdT] = alphaSigma(sigmaT);

    const x0 = new Float64Array(sample.length);
    const prediction = this.config.prediction_type;
    for (let i = 0; i < x0.length; i++) {
      const m = modelOutput[i]!;
      const x = sample[i]!;
      x0[i] = prediction === 'epsilon' ? (x - stdS * m) / alphaS : prediction === 'v_prediction' ? alphaS * x - stdS * m : m;
    }

    const { lower_order_final: lowerOrderFinal, euler_at_final: eulerAtFinal, final_sigmas_type: finalSigmas } = this.config;
    const finalFirstOrder = index === n - 1 && (eulerAtFinal || (lowerOrderFinal && n < 15) || finalSigmas === 'zero');
    const previous = this.last !== null && this.last.index === index - 1 ? this.last : null;
    const secondOrder = this.config.solver_order === 2 && previous !== null && !finalFirstOrder;

    // σ_t = 0 (the last step): λ_t = ∞, e^{−h} = 0 and the update lands on x̂0.
    const lambdaS = Math.log(alphaS) - Math.log(stdS);
    const lambdaT = stdT === 0 ? Infinity : Math.log(alphaT) - Math.log(stdT);
    const h = lambdaT - lambdaS;
    const expm = Math.exp(-h) - 1; // e^{−h} − 1
    const ratio = stdT / stdS;
    const prev = new Float64Array(sample.length);
    if (!secondOrder) {
      for (let i = 0; i < prev.length; i++) prev[i] = ratio * sample[i]! - alphaT * expm * x0[i]!;
    } else {
      const sigmaS1 = this.sigmaList[index - 1]!;
      const [alphaS1, stdS1] = alphaSigma(sigmaS1);
      const lambdaS1 = Math.log(alphaS1) - Math.log(stdS1);
      const r0 = (lambdaS - lambdaS1) / h;
      const m1 = previous!.x0;
      const heun = this.config.solver_type === 'heun';
      const c0 = -alphaT * expm;
      const c1 = heun ? alphaT * (expm / h + 1) : -0.5 * alphaT * expm;
      for (let i = 0; i < prev.length; i++) {
        const d0 = x0[i]!;
        const d1 = (d0 - m1[i]!) / r0;
        prev[i] = ratio * sample[i]! + c0 * d0 + c1 * d1;
      }
    }
    this.last = { index, x0 };
    return { prevSample: toKind(sample, prev), predOriginal: toKind(sample, x0) };
  }

  /** α_t·x0 + σ_t·noise with α, σ_t from the (interpolated, float32) sigma at t. */
  override addNoise<T extends Latent>(original: T, noise: Latent, t: number): T {
    checkSameLength('addNoise', original, noise);
    const [alpha, std] = alphaSigma(this.sigmaAt(t));
    const out = emptyLike(original);
    for (let i = 0; i < out.length; i++) out[i] = alpha * original[i]! + std * noise[i]!;
    return out;
  }

  override timestepsForStrength(steps: number, strength: number) {
    const result = super.timestepsForStrength(steps, strength);
    this.last = null;
    return result;
  }
}

/** (α_t, σ_t) of a variance-preserving latent from the sigma-space σ: α = 1/√(σ²+1), σ_t = σ·α. */
function alphaSigma(sigma: number): [number, number] {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  return [alpha, sigma * alpha];
}
