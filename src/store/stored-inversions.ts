// Inversions through the per-user store (inversions.ts): the second edit of an image with the same
// model, method and parameters loads its inversion instead of inverting again. Each inversion says
// which tensors it keeps and how they come back (its `storage`, src/pipeline/inversion); this file
// keeps what all of them share and talks to the store.
//
// `invertWithStore()` looks the inversion up; a hit is decoded into an InversionResult with no model
// work at all (no UNet, no text encoder, and the image's latent — a VAE encode — is not asked for);
// a miss, a corrupt blob (the store checks its sha256, size and container and deletes it) or stored
// tensors that don't fit the key run `invert()` and store the result.
//
// Precision: the store keeps float16. What is returned on a miss is the computed inversion rounded
// to float16 exactly as the store keeps it, so an edit gives the same bytes whether its inversion was
// computed now or loaded (`computed` still carries the float32 result). Rounding costs little: the
// methods that pin the source branch (direct) land on x_0 rounded to float16, the others move by a
// fraction of their own error; edit-friendly DDPM loses its bit-exact regeneration (stored noises are
// halves) but stays far below the VAE's error (test/pipeline/inversion-stored.test.ts measures it).
//
// What every inversion stores: the trajectory x_0 … x_T [steps+1, C, H, W] (x_T is its last entry),
// the descending timesteps [steps] (integers < 2048, exact in float16), the prompt and empty-prompt
// embeddings; then its own tensors (null-text's null embeddings, ddpm's noises).
// The original inversion's timings are not kept; a loaded result's timings say how long loading took.
import { createHash } from 'node:crypto';
import { float16ToFloat32Array, float32ToFloat16Array } from '../engine/float16.ts';
import type { HostTensor } from '../engine/index.ts';
import type { Logger } from '../log.ts';
import { getInversion, INVERSION_DEFAULTS, invert, isInversionMethod, type AnyInvertOptions, type InversionMethod, type InversionModel, type InversionResult, type TensorPacker, type TensorReader } from '../pipeline/inversion/index.ts';
import type { Float32Tensor, InversionKey, InversionStore, JsonObject, PutResult } from './inversions.ts';

/** Bumped when the stored layout changes: it is part of the key, so older entries simply miss. */
export const STORED_INVERSION_FORMAT = 1;

/** An inversion model that can name itself: a `Diffusion` (its `model.hash`, the model's content id). */
export type StoredInversionModel = InversionModel & { readonly model: { readonly hash?: string } };

export interface StoredInvertOptions extends Omit<AnyInvertOptions, 'latent'> {
  userId: string;
  /** sha256 (lowercase hex) of the image's bytes (its Blob hash; `imageContentHash()`). */
  imageHash: string;
  /** The model's content id (default: `model.model.hash`, which `openStableDiffusion` computes). */
  modelHash?: string;
  /** The clean latent, or a function giving it (called only when the inversion must be computed). */
  latent: Float32Array | (() => Float32Array | Promise<Float32Array>);
  /** Store failures (the database down) are logged here and the inversion is computed instead. */
  logger?: Logger;
}

export type StoredLookup =
  /** Loaded from the store. */
  | 'hit'
  | 'miss'
  /** The stored bytes were damaged (the store deleted them); recomputed. */
  | 'corrupt'
  /** The bytes were intact but their tensors don't fit the key (names, shapes, values); recomputed and replaced. */
  | 'invalid'
  /** The store could not be read (logged); computed. */
  | 'error';

export type StoredPut =
  | PutResult
  /** float16 cannot hold some value (|x| > 65504): not stored, the float32 result is returned. */
  | { stored: false; reason: 'not-representable'; tensor: string }
  /** The store refused the write (logged). */
  | { stored: false; reason: 'error'; message: string };

export interface StoredInversionOutcome {
  /** What to sample from: the stored values (float16, as float32) whether loaded or just computed. */
  inversion: InversionResult;
  source: 'stored' | 'computed';
  lookup: StoredLookup;
  /** Why a lookup was not a hit, when there is more to say than 'miss'. */
  reason?: string;
  /** When computed: the float32 inversion before rounding. */
  computed?: InversionResult;
  /** When computed: what storing it did. */
  put?: StoredPut;
  /** The stored blob (on a hit, or after a successful put). */
  dataHash?: string;
  bytes?: number;
  /** Milliseconds: the lookup (read, sha256, decode), the inversion, the put, and all of it. */
  ms: { lookup: number; decode?: number; invert?: number; put?: number; total: number };
}

/** sha256 (lowercase hex) of an image's bytes: the key's `imageHash`. */
export function imageContentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The model's content id, from `model.model.hash` (a `Diffusion`'s StableDiffusionModel). */
export function modelContentHash(model: StoredInversionModel): string {
  const hash = model.model.hash;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new TypeError('invertWithStore: the model has no content hash (model.model.hash); pass modelHash');
  }
  return hash;
}

/**
 * The parameters that decide an inversion's values, defaults filled in (so an omitted default and an
 * explicit one are one key): the stored layout, prompt, steps, guidance, latent size, weight dtype,
 * and null-text's innerSteps/epsilon or ddpm's eta/seed.
 */
export function storedInversionParams(model: InversionModel, method: InversionMethod, options: Omit<StoredInvertOptions, 'userId' | 'imageHash' | 'latent'>): JsonObject {
  const params: JsonObject = {
    format: STORED_INVERSION_FORMAT,
    prompt: options.prompt,
    steps: options.steps,
    guidance: options.guidance ?? INVERSION_DEFAULTS.guidance,
    latent: [...model.latentShape.slice(1)],
    weights: model.model.unet.weights.dtype,
  };
  return { ...params, ...getInversion(method).storage.keyParams?.(options) };
}

/** The store key of an inversion. */
export function storedInversionKey(model: StoredInversionModel, method: InversionMethod, options: Omit<StoredInvertOptions, 'latent'>): InversionKey {
  return {
    userId: options.userId,
    imageHash: options.imageHash,
    modelHash: options.modelHash ?? modelContentHash(model),
    method,
    params: storedInversionParams(model, method, options),
  };
}

const f32 = (shape: number[], data: Float32Array): Float32Tensor => ({ dtype: 'float32', shape, data });

function stack(name: string, parts: readonly Float32Array[]): Float32Tensor {
  const size = parts[0]?.length ?? 0;
  const data = new Float32Array(parts.length * size);
  parts.forEach((part, i) => {
    if (part.length !== size) throw new RangeError(`${name}: entry ${i} has ${part.length} values, entry 0 has ${size}`);
    data.set(part, i * size);
  });
  return f32([parts.length, size], data);
}

function host(name: string, tensor: HostTensor): Float32Tensor {
  if (!(tensor.data instanceof Float32Array)) throw new TypeError(`${name}: expected float32 data, got ${tensor.dtype}`);
  return f32([...tensor.shape], tensor.data);
}

/**
 * The tensors that store an inversion (float32; the store rounds them to float16). Latent stacks
 * are [n, C·H·W]-shaped here and given the latent's dims: [n, C, H, W].
 */
export function inversionTensors(inversion: InversionResult, latentShape: readonly number[]): Record<string, Float32Tensor> {
  const dims = [...latentShape.slice(1)];
  const latents = (name: string, parts: readonly Float32Array[]): Float32Tensor => {
    const stacked = stack(name, parts);
    if (stacked.shape[1] !== dims.reduce((a, b) => a * b, 1)) throw new RangeError(`${name}: latents of ${stacked.shape[1]} values, the model's are [${dims.join(', ')}]`);
    return f32([parts.length, ...dims], stacked.data);
  };
  const { steps } = inversion;
  if (inversion.trajectory.length !== steps + 1) throw new RangeError(`trajectory has ${inversion.trajectory.length} latents for ${steps} steps`);
  if (inversion.timesteps.length !== steps) throw new RangeError(`${inversion.timesteps.length} timesteps for ${steps} steps`);
  const last = inversion.trajectory[steps] as Float32Array;
  if (inversion.xT !== last && !(inversion.xT.length === last.length && inversion.xT.every((v, i) => Object.is(v, last[i])))) {
    throw new Error(`${inversion.method}: x_T is not the trajectory's last latent`);
  }
  for (const t of inversion.timesteps) if (!Number.isInteger(t) || t < 0 || t > 2048) throw new RangeError(`timestep ${t} is not exact in float16`);
  const pack: TensorPacker = { latents, host, numbers: (values) => f32([values.length], Float32Array.from(values)) };
  return {
    trajectory: latents('trajectory', inversion.trajectory),
    timesteps: f32([steps], Float32Array.from(inversion.timesteps)),
    cond: host('cond', inversion.cond),
    uncond: host('uncond', inversion.uncond),
    ...getInversion(inversion.method).storage.encode?.(inversion, pack),
  };
}

/** Thrown by `inversionFromTensors` when stored tensors don't make the inversion their key names. */
export class StoredInversionMismatch extends Error {
  override name = 'StoredInversionMismatch';
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The InversionResult that stored tensors (as the store decodes them) and the key's parameters
 * describe. Checks names, shapes and values against the key and the model's latent size; throws
 * StoredInversionMismatch when they don't fit. Arrays are copies: the result owns them.
 */
export function inversionFromTensors(
  method: InversionMethod,
  params: JsonObject,
  tensors: Readonly<Record<string, Float32Tensor>>,
  latentShape: readonly number[],
): InversionResult {
  const bad = (why: string) => new StoredInversionMismatch(`stored ${method} inversion does not fit its key: ${why}`);
  const steps = params.steps as number;
  const dims = [...latentShape.slice(1)];
  const size = dims.reduce((a, b) => a * b, 1);
  const { storage } = getInversion(method);
  const expected = ['trajectory', 'timesteps', 'cond', 'uncond', ...storage.tensors];
  const names = Object.keys(tensors);
  if (names.length !== expected.length || !expected.every((n) => n in tensors)) throw bad(`tensors [${names.join(', ')}], expected [${expected.join(', ')}]`);
  const get = (name: string, shape?: readonly number[]): Float32Tensor => {
    const tensor = tensors[name] as Float32Tensor;
    if (shape && !sameDims(tensor.shape, shape)) throw bad(`${name} is [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
    return tensor;
  };
  const finite = (name: string, data: Float32Array) => {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw bad(`${name}[${i}] is ${data[i]}`);
  };
  const split = (name: string, count: number): Float32Array[] => {
    const { data } = get(name, [count, ...dims]);
    finite(name, data);
    return Array.from({ length: count }, (_, i) => data.slice(i * size, (i + 1) * size));
  };
  const embedding = (name: string): HostTensor => {
    const tensor = get(name);
    if (tensor.shape.length !== 3 || tensor.shape[0] !== 1) throw bad(`${name} is [${tensor.shape.join(', ')}], expected [1, tokens, width]`);
    finite(name, tensor.data);
    return { dtype: 'float32', shape: [...tensor.shape], data: tensor.data.slice() };
  };

  const trajectory = split('trajectory', steps + 1);
  const timesteps = [...get('timesteps', [steps]).data];
  if (!timesteps.every((t, i) => Number.isInteger(t) && t >= 0 && (i === 0 || t < (timesteps[i - 1] as number)))) throw bad(`timesteps ${JSON.stringify(timesteps)} are not descending integers`);
  const cond = embedding('cond');
  const uncond = embedding('uncond');
  const base = {
    prompt: params.prompt as string,
    steps,
    guidance: params.guidance as number,
    xT: (trajectory[steps] as Float32Array).slice(),
    trajectory,
    timesteps,
    cond,
    uncond,
    timings: { totalMs: 0 },
  };
  const read: TensorReader = {
    latents: split,
    numbers: (name, length) => [...get(name, [length]).data],
    tensor(name, shape) {
      const tensor = get(name, shape);
      finite(name, tensor.data);
      return tensor;
    },
  };
  return storage.decode(base, params, read);
}

/** Each value rounded to float16 and back (what the store will give back); undefined if one overflows. */
function roundToStored(tensors: Record<string, Float32Tensor>): { tensors: Record<string, Float32Tensor> } | { overflow: string } {
  const out: Record<string, Float32Tensor> = {};
  for (const [name, tensor] of Object.entries(tensors)) {
    const data = float16ToFloat32Array(float32ToFloat16Array(tensor.data));
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]) && Number.isFinite(tensor.data[i])) return { overflow: name };
    out[name] = f32(tensor.shape as number[], data);
  }
  return { tensors: out };
}

/**
 * The inversion `method` of the image `imageHash` for `userId`: loaded from `store` when it holds one
 * for this model and these parameters (no model work: neither the UNet nor the text encoder runs, and
 * a `latent` function is not called), else computed with `invert()` and stored. Damaged or ill-fitting
 * stored bytes are never used: they are recomputed (and replaced). Store failures are logged and the
 * inversion is computed; storing is best effort.
 */
export async function invertWithStore(
  store: InversionStore,
  model: StoredInversionModel,
  method: InversionMethod,
  options: StoredInvertOptions,
): Promise<StoredInversionOutcome> {
  if (!isInversionMethod(method)) throw new RangeError(`unknown inversion method ${String(method)}`);
  const started = performance.now();
  const key = storedInversionKey(model, method, options);
  const ms: StoredInversionOutcome['ms'] = { lookup: 0, total: 0 };

  let lookup: StoredLookup = 'miss';
  let reason: string | undefined;
  try {
    const found = await store.lookup(key);
    ms.lookup = performance.now() - started;
    if (found.status === 'hit') {
      const decodeStarted = performance.now();
      try {
        const inversion = inversionFromTensors(method, found.inversion.params, found.inversion.tensors, model.latentShape);
        ms.decode = performance.now() - decodeStarted;
        ms.total = performance.now() - started;
        inversion.timings = { totalMs: ms.total, lookupMs: ms.lookup, decodeMs: ms.decode };
        return { inversion, source: 'stored', lookup: 'hit', dataHash: found.inversion.dataHash, bytes: found.inversion.bytes, ms };
      } catch (error) {
        if (!(error instanceof StoredInversionMismatch)) throw error;
        lookup = 'invalid';
        reason = error.message;
        options.logger?.warn({ userId: key.userId, imageHash: key.imageHash, method, dataHash: found.inversion.dataHash, reason }, 'stored inversion does not fit its key; recomputing');
      }
    } else if (found.status === 'corrupt') {
      lookup = 'corrupt';
      reason = found.reason;
    }
  } catch (error) {
    ms.lookup = performance.now() - started;
    lookup = 'error';
    reason = (error as Error).message;
    options.logger?.warn({ err: error, userId: key.userId, method }, 'inversion store lookup failed; computing the inversion');
  }

  const { userId: _user, imageHash: _image, modelHash: _model, logger: _logger, latent: source, ...rest } = options;
  const latent = typeof source === 'function' ? await source() : source;
  const invertStarted = performance.now();
  const computed = await invert(model, method, { ...rest, latent });
  ms.invert = performance.now() - invertStarted;

  const rounded = roundToStored(inversionTensors(computed, model.latentShape));
  let inversion: InversionResult;
  let put: StoredPut;
  let dataHash: string | undefined;
  let bytes: number | undefined;
  if ('overflow' in rounded) {
    inversion = computed;
    put = { stored: false, reason: 'not-representable', tensor: rounded.overflow };
    options.logger?.warn({ method, tensor: rounded.overflow }, 'inversion has values float16 cannot hold; not stored');
  } else {
    inversion = inversionFromTensors(method, key.params, rounded.tensors, model.latentShape);
    inversion.timings = computed.timings;
    const putStarted = performance.now();
    try {
      // The rounded values are what the store rounds to: storing them stores the same halves.
      put = await store.put(key, rounded.tensors);
      if (put.stored) ({ dataHash, bytes } = put);
    } catch (error) {
      put = { stored: false, reason: 'error', message: (error as Error).message };
      options.logger?.warn({ err: error, userId: key.userId, method }, 'storing the inversion failed');
    }
    ms.put = performance.now() - putStarted;
  }
  ms.total = performance.now() - started;
  return { inversion, source: 'computed', lookup, ...(reason !== undefined ? { reason } : {}), computed, put, ...(dataHash ? { dataHash, bytes } : {}), ms };
}
