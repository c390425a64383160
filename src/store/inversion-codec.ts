// The bytes of a stored inversion: a named set of float tensors as float16, byte-shuffled and
// compressed, behind a small self-describing header.
//
//   offset  size  field
//   0       4     magic "RTIV"
//   4       2     container version, uint16 little-endian (1)
//   6       4     header length H, uint32 little-endian
//   10      H     header, UTF-8 JSON: { codec, rawBytes, tensors: [{ name, dtype: "float16", dims }] }
//   10+H    …     payload: brotli(high bytes of every half, in tensor order, then their low bytes)
//
// Why this codec (measured on a [51,4,16,16] latent trajectory + [50,77,128] null-embedding set,
// .scratch/codec-measure.ts, one core of the build machine):
// - float16 halves the bytes; inversions are reused as the starting point of an edit, where half
//   precision is far below the error of the inversion itself.
// - Float bits compress badly as they come: every codec got ~1.1× on the plain halves. Splitting
//   the high bytes (sign, exponent, top mantissa bits: few distinct values) from the low bytes
//   (noise) lifts that to 1.5–1.7×.
// - Node 20 has no zstd. On the shuffled bytes deflate (level 1–6) gave 1.46–1.55× at 18–20 ms to
//   encode and ~2 ms to decode; brotli quality 3 gave 1.62× at ~5.5 ms to encode and ~2 ms to
//   decode — smaller and faster. Quality 5 gains 3% more for 3× the time; quality 1 loses 3%.
// End to end (.scratch/inversion-bench.ts): 2.18 MB of float32 is stored in 0.68 MB (3.2×) when the
// null embeddings drift slowly step to step, 0.92 MB (2.4×) for pure Gaussian noise (the worst
// case); encode ~11–13 ms, decode ~7 ms.
// The outer integrity check is the blob's sha256 (its content address), verified by the store on
// every read; this decoder checks the structure, so bytes that pass the hash but aren't a valid
// container (a future version, a bug) are refused the same way.
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { endianness } from 'node:os';
import type { Float32Tensor, HostTensor } from '../engine/runtime/session.ts';

export type { Float32Tensor };
import { float16ToFloat32Array, float32ToFloat16Array } from '../engine/float16.ts';

/** The codec name written into the container header and the inversion row. */
export const INVERSION_CODEC = 'f16-shuffle-brotli3/1';
export const INVERSION_MEDIA_TYPE = 'application/vnd.retouch.inversion';

const MAGIC = [0x52, 0x54, 0x49, 0x56]; // "RTIV"
const CONTAINER_VERSION = 1;
const PREFIX_BYTES = 10;
const BROTLI_QUALITY = 3;
/** Far above any real inversion (a 512×512 SD null-text inversion is ~110 MB as float32). */
const MAX_RAW_BYTES = 1 << 30;

/** A tensor as stored: float16 bits. */
export interface Float16Tensor extends HostTensor {
  readonly dtype: 'float16';
  readonly data: Uint16Array;
}

/** What the store accepts: float32 (rounded to float16) or float16 bits (kept as they are). */
export type StorableTensor = Float32Tensor | Float16Tensor;

export class CorruptInversionError extends Error {
  override name = 'CorruptInversionError';
}

interface HeaderTensor {
  name: string;
  dtype: 'float16';
  dims: number[];
}

interface Header {
  codec: string;
  rawBytes: number;
  tensors: HeaderTensor[];
}

if (endianness() !== 'LE') throw new Error('inversion codec: only little-endian hosts are supported');

function elementCount(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

function validDims(dims: unknown): dims is number[] {
  return Array.isArray(dims) && dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
}

/** Encodes named tensors into the container. Tensor order is kept. */
export function encodeInversion(tensors: Readonly<Record<string, StorableTensor>>): Uint8Array {
  const entries = Object.entries(tensors);
  const halves: Uint16Array[] = [];
  const header: Header = { codec: INVERSION_CODEC, rawBytes: 0, tensors: [] };
  for (const [name, tensor] of entries) {
    const dims = [...tensor.shape];
    if (name === '__proto__') throw new TypeError('inversion tensor name __proto__ is reserved');
    if (!validDims(dims)) throw new TypeError(`inversion tensor ${name}: bad shape ${JSON.stringify(tensor.shape)}`);
    if (elementCount(dims) !== tensor.data.length) {
      throw new TypeError(`inversion tensor ${name}: shape [${dims.join(',')}] needs ${elementCount(dims)} values, got ${tensor.data.length}`);
    }
    if (tensor.dtype === 'float32' && tensor.data instanceof Float32Array) halves.push(float32ToFloat16Array(tensor.data));
    else if (tensor.dtype === 'float16' && tensor.data instanceof Uint16Array) halves.push(tensor.data);
    else throw new TypeError(`inversion tensor ${name}: ${tensor.dtype} is not storable (float32 or float16 bits)`);
    header.tensors.push({ name, dtype: 'float16', dims });
    header.rawBytes += tensor.data.length * 2;
  }
  if (header.rawBytes > MAX_RAW_BYTES) throw new RangeError(`inversion of ${header.rawBytes} bytes is too large to store`);

  // Byte shuffle: all high bytes, then all low bytes.
  const count = header.rawBytes / 2;
  const shuffled = new Uint8Array(header.rawBytes);
  let i = 0;
  for (const h of halves) {
    for (let j = 0; j < h.length; j++, i++) {
      const bits = h[j]!;
      shuffled[i] = bits >>> 8;
      shuffled[count + i] = bits & 0xff;
    }
  }
  const payload = brotliCompressSync(shuffled, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: shuffled.length,
    },
  });

  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const out = new Uint8Array(PREFIX_BYTES + headerBytes.length + payload.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, CONTAINER_VERSION, true);
  view.setUint32(6, headerBytes.length, true);
  out.set(headerBytes, PREFIX_BYTES);
  out.set(payload, PREFIX_BYTES + headerBytes.length);
  return out;
}

/** Decodes a container to its float16 tensors; throws CorruptInversionError on anything malformed. */
export function decodeInversionHalves(bytes: Uint8Array): { codec: string; tensors: Record<string, Float16Tensor> } {
  const corrupt = (why: string) => new CorruptInversionError(`stored inversion is corrupt: ${why}`);
  if (bytes.length < PREFIX_BYTES) throw corrupt(`${bytes.length} bytes is shorter than the container prefix`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== CONTAINER_VERSION) throw corrupt(`unknown container version ${version}`);
  const headerLength = view.getUint32(6, true);
  if (PREFIX_BYTES + headerLength > bytes.length) throw corrupt('truncated header');

  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX_BYTES, headerLength).toString('utf8')) as Header;
  } catch {
    throw corrupt('header is not JSON');
  }
  if (header === null || typeof header !== 'object' || header.codec !== INVERSION_CODEC) {
    throw corrupt(`unknown codec ${JSON.stringify((header as Partial<Header> | null)?.codec)}`);
  }
  if (!Array.isArray(header.tensors)) throw corrupt('header has no tensor list');
  const names = new Set<string>();
  let expected = 0;
  for (const t of header.tensors) {
    if (typeof t?.name !== 'string' || t.name === '__proto__' || names.has(t.name) || t.dtype !== 'float16' || !validDims(t.dims)) {
      throw corrupt(`bad tensor entry ${JSON.stringify(t)}`);
    }
    names.add(t.name);
    expected += elementCount(t.dims) * 2;
  }
  if (expected !== header.rawBytes || expected > MAX_RAW_BYTES) throw corrupt('tensor sizes disagree with the header');

  let shuffled: Buffer;
  try {
    // maxOutputLength: a damaged stream can't make us allocate more than the header promised.
    shuffled = brotliDecompressSync(bytes.subarray(PREFIX_BYTES + headerLength), { maxOutputLength: Math.max(expected, 1) });
  } catch (error) {
    throw corrupt(`payload does not decompress (${(error as Error).message})`);
  }
  if (shuffled.length !== expected) throw corrupt(`payload is ${shuffled.length} bytes, expected ${expected}`);

  const count = expected / 2;
  const tensors: Record<string, Float16Tensor> = {};
  let i = 0;
  for (const t of header.tensors) {
    const data = new Uint16Array(elementCount(t.dims));
    for (let j = 0; j < data.length; j++, i++) data[j] = (shuffled[i]! << 8) | shuffled[count + i]!;
    tensors[t.name] = { dtype: 'float16', shape: t.dims, data };
  }
  return { codec: header.codec, tensors };
}

/** Decodes a container to float32 tensors (exact values of the stored halves). */
export function decodeInversion(bytes: Uint8Array): Record<string, Float32Tensor> {
  const { tensors } = decodeInversionHalves(bytes);
  const out: Record<string, Float32Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = { dtype: 'float32', shape: t.shape, data: float16ToFloat32Array(t.data) };
  return out;
}
