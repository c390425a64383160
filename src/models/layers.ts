import * as E from '../engine/index.ts';
import type { Weights } from './weights.ts';

/**
 * The layers every network here is made of, reading their weights by the checkpoint's names
 * (`<module>.weight`, `<module>.bias`), so builders read like the module tree they mirror.
 */

/** x @ W^T + b for the module `w` (a torch nn.Linear); optional low-rank delta. */
export function linear(w: Weights, x: E.Tensor, lora?: LoraSite): E.Tensor {
  const weight = w.get('weight');
  let y = E.linear(x, weight, w.has('bias') ? w.get('bias') : undefined);
  if (lora) y = E.add(y, lora.apply(x, weight.shape[1] as number, weight.shape[0] as number));
  return y;
}

export function conv2d(w: Weights, x: E.Tensor, options: E.Conv2dOptions = {}): E.Tensor {
  const weight = w.get('weight');
  return w.has('bias') ? E.conv2dBias(x, weight, w.get('bias'), options) : E.conv2d(x, weight, options);
}

export function groupNorm(w: Weights, x: E.Tensor, groups: number, eps: number): E.Tensor {
  return E.groupNorm(x, groups, w.get('weight'), w.get('bias'), eps);
}

export function layerNorm(w: Weights, x: E.Tensor, eps: number): E.Tensor {
  return E.layerNorm(x, w.get('weight'), w.get('bias'), eps);
}

export type Activation = 'silu' | 'gelu' | 'gelu_tanh' | 'quick_gelu' | 'relu';

export function activation(name: string, x: E.Tensor): E.Tensor {
  switch (name) {
    case 'silu':
    case 'swish':
      return E.silu(x);
    case 'gelu':
      return E.gelu(x);
    case 'gelu_tanh':
    case 'gelu_pytorch_tanh':
    case 'gelu_new':
      return E.gelu(x, 'tanh');
    case 'quick_gelu':
      return E.quickGelu(x);
    case 'relu':
      return E.relu(x);
    default:
      throw new E.GraphError(`unsupported activation '${name}'`);
  }
}

/**
 * A low-rank weight delta on one linear layer: y += scale * up(down(x)). `down` [rank, in] and
 * `up` [out, rank] are graph inputs named `lora.<site>.down` / `.up`, so one compiled graph takes any
 * adapter, and gradients can be taken with respect to them.
 */
export class LoraSite {
  down?: E.Tensor;
  up?: E.Tensor;

  constructor(readonly name: string, readonly rank: number, readonly scale: number, readonly dtype: E.DType, private readonly given?: LoraOptions['tensors']) {}

  apply(x: E.Tensor, inFeatures: number, outFeatures: number): E.Tensor {
    this.down = this.given?.(this.name, 'down', [this.rank, inFeatures]) ?? E.input(`lora.${this.name}.down`, [this.rank, inFeatures], this.dtype);
    this.up = this.given?.(this.name, 'up', [outFeatures, this.rank]) ?? E.input(`lora.${this.name}.up`, [outFeatures, this.rank], this.dtype);
    return E.mul(E.linear(E.linear(x, this.down), this.up), this.scale);
  }
}

/** Which linear layers get a LoRA delta: `targets` tests a module's checkpoint path. */
export interface LoraOptions {
  rank: number;
  /** alpha / rank in the usual parametrisation. */
  scale?: number;
  targets: (modulePath: string) => boolean;
  /** Supplies the delta factors as tensors of a bigger graph (default: graph inputs). */
  tensors?: (modulePath: string, factor: 'down' | 'up', shape: number[]) => E.Tensor | undefined;
}

/** Collects the LoRA sites a build created, so callers can feed and differentiate them. */
export class LoraSet {
  readonly sites: LoraSite[] = [];

  constructor(readonly options: LoraOptions | undefined, readonly dtype: E.DType) {}

  siteFor(modulePath: string): LoraSite | undefined {
    if (!this.options || !this.options.targets(modulePath)) return undefined;
    const site = new LoraSite(modulePath, this.options.rank, this.options.scale ?? 1, this.dtype, this.options.tensors);
    this.sites.push(site);
    return site;
  }
}
