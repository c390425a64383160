// A TopK sparse autoencoder over one UNet site's residual vectors (Gao et al. 2024, as used by
// Tinaz et al. 2025 on SD's transformer blocks): z = ReLU(TopK(W_enc (x − b_pre) + b_enc)),
// x̂ = W_dec z + b_pre, with unit-norm decoder columns. Each feature's decoder column is a direction
// in the site's space: steering adds it, labelling reads where its activation is.
//
// Plain Float32Array arithmetic rather than engine graphs: only k of the features are active per
// vector, so decoding and every gradient but the encoder's dense pre-activations touch k columns,
// which a dense graph cannot skip.
import type { HostTensor } from '../../engine/index.ts';

export interface SaeShape {
  /** Input width: the site's channels. */
  inputs: number;
  /** Dictionary size (the paper: 4 × inputs). */
  features: number;
  /** Active features per vector. */
  k: number;
}

export interface SaeWeights extends SaeShape {
  /** [inputs] */
  bPre: Float32Array;
  /** [features × inputs], row f = feature f's encoder. */
  wEnc: Float32Array;
  /** [features] */
  bEnc: Float32Array;
  /** [features × inputs], row f = feature f's decoder direction (unit norm). */
  wDec: Float32Array;
}

/** The active features of one vector, strongest first. */
export interface SparseCode {
  indices: Int32Array;
  values: Float32Array;
}

export class TopKSae {
  constructor(readonly weights: SaeWeights) {
    const { inputs, features, k } = weights;
    if (!(k >= 1 && k <= features)) throw new RangeError(`SAE: k must be from 1 to the ${features} features, got ${k}`);
    const sizes: [string, Float32Array, number][] = [['bPre', weights.bPre, inputs], ['wEnc', weights.wEnc, features * inputs], ['bEnc', weights.bEnc, features], ['wDec', weights.wDec, features * inputs]];
    for (const [name, values, size] of sizes) if (values.length !== size) throw new RangeError(`SAE: ${name} has ${values.length} values, a ${features}×${inputs} dictionary needs ${size}`);
  }

  get inputs(): number {
    return this.weights.inputs;
  }

  get features(): number {
    return this.weights.features;
  }

  get k(): number {
    return this.weights.k;
  }

  /** Pre-activations W_enc (x − b_pre) + b_enc of one vector, into `out` [features]. */
  preActivations(x: ArrayLike<number>, out = new Float32Array(this.features)): Float32Array {
    const { inputs, features, bPre, wEnc, bEnc } = this.weights;
    const centred = new Float32Array(inputs);
    for (let c = 0; c < inputs; c++) centred[c] = (x[c] as number) - (bPre[c] as number);
    for (let f = 0; f < features; f++) {
      let sum = bEnc[f] as number;
      const row = f * inputs;
      for (let c = 0; c < inputs; c++) sum += (wEnc[row + c] as number) * (centred[c] as number);
      out[f] = sum;
    }
    return out;
  }

  /** The k strongest features of one vector (ReLU: a negative pre-activation is not active). */
  encode(x: ArrayLike<number>, k = this.k): SparseCode {
    const pre = this.preActivations(x);
    const indices = topK(pre, k);
    const values = new Float32Array(indices.length);
    for (let i = 0; i < indices.length; i++) values[i] = Math.max(0, pre[indices[i] as number] as number);
    return { indices, values };
  }

  /** Dense activations [features] of one vector (zero outside its top k). */
  activations(x: ArrayLike<number>, k = this.k): Float32Array {
    const { indices, values } = this.encode(x, k);
    const dense = new Float32Array(this.features);
    for (let i = 0; i < indices.length; i++) dense[indices[i] as number] = values[i] as number;
    return dense;
  }

  /** x̂ = b_pre + Σ z_f · W_dec[f], into `out` [inputs]. */
  decode(code: SparseCode, out = new Float32Array(this.inputs)): Float32Array {
    const { inputs, bPre, wDec } = this.weights;
    out.set(bPre);
    for (let i = 0; i < code.indices.length; i++) {
      const row = (code.indices[i] as number) * inputs;
      const z = code.values[i] as number;
      for (let c = 0; c < inputs; c++) out[c] = (out[c] as number) + z * (wDec[row + c] as number);
    }
    return out;
  }

  /** Feature f's decoder direction [inputs] (unit norm): what steering adds. */
  direction(feature: number): Float32Array {
    const { inputs } = this.weights;
    if (!(feature >= 0 && feature < this.features)) throw new RangeError(`SAE: feature ${feature} is outside 0–${this.features - 1}`);
    return this.weights.wDec.slice(feature * inputs, (feature + 1) * inputs);
  }

  /** As named tensors (safetensors / database blobs); `fromTensors` reads them back. */
  toTensors(): Record<string, HostTensor> {
    const { inputs, features, bPre, wEnc, bEnc, wDec } = this.weights;
    return {
      b_pre: { dtype: 'float32', shape: [inputs], data: bPre },
      w_enc: { dtype: 'float32', shape: [features, inputs], data: wEnc },
      b_enc: { dtype: 'float32', shape: [features], data: bEnc },
      w_dec: { dtype: 'float32', shape: [features, inputs], data: wDec },
    };
  }

  static fromTensors(tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>, k: number): TopKSae {
    const get = (name: string): HostTensor => {
      const tensor = tensors instanceof Map ? tensors.get(name) : (tensors as Record<string, HostTensor>)[name];
      if (!tensor) throw new Error(`SAE: tensor '${name}' is missing`);
      if (tensor.dtype !== 'float32') throw new Error(`SAE: tensor '${name}' is ${tensor.dtype}, expected float32`);
      return tensor;
    };
    const wEnc = get('w_enc');
    const [features, inputs] = wEnc.shape as [number, number];
    return new TopKSae({
      inputs,
      features,
      k,
      bPre: get('b_pre').data as Float32Array,
      wEnc: wEnc.data as Float32Array,
      bEnc: get('b_enc').data as Float32Array,
      wDec: get('w_dec').data as Float32Array,
    });
  }
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topK(values: ArrayLike<number>, k: number, allowed?: (index: number) => boolean): Int32Array {
  const chosen = new Int32Array(Math.min(k, values.length));
  const best = new Float32Array(chosen.length).fill(-Infinity);
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (allowed && !allowed(i)) continue;
    const v = values[i] as number;
    if (count === chosen.length && v <= (best[count - 1] as number)) continue;
    let j = count < chosen.length ? count++ : count - 1;
    while (j > 0 && (best[j - 1] as number) < v) {
      best[j] = best[j - 1] as number;
      chosen[j] = chosen[j - 1] as number;
      j--;
    }
    best[j] = v;
    chosen[j] = i;
  }
  return chosen.subarray(0, count);
}
