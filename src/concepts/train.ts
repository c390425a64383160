// Training a TopK SAE (sae.train): reconstruction loss plus the AuxK loss, which reconstructs the
// remaining error from the top k_aux pre-activations of dead features (not fired for `deadAfter`
// vectors) so that gradient reaches them and revives them (Gao et al. 2024). Adam; decoder columns
// kept at unit norm (the gradient's component along each column removed before the step, the
// column renormalised after). Seeded and resumable: step s always sees the same batch, so a run
// resumed from a checkpoint ends with the same weights as one never stopped.
import { TopKSae, topK, type SaeWeights } from '../models/sae/sae.ts';
import { createRandom } from '../support/random.ts';

/** Vectors to train on, row by row (all in memory, or a file read a chunk at a time). */
export interface VectorSource {
  readonly rows: number;
  readonly width: number;
  /** Rows [start, start + count) as one array of count × width values. */
  read(start: number, count: number): Float32Array;
}

export function memorySource(data: Float32Array, width: number): VectorSource {
  if (data.length % width !== 0) throw new RangeError(`memorySource: ${data.length} values are not rows of ${width}`);
  return { rows: data.length / width, width, read: (start, count) => data.subarray(start * width, (start + count) * width) };
}

export interface SaeTrainOptions {
  /** Dictionary size (the paper: 4 × the input width). */
  features: number;
  /** Active features per vector (the paper: 10 or 20). */
  k: number;
  /** Dead features the AuxK loss uses (the paper: 256; at most half the features here). */
  kAux?: number;
  /** Weight of the AuxK loss (Gao et al.: 1/32); 0 turns it off. */
  auxWeight?: number;
  /** A feature not fired for this many vectors is dead (default: a quarter of an epoch). */
  deadAfter?: number;
  lr?: number;
  batch?: number;
  epochs?: number;
  seed?: number;
  /** Vectors read into memory at once (shuffled within); bounds memory for large collections. */
  chunkRows?: number;
}

export interface SaeTrainProgress {
  step: number;
  steps: number;
  /** Reconstruction MSE over the batch divided by its variance (1 − explained variance). */
  normalizedMse: number;
  /** Share of features currently dead. */
  deadFraction: number;
}

/** Everything a resumed run needs: weights, Adam's moments, firing counters, the step. */
export interface SaeTrainState {
  step: number;
  weights: SaeWeights;
  /** Input scale s: the SAE trains on x / s (unit mean squared norm per input); folded in at the end. */
  scale: number;
  moments: Record<'bPre' | 'wEnc' | 'bEnc' | 'wDec', { m: Float32Array; v: Float32Array }>;
  /** Vectors seen since each feature last fired. */
  sinceFired: Float64Array;
}

export interface SaeTrainHooks {
  onProgress?: (progress: SaeTrainProgress) => void | Promise<void>;
  /** Called every `checkpointEvery` steps and at the end with the state to keep. */
  onCheckpoint?: (state: SaeTrainState) => void | Promise<void>;
  checkpointEvery?: number;
  signal?: AbortSignal;
  /** Continue from this state (same data and options). */
  resume?: SaeTrainState;
}

export class SaeTrainingCancelled extends Error {
  override readonly name = 'SaeTrainingCancelled';
}

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 6.25e-10 };

/** The schedule of one run: which rows each step reads. */
function batches(rows: number, options: Required<Pick<SaeTrainOptions, 'batch' | 'epochs' | 'seed' | 'chunkRows'>>) {
  const chunks = Math.ceil(rows / options.chunkRows);
  const chunkRows = (c: number) => Math.min(options.chunkRows, rows - c * options.chunkRows);
  const perChunk = (c: number) => Math.max(1, Math.floor(chunkRows(c) / options.batch));
  const perEpoch = Array.from({ length: chunks }, (_, c) => perChunk(c)).reduce((a, b) => a + b, 0);
  return {
    steps: perEpoch * options.epochs,
    /** Visits chunks in a seeded order per epoch and rows in a seeded order per chunk. */
    *from(step: number): Generator<{ chunk: number; start: number; count: number; order: Int32Array; batchIndex: number }> {
      let s = 0;
      for (let epoch = 0; epoch < options.epochs; epoch++) {
        const chunkOrder = createRandom(options.seed * 1000 + epoch).shuffle(Array.from({ length: chunks }, (_, c) => c));
        for (const chunk of chunkOrder) {
          const n = perChunk(chunk);
          if (s + n <= step) {
            s += n;
            continue;
          }
          const count = chunkRows(chunk);
          const order = Int32Array.from(createRandom(options.seed * 7919 + epoch * 104729 + chunk).shuffle(Array.from({ length: count }, (_, i) => i)));
          for (let b = 0; b < n; b++, s++) if (s >= step) yield { chunk, start: chunk * options.chunkRows, count, order, batchIndex: b };
        }
      }
    },
  };
}

/** A fresh SAE: random unit decoder columns, the encoder their transpose, b_pre the data's mean. */
export function initialState(source: VectorSource, features: number, k: number, seed: number): SaeTrainState {
  const inputs = source.width;
  const sample = source.read(0, Math.min(source.rows, 65536));
  const n = sample.length / inputs;
  const mean = new Float64Array(inputs);
  let squared = 0;
  for (let r = 0; r < n; r++) for (let c = 0; c < inputs; c++) mean[c] = (mean[c] as number) + (sample[r * inputs + c] as number) / n;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < inputs; c++) {
      const d = (sample[r * inputs + c] as number) - (mean[c] as number);
      squared += (d * d) / n;
    }
  }
  const scale = Math.sqrt(squared) || 1;
  const random = createRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const wDec = new Float32Array(features * inputs);
  for (let i = 0; i < wDec.length; i++) wDec[i] = gaussian();
  normaliseRows(wDec, inputs);
  const bPre = Float32Array.from(mean, (m) => m / scale);
  const zeros = (size: number) => ({ m: new Float32Array(size), v: new Float32Array(size) });
  return {
    step: 0,
    scale,
    weights: { inputs, features, k, bPre, wEnc: wDec.slice(), bEnc: new Float32Array(features), wDec },
    moments: { bPre: zeros(inputs), wEnc: zeros(features * inputs), bEnc: zeros(features), wDec: zeros(features * inputs) },
    sinceFired: new Float64Array(features),
  };
}

export interface SaeTrainResult {
  /** The trained SAE in the input's own units (the scale folded in). */
  sae: TopKSae;
  state: SaeTrainState;
  steps: number;
}

export async function trainSae(source: VectorSource, options: SaeTrainOptions, hooks: SaeTrainHooks = {}): Promise<SaeTrainResult> {
  const { features, k } = options;
  const inputs = source.width;
  if (!(features >= k && k >= 1)) throw new RangeError(`sae.train: k (${k}) must be from 1 to the dictionary size (${features})`);
  const batch = Math.min(options.batch ?? 4096, source.rows);
  const epochs = options.epochs ?? 1;
  const seed = options.seed ?? 0;
  const chunkRows = Math.max(batch, options.chunkRows ?? 262_144);
  const kAux = Math.min(options.kAux ?? 256, Math.floor(features / 2));
  const auxWeight = options.auxWeight ?? 1 / 32;
  const lr = options.lr ?? 1e-4;
  const plan = batches(source.rows, { batch, epochs, seed, chunkRows });
  const deadAfter = options.deadAfter ?? Math.max(batch, Math.floor((plan.steps / epochs) * batch / 4));
  const state = hooks.resume ?? initialState(source, features, k, seed);
  if (state.weights.inputs !== inputs || state.weights.features !== features) throw new Error(`sae.train: the checkpoint is a ${state.weights.features}×${state.weights.inputs} dictionary, this run asks for ${features}×${inputs}`);
  const { weights, moments, sinceFired } = state;
  const { bPre, wEnc, bEnc, wDec } = weights;
  const scale = state.scale;

  const grads = { bPre: new Float32Array(inputs), wEnc: new Float32Array(features * inputs), bEnc: new Float32Array(features), wDec: new Float32Array(features * inputs) };
  const x = new Float32Array(inputs);
  let chunkKey = -1;
  let chunkData: Float32Array = new Float32Array(0);
  let lastReport = { normalizedMse: 1, deadFraction: 0 };
  const fired = new Uint8Array(features);

  for (const { chunk, start, count, order, batchIndex } of plan.from(state.step)) {
    if (hooks.signal?.aborted) throw new SaeTrainingCancelled(`sae.train: cancelled at step ${state.step} of ${plan.steps}`);
    if (chunk !== chunkKey) {
      chunkData = source.read(start, count);
      chunkKey = chunk;
    }
    for (const g of Object.values(grads)) g.fill(0);
    fired.fill(0);
    const dead = auxWeight > 0 && sinceFired.some((n) => n >= deadAfter) ? (f: number) => (sinceFired[f] as number) >= deadAfter : undefined;
    let squaredError = 0;
    let variance = 0;
    for (let i = 0; i < batch; i++) {
      const row = order[(batchIndex * batch + i) % count] as number;
      for (let c = 0; c < inputs; c++) x[c] = (chunkData[row * inputs + c] as number) / scale;
      const sample = accumulateGradients(weights, x, { weight: 1 / batch, auxWeight, kAux, dead }, grads, fired);
      squaredError += sample.squaredError;
      variance += sample.centredNorm;
    }

    // Decoder columns stay on the unit sphere: drop each gradient's radial part, step, renormalise.
    for (let f = 0; f < features; f++) {
      const base = f * inputs;
      let dot = 0;
      for (let c = 0; c < inputs; c++) dot += (grads.wDec[base + c] as number) * (wDec[base + c] as number);
      for (let c = 0; c < inputs; c++) grads.wDec[base + c] = (grads.wDec[base + c] as number) - dot * (wDec[base + c] as number);
    }
    state.step += 1;
    for (const name of ['bPre', 'wEnc', 'bEnc', 'wDec'] as const) adam(weights[name], grads[name], moments[name], lr, state.step);
    normaliseRows(wDec, inputs);
    for (let f = 0; f < features; f++) sinceFired[f] = fired[f] ? 0 : (sinceFired[f] as number) + batch;

    lastReport = { normalizedMse: squaredError / Math.max(variance, 1e-30), deadFraction: sinceFired.filter((n) => n >= deadAfter).length / features };
    if (hooks.onProgress && (state.step % 10 === 0 || state.step === plan.steps)) await hooks.onProgress({ step: state.step, steps: plan.steps, ...lastReport });
    if (hooks.onCheckpoint && hooks.checkpointEvery && state.step % hooks.checkpointEvery === 0 && state.step < plan.steps) await hooks.onCheckpoint(state);
  }
  await hooks.onCheckpoint?.(state);
  return { sae: inputUnits(state), state, steps: plan.steps };
}

export type SaeGradients = Record<'bPre' | 'wEnc' | 'bEnc' | 'wDec', Float32Array>;

/**
 * One vector's share of the loss gradient, added into `grads`: weight·‖x − x̂‖² plus, when some
 * features are dead, weight·auxWeight·‖e − ê‖²·‖x − b_pre‖²/‖e‖², with e = x − x̂ held fixed and ê the dead features'
 * top-kAux (ReLU) reconstruction of it. Marks the features that fired. Returns ‖x − x̂‖² and ‖x − b_pre‖².
 */
export function accumulateGradients(
  weights: SaeWeights,
  x: ArrayLike<number>,
  options: { weight: number; auxWeight: number; kAux: number; dead?: (feature: number) => boolean },
  grads: SaeGradients,
  fired?: Uint8Array,
): { squaredError: number; centredNorm: number } {
  const { inputs, features, k, bPre, wEnc, bEnc, wDec } = weights;
  const centred = new Float32Array(inputs);
  let centredNorm = 0;
  for (let c = 0; c < inputs; c++) {
    centred[c] = (x[c] as number) - (bPre[c] as number);
    centredNorm += (centred[c] as number) ** 2;
  }
  const pre = new Float32Array(features);
  for (let f = 0; f < features; f++) {
    let sum = bEnc[f] as number;
    const base = f * inputs;
    for (let c = 0; c < inputs; c++) sum += (wEnc[base + c] as number) * (centred[c] as number);
    pre[f] = sum;
  }
  const active = topK(pre, k);
  const error = residual(centred, active, pre, wDec, inputs); // x − x̂
  let squaredError = 0;
  for (let c = 0; c < inputs; c++) squaredError += (error[c] as number) ** 2;
  if (fired) for (const f of active) if ((pre[f] as number) > 0) fired[f] = 1;
  // ∂(w‖x − x̂‖²)/∂x̂ = −2w(x − x̂); x̂ = b_pre + Σ z_f W_dec[f], z = ReLU(pre) on the top k.
  const g = -2 * options.weight;
  const gradCentred = new Float32Array(inputs);
  back(active, error, g);
  if (options.dead && squaredError > 0) {
    // Normalised by the error's own size, as Gao et al. normalise both terms: the dead features are
    // asked for the share of the error they explain, however small the error has become.
    const aux = topK(pre, options.kAux, options.dead);
    back(aux, residual(error, aux, pre, wDec, inputs), (g * options.auxWeight * centredNorm) / squaredError);
  }
  // b_pre: x̂ = b_pre + …, and the encoder reads x − b_pre.
  for (let c = 0; c < inputs; c++) grads.bPre[c] = (grads.bPre[c] as number) + g * (error[c] as number) - (gradCentred[c] as number);
  return { squaredError, centredNorm };

  /** Gradients of a term whose reconstruction error is `err` (∂/∂reconstruction = scale·err) through `chosen`. */
  function back(chosen: Int32Array, err: Float32Array, scale: number): void {
    for (const f of chosen) {
      const p = pre[f] as number;
      if (p <= 0) continue; // ReLU: no gradient
      const base = f * inputs;
      let dz = 0;
      for (let c = 0; c < inputs; c++) {
        dz += scale * (err[c] as number) * (wDec[base + c] as number);
        grads.wDec[base + c] = (grads.wDec[base + c] as number) + scale * (err[c] as number) * p;
      }
      grads.bEnc[f] = (grads.bEnc[f] as number) + dz;
      for (let c = 0; c < inputs; c++) {
        grads.wEnc[base + c] = (grads.wEnc[base + c] as number) + dz * (centred[c] as number);
        gradCentred[c] = (gradCentred[c] as number) + dz * (wEnc[base + c] as number);
      }
    }
  }
}

/** target − Σ_{f∈chosen} ReLU(pre_f) W_dec[f]. */
function residual(target: Float32Array, chosen: Int32Array, pre: Float32Array, wDec: Float32Array, inputs: number): Float32Array {
  const out = target.slice();
  for (const f of chosen) {
    const z = Math.max(0, pre[f] as number);
    const base = f * inputs;
    for (let c = 0; c < inputs; c++) out[c] = (out[c] as number) - z * (wDec[base + c] as number);
  }
  return out;
}

/** The SAE in the input's units: b_pre and b_enc times the scale (activations scale with it too). */
export function inputUnits(state: SaeTrainState): TopKSae {
  const { weights, scale } = state;
  return new TopKSae({
    ...weights,
    bPre: weights.bPre.map((v) => v * scale),
    wEnc: weights.wEnc.slice(),
    bEnc: weights.bEnc.map((v) => v * scale),
    wDec: weights.wDec.slice(),
  });
}

function adam(param: Float32Array, grad: Float32Array, moment: { m: Float32Array; v: Float32Array }, lr: number, step: number): void {
  const { beta1, beta2, eps } = ADAM;
  const c1 = 1 - beta1 ** step;
  const c2 = 1 - beta2 ** step;
  const { m, v } = moment;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] as number;
    m[i] = beta1 * (m[i] as number) + (1 - beta1) * g;
    v[i] = beta2 * (v[i] as number) + (1 - beta2) * g * g;
    param[i] = (param[i] as number) - (lr * ((m[i] as number) / c1)) / (Math.sqrt((v[i] as number) / c2) + eps);
  }
}

function normaliseRows(matrix: Float32Array, width: number): void {
  for (let base = 0; base < matrix.length; base += width) {
    let norm = 0;
    for (let c = 0; c < width; c++) norm += (matrix[base + c] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let c = 0; c < width; c++) matrix[base + c] = (matrix[base + c] as number) / norm;
  }
}

export interface SaeQuality {
  /** 1 − Σ‖x − x̂‖² / Σ‖x − mean‖² over the vectors. */
  explainedVariance: number;
  /** Mean ‖x − x̂‖² over the mean ‖x − mean‖² (the paper's scaled MSE): 1 − explained variance. */
  scaledMse: number;
  /** Share of features that fired on none of the vectors. */
  deadFraction: number;
  /** How often each feature fired. */
  fires: Int32Array;
}

/** Explained variance, scaled MSE and dead features of an SAE over rows [start, start + count). */
export function measureSae(sae: TopKSae, source: VectorSource, start = 0, count = source.rows - start): SaeQuality {
  const width = source.width;
  const mean = new Float64Array(width);
  const fires = new Int32Array(sae.features);
  const step = 16384;
  for (let s = start; s < start + count; s += step) {
    const block = source.read(s, Math.min(step, start + count - s));
    for (let i = 0; i < block.length; i++) mean[i % width] = (mean[i % width] as number) + (block[i] as number) / count;
  }
  let error = 0;
  let total = 0;
  const out = new Float32Array(width);
  for (let s = start; s < start + count; s += step) {
    const block = source.read(s, Math.min(step, start + count - s));
    for (let r = 0; r < block.length / width; r++) {
      const x = block.subarray(r * width, (r + 1) * width);
      const code = sae.encode(x);
      for (let i = 0; i < code.indices.length; i++) if ((code.values[i] as number) > 0) fires[code.indices[i] as number]! += 1;
      sae.decode(code, out);
      for (let c = 0; c < width; c++) {
        error += ((x[c] as number) - (out[c] as number)) ** 2;
        total += ((x[c] as number) - (mean[c] as number)) ** 2;
      }
    }
  }
  const scaledMse = error / Math.max(total, 1e-30);
  return { explainedVariance: 1 - scaledMse, scaledMse, deadFraction: fires.filter((n) => n === 0).length / sae.features, fires };
}
