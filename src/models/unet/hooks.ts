import * as E from '../../engine/index.ts';

/**
 * The hook points of one UNet graph. With hooks on, every control a method can exert is a graph
 * input with a neutral default (identity mixing, zero deltas, unit scales), and every capture is a
 * graph output fetched only when asked for — so one compiled graph per model, resolution, batch and
 * dtype serves every edit. Names are stable: `hook.<module path>.<control>` for inputs and
 * `capture.<module path>.<what>` for outputs, with diffusers' module paths.
 */

export type Place = 'down' | 'mid' | 'up';

/** One attention layer (attn1 or attn2 of a transformer block). */
export interface AttentionSite {
  /** diffusers module path, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn1`. */
  path: string;
  /** Order among the layers of its kind in the forward pass (0 = first). */
  index: number;
  place: Place;
  height: number;
  width: number;
  /** Query tokens: height x width. */
  tokens: number;
  heads: number;
  /** Key tokens: `tokens` for self-attention, the text length for cross-attention. */
  keys: number;
}

/** A feature map site: a resnet's output, a transformer module (for its residual delta), the mid block. */
export interface FeatureSite {
  path: string;
  index: number;
  place: Place;
  channels: number;
  height: number;
  width: number;
}

export interface UNetLayout {
  batch: number;
  textLength: number;
  selfAttention: AttentionSite[];
  crossAttention: AttentionSite[];
  resnets: FeatureSite[];
  /** Transformer2DModel modules (`…attentions.N`), whose output − input is the residual delta. */
  transformers: FeatureSite[];
  mid?: FeatureSite;
}

/** How a control input is fed when a method leaves it alone. */
export type NeutralValue = 'identity' | 'zeros' | 'ones';

export interface ControlInput {
  name: string;
  shape: number[];
  neutral: NeutralValue;
}

export interface HookOptions {
  enabled: boolean;
  /** Capture head-averaged self-attention maps of layers with at most this many tokens (0: none). */
  selfMapTokens: number;
  /**
   * Self-attention takes key restrictions by query region (MasaCtrl's mask guidance): controls
   * `query_inside` [B, tokens] and `key_bias_inside` / `key_bias_outside` [B, keys]. It costs the
   * explicit (unfused) attention in every self-attention layer, so only graphs that need it have it.
   */
  keyRegions: boolean;
}

export class HookWiring {
  readonly inputs: ControlInput[] = [];
  readonly captures: Record<string, E.Tensor> = {};
  readonly layout: UNetLayout;

  constructor(
    readonly options: HookOptions,
    readonly batch: number,
    readonly textLength: number,
    readonly dtype: E.DType,
  ) {
    this.layout = { batch, textLength, selfAttention: [], crossAttention: [], resnets: [], transformers: [] };
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  control(path: string, what: string, shape: number[], neutral: NeutralValue): E.Tensor {
    const name = `hook.${path}.${what}`;
    this.inputs.push({ name, shape, neutral });
    return E.input(name, shape, this.dtype);
  }

  capture(path: string, what: string | undefined, value: E.Tensor): void {
    if (!this.enabled) return;
    this.captures[what ? `capture.${path}.${what}` : `capture.${path}`] = value;
  }

  /** Row b of the result is sum_j mix[b, j] * x[j]: a batch element made from others (identity by default). */
  mixBatch(path: string, what: string, x: E.Tensor): E.Tensor {
    if (!this.enabled) return x;
    const mix = this.control(path, what, [this.batch, this.batch], 'identity');
    return mixRows(mix, x);
  }

  /** x + delta, the delta a control input (zeros by default). */
  addDelta(path: string, x: E.Tensor): E.Tensor {
    if (!this.enabled) return x;
    return E.add(x, this.control(path, 'delta', [...x.shape], 'zeros'));
  }
}

/** sum_j mix[b, j] * x[j] for x [B, ...]. */
export function mixRows(mix: E.Tensor, x: E.Tensor): E.Tensor {
  const batch = x.shape[0] as number;
  return E.reshape(E.matmul(mix, E.reshape(x, [batch, -1])), x.shape);
}
