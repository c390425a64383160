import type { Tensor } from './tensor.ts';
import { add, div, mul, sqrt, sub } from './ops/elementwise.ts';

/** A learning rate, constant or scheduled by the 1-based step number. */
export type LearningRate = number | ((step: number) => number);

/** Builds, inside a graph, one optimiser step for one parameter. */
export interface Optimizer {
  readonly name: string;
  /** Names of the per-parameter state tensors (same shape as the parameter), zero at the start. */
  readonly slots: readonly string[];
  /** Names of the per-step scalars computed on the host in float64 (as PyTorch does) and fed to the graph. */
  readonly scalarNames: readonly string[];
  scalars(step: number): number[];
  /** `scalars` are the graph inputs named by scalarNames, in order. */
  update(param: Tensor, grad: Tensor, state: readonly Tensor[], scalars: readonly Tensor[]): { param: Tensor; state: Tensor[] };
}

const rateAt = (lr: LearningRate, step: number): number => (typeof lr === 'number' ? lr : lr(step));

export interface SgdOptions {
  lr: LearningRate;
  momentum?: number;
  weightDecay?: number;
}

export function sgd({ lr, momentum = 0, weightDecay = 0 }: SgdOptions): Optimizer {
  return {
    name: 'sgd',
    slots: momentum > 0 ? ['velocity'] : [],
    scalarNames: ['lr'],
    scalars: (step) => [rateAt(lr, step)],
    update(param, grad, state, [rate]) {
      const g = weightDecay > 0 ? add(grad, mul(param, weightDecay)) : grad;
      if (momentum === 0) return { param: sub(param, mul(g, rate as Tensor)), state: [] };
      const velocity = add(mul(state[0] as Tensor, momentum), g);
      return { param: sub(param, mul(velocity, rate as Tensor)), state: [velocity] };
    },
  };
}

export interface AdamOptions {
  lr: LearningRate;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

function adamFamily(name: string, decoupled: boolean, options: AdamOptions): Optimizer {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = decoupled ? 0.01 : 0 } = options;
  return {
    name,
    slots: ['m', 'v'],
    scalarNames: ['lr', 'bias1', 'bias2'],
    scalars: (step) => [rateAt(lr, step), 1 - beta1 ** step, 1 - beta2 ** step],
    update(param, grad, state, [rate, bias1, bias2]) {
      const g = !decoupled && weightDecay > 0 ? add(grad, mul(param, weightDecay)) : grad;
      const m = add(mul(state[0] as Tensor, beta1), mul(g, 1 - beta1));
      const v = add(mul(state[1] as Tensor, beta2), mul(mul(g, g), 1 - beta2));
      const stepSize = div(rate as Tensor, bias1 as Tensor);
      const denominator = add(sqrt(div(v, bias2 as Tensor)), eps);
      const start = decoupled && weightDecay > 0 ? sub(param, mul(mul(param, rate as Tensor), weightDecay)) : param;
      return { param: sub(start, mul(div(m, denominator), stepSize)), state: [m, v] };
    },
  };
}

/** Adam (Kingma & Ba), with optional L2 weight decay folded into the gradient. */
export const adam = (options: AdamOptions): Optimizer => adamFamily('adam', false, options);

/** AdamW (Loshchilov & Hutter): weight decay applied to the weights, decoupled from the moments. */
export const adamw = (options: AdamOptions): Optimizer => adamFamily('adamw', true, options);
