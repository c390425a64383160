import * as E from '../../engine/index.ts';
import type { AttentionSite, ControlInput, FeatureSite, Place, UNetLayout } from './hooks.ts';

/**
 * What a method wants from the UNet at one step, said in its own terms ("element 1 takes element
 * 0's attention maps in layers of at most 32x32 tokens"), turned into the graph's control feeds.
 * Batch elements are indices into the UNet's batch (e.g. [source, target] or, with guidance,
 * [source uncond, target uncond, source cond, target cond]).
 */

/** Chooses layers: by place, by token count (resolution), by forward-order index, by path. */
export interface LayerSelector {
  place?: Place | readonly Place[];
  maxTokens?: number;
  minTokens?: number;
  /** Indices in forward order among layers of the same kind, [from, to). */
  range?: readonly [number, number];
  paths?: readonly string[];
}

function selects(site: AttentionSite | FeatureSite, tokens: number, selector: LayerSelector = {}): boolean {
  const places = selector.place === undefined ? undefined : ([] as Place[]).concat(selector.place);
  if (places && !places.includes(site.place)) return false;
  if (selector.maxTokens !== undefined && tokens > selector.maxTokens) return false;
  if (selector.minTokens !== undefined && tokens < selector.minTokens) return false;
  if (selector.range && (site.index < selector.range[0] || site.index >= selector.range[1])) return false;
  if (selector.paths && !selector.paths.includes(site.path)) return false;
  return true;
}

export class UNetControls {
  private readonly values = new Map<string, Float32Array>();
  private readonly shapes = new Map<string, ControlInput>();

  constructor(
    readonly layout: UNetLayout,
    inputs: readonly ControlInput[],
    readonly dtype: E.DType = 'float32',
  ) {
    for (const input of inputs) this.shapes.set(input.name, input);
  }

  get batch(): number {
    return this.layout.batch;
  }

  selfAttention(selector?: LayerSelector): AttentionSite[] {
    return this.layout.selfAttention.filter((site) => selects(site, site.tokens, selector));
  }

  crossAttention(selector?: LayerSelector): AttentionSite[] {
    return this.layout.crossAttention.filter((site) => selects(site, site.tokens, selector));
  }

  resnets(selector?: LayerSelector): FeatureSite[] {
    return this.layout.resnets.filter((site) => selects(site, site.height * site.width, selector));
  }

  /** Back to neutral: every control as if no method were running. */
  reset(): this {
    this.values.clear();
    return this;
  }

  /** Element `to` uses element `from`'s queries and keys, hence its self-attention maps (FPE, PnP). */
  shareAttentionMaps(options: { layers?: LayerSelector; from: number; to: number; weight?: number }): this {
    for (const site of this.selfAttention(options.layers)) {
      for (const what of ['mix_q', 'mix_k']) this.mixRow(`hook.${site.path}.${what}`, options.from, options.to, options.weight ?? 1);
    }
    return this;
  }

  /** Element `to` keeps its queries but attends to element `from`'s keys and values (MasaCtrl). */
  attendTo(options: { layers?: LayerSelector; from: number; to: number; weight?: number }): this {
    for (const site of this.selfAttention(options.layers)) {
      for (const what of ['mix_k', 'mix_v']) this.mixRow(`hook.${site.path}.${what}`, options.from, options.to, options.weight ?? 1);
    }
    return this;
  }

  /**
   * Restricts element `element`'s self-attention keys by query region (MasaCtrl's mask guidance):
   * queries inside `queriesInside(site)` ([tokens], > 0.5 = inside) attend only to keys inside
   * `keysInside(site)` ([keys]), the other queries only to keys outside it. Which element's keys
   * those are is what `attendTo` mixed in. A layer where the key region is empty or full is left
   * alone (there would be nothing to attend to on one side). Needs a graph built with `keyRegions`.
   */
  restrictKeys(options: { layers?: LayerSelector; element: number; queriesInside: (site: AttentionSite) => ArrayLike<number>; keysInside: (site: AttentionSite) => ArrayLike<number> }): this {
    for (const site of this.selfAttention(options.layers)) {
      const queries = options.queriesInside(site);
      const keys = options.keysInside(site);
      if (queries.length !== site.tokens || keys.length !== site.keys) throw new E.GraphError(`restrictKeys: ${site.path} needs ${site.tokens} query and ${site.keys} key values, got ${queries.length} and ${keys.length}`);
      let insideKeys = 0;
      for (let k = 0; k < keys.length; k++) if ((keys[k] as number) > 0.5) insideKeys++;
      if (insideKeys === 0 || insideKeys === keys.length) continue;
      const at = (what: string, size: number) => this.slot(`hook.${site.path}.${what}`).subarray(options.element * size, (options.element + 1) * size);
      const inside = at('query_inside', site.tokens);
      const biasInside = at('key_bias_inside', site.keys);
      const biasOutside = at('key_bias_outside', site.keys);
      for (let t = 0; t < site.tokens; t++) inside[t] = (queries[t] as number) > 0.5 ? 1 : 0;
      for (let k = 0; k < site.keys; k++) {
        const isInside = (keys[k] as number) > 0.5;
        biasInside[k] = isInside ? 0 : SHUT_OUT;
        biasOutside[k] = isInside ? SHUT_OUT : 0;
      }
    }
    return this;
  }

  /**
   * Element `to`'s cross-attention maps become element `from`'s, carried through `align`
   * ([keys x keys], row = source token, column = target token), blended per target token by
   * `alpha` (1 = replace). Prompt-to-prompt replace (align = identity-like word map) and refine
   * (align = the mapper, alpha = the mapper's alphas).
   */
  replaceCrossAttention(options: { layers?: LayerSelector; from: number; to: number; align: ArrayLike<number>; alpha?: number | ArrayLike<number> }): this {
    const keys = this.layout.textLength;
    if (options.align.length !== keys * keys) throw new E.GraphError(`replaceCrossAttention: align must have ${keys}x${keys} entries, got ${options.align.length}`);
    const alphaOf = (n: number) => (typeof options.alpha === 'number' || options.alpha === undefined ? (options.alpha ?? 1) : (options.alpha[n] ?? 0));
    for (const site of this.crossAttention(options.layers)) {
      const keep = this.slot(`hook.${site.path}.keep`).subarray(options.to * keys, (options.to + 1) * keys);
      const source = this.slot(`hook.${site.path}.source`);
      const align = this.slot(`hook.${site.path}.align`).subarray(options.to * keys * keys, (options.to + 1) * keys * keys);
      for (let j = 0; j < this.batch; j++) source[options.to * this.batch + j] = j === options.from ? 1 : 0;
      for (let n = 0; n < keys; n++) {
        const alpha = alphaOf(n);
        keep[n] = 1 - alpha;
        for (let w = 0; w < keys; w++) align[w * keys + n] = (options.align[w * keys + n] as number) * alpha;
      }
    }
    return this;
  }

  /** Scales the cross-attention columns of `tokens` for one element (prompt-to-prompt reweight). */
  scaleTokens(options: { layers?: LayerSelector; element: number; scales: ArrayLike<number> }): this {
    const keys = this.layout.textLength;
    for (const site of this.crossAttention(options.layers)) {
      const keep = this.slot(`hook.${site.path}.keep`).subarray(options.element * keys, (options.element + 1) * keys);
      const align = this.slot(`hook.${site.path}.align`).subarray(options.element * keys * keys, (options.element + 1) * keys * keys);
      for (let n = 0; n < keys; n++) {
        const scale = options.scales[n] ?? 1;
        keep[n] = (keep[n] as number) * scale;
        for (let w = 0; w < keys; w++) align[w * keys + n] = (align[w * keys + n] as number) * scale;
      }
    }
    return this;
  }

  /** Adds `bias(site)` ([tokens x keys]) to one element's cross-attention logits (paint-with-words). */
  biasCrossAttention(options: { layers?: LayerSelector; element: number; bias: (site: AttentionSite) => ArrayLike<number> }): this {
    for (const site of this.crossAttention(options.layers)) {
      const size = site.tokens * site.keys;
      const bias = options.bias(site);
      if (bias.length !== size) throw new E.GraphError(`biasCrossAttention: ${site.path} needs ${site.tokens}x${site.keys} values, got ${bias.length}`);
      this.slot(`hook.${site.path}.bias`).set(bias, options.element * size);
    }
    return this;
  }

  /** Element `to` takes element `from`'s resnet features (plug-and-play feature injection). */
  injectFeatures(options: { layers?: LayerSelector; from: number; to: number; weight?: number }): this {
    for (const site of this.resnets(options.layers)) this.mixRow(`hook.${site.path}.mix`, options.from, options.to, options.weight ?? 1);
    return this;
  }

  /** Adds a delta to one element's mid-block output (h-space: Asyrp, Riemannian directions). */
  addMidDelta(element: number, delta: ArrayLike<number>): this {
    return this.addDelta('hook.mid_block.delta', element, delta);
  }

  /** Adds a delta to one element's output of a transformer module (`…attentions.N`; SAE steering). */
  addTransformerDelta(path: string, element: number, delta: ArrayLike<number>): this {
    return this.addDelta(`hook.${path}.delta`, element, delta);
  }

  /** Every control input, set or neutral, ready to feed. */
  feeds(): Record<string, E.HostTensor> {
    const feeds: Record<string, E.HostTensor> = {};
    for (const [name, input] of this.shapes) {
      const values = this.values.get(name) ?? neutral(input);
      feeds[name] = { dtype: this.dtype, shape: input.shape, data: this.dtype === 'float32' ? values : E.fromFloat32(this.dtype, values) };
    }
    return feeds;
  }

  private addDelta(name: string, element: number, delta: ArrayLike<number>): this {
    const slot = this.slot(name);
    const size = slot.length / this.batch;
    if (delta.length !== size) throw new E.GraphError(`${name}: delta needs ${size} values, got ${delta.length}`);
    for (let i = 0; i < size; i++) slot[element * size + i] = (slot[element * size + i] as number) + (delta[i] as number);
    return this;
  }

  private mixRow(name: string, from: number, to: number, weight: number): void {
    const mix = this.slot(name);
    const b = this.batch;
    if (from < 0 || from >= b || to < 0 || to >= b) throw new E.GraphError(`${name}: batch elements ${from} -> ${to} outside a batch of ${b}`);
    for (let j = 0; j < b; j++) mix[to * b + j] = (j === to ? 1 - weight : 0) + (j === from ? weight : 0);
  }

  private slot(name: string): Float32Array {
    let values = this.values.get(name);
    if (!values) {
      const input = this.shapes.get(name);
      if (!input) throw new E.GraphError(`no control '${name}' in this graph (was it built with hooks on?)`);
      values = neutral(input).slice();
      this.values.set(name, values);
    }
    return values;
  }
}

/** A logit bias that removes a key from a softmax (e^-10000 is 0), still finite in float16. */
const SHUT_OUT = -10_000;

const neutrals = new Map<string, Float32Array>();

function neutral(input: ControlInput): Float32Array {
  const key = `${input.neutral}:${input.shape.join('x')}`;
  let values = neutrals.get(key);
  if (!values) {
    values = new Float32Array(E.numel(input.shape));
    if (input.neutral === 'ones') values.fill(1);
    if (input.neutral === 'identity') {
      const n = input.shape[0] as number;
      for (let i = 0; i < n; i++) values[i * n + i] = 1;
    }
    neutrals.set(key, values);
  }
  return values;
}

/**
 * Cross-attention maps averaged over every layer of one resolution (how prompt-to-prompt's local
 * blend and the chat's attention pictures read them): [batch, height * width, keys], from the
 * `capture.<path>.probs` (or `.edited`) outputs of a step.
 */
export function averageCrossAttention(
  captures: Readonly<Record<string, E.HostTensor>>,
  layout: UNetLayout,
  options: { height: number; width: number; which?: 'probs' | 'edited'; place?: Place | readonly Place[] },
): E.HostTensor {
  const sites = layout.crossAttention.filter((site) => site.height === options.height && site.width === options.width && selects(site, site.tokens, { place: options.place }));
  if (sites.length === 0) throw new E.GraphError(`no cross-attention layers at ${options.height}x${options.width}`);
  const shape = [layout.batch, options.height * options.width, layout.textLength];
  const sum = new Float32Array(E.numel(shape));
  for (const site of sites) {
    const name = `capture.${site.path}.${options.which ?? 'probs'}`;
    const map = captures[name];
    if (!map) throw new E.GraphError(`averageCrossAttention: capture '${name}' was not fetched`);
    const values = E.toFloat32(map.dtype, map.data);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (values[i] as number) / sites.length;
  }
  return { dtype: 'float32', shape, data: sum };
}

/** The capture names `averageCrossAttention` needs for one resolution. */
export function crossAttentionCaptures(layout: UNetLayout, height: number, width: number, which: 'probs' | 'edited' = 'probs'): string[] {
  return layout.crossAttention.filter((site) => site.height === height && site.width === width).map((site) => `capture.${site.path}.${which}`);
}
