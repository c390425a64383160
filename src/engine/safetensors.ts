import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { bytesOf, DTYPE_BYTES, fromFloat32, toFloat32, viewBytes, type DType } from './dtype.ts';
import { GraphError, numel, param, type Tensor } from './tensor.ts';
import type { HostTensor } from './runtime/session.ts';

const CODES: Record<string, DType> = { F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', BOOL: 'bool' };
const NAMES = Object.fromEntries(Object.entries(CODES).map(([code, dtype]) => [dtype, code])) as Record<DType, string>;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsFile {
  readonly tensors: Map<string, HostTensor>;
  readonly metadata: Record<string, string>;
}

function readExactly(fd: number, length: number, position: number): Uint8Array {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, Math.min(length - done, 1 << 30), position + done);
    if (n === 0) throw new Error(`safetensors: file ends at byte ${position + done}, expected ${position + length}`);
    done += n;
  }
  return buffer;
}

/** Reads a .safetensors file; `names` limits which tensors are loaded. Half types stay raw (Uint16Array). */
export function readSafetensors(path: string, names?: ReadonlySet<string>): SafetensorsFile {
  const fd = openSync(path, 'r');
  try {
    return parseSafetensors(path, fstatSync(fd).size, (length, position) => readExactly(fd, length, position), names);
  } finally {
    closeSync(fd);
  }
}

/** Reads the tensors of a .safetensors file held in memory (a database blob); `source` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors bytes'): SafetensorsFile {
  return parseSafetensors(source, bytes.byteLength, (length, position) => {
    if (position + length > bytes.byteLength) throw new Error(`safetensors: ${source} ends at byte ${bytes.byteLength}, expected ${position + length}`);
    return bytes.slice(position, position + length);
  });
}

function parseSafetensors(source: string, size: number, read: (length: number, position: number) => Uint8Array, names?: ReadonlySet<string>): SafetensorsFile {
  const headerLength = Number(new DataView(read(8, 0).buffer).getBigUint64(0, true));
  if (headerLength > size - 8) throw new Error(`safetensors: ${source} has a header of ${headerLength} bytes in a ${size}-byte file`);
  const header = JSON.parse(new TextDecoder().decode(read(headerLength, 8))) as Record<string, HeaderEntry | Record<string, string>>;
  const base = 8 + headerLength;
  const tensors = new Map<string, HostTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    if (names && !names.has(name)) continue;
    const { dtype: code, shape, data_offsets: [begin, end] } = entry as HeaderEntry;
    const dtype = CODES[code];
    if (!dtype) throw new Error(`safetensors: ${source}: tensor '${name}' has unsupported dtype ${code}`);
    if (end - begin !== numel(shape) * DTYPE_BYTES[dtype] || base + end > size) {
      throw new Error(`safetensors: ${source}: tensor '${name}' has ${end - begin} bytes for ${code} ${JSON.stringify(shape)}`);
    }
    tensors.set(name, { dtype, shape, data: viewBytes(dtype, read(end - begin, base + begin)) });
  }
  return { tensors, metadata };
}

/** Writes tensors (in the given order) and optional string metadata as .safetensors. */
export function writeSafetensors(path: string, tensors: Readonly<Record<string, HostTensor>>, metadata?: Record<string, string>): void {
  const fd = openSync(path, 'w');
  try {
    let position = 0;
    for (const chunk of safetensorsChunks(tensors, metadata)) {
      let done = 0;
      while (done < chunk.byteLength) done += writeSync(fd, chunk, done, Math.min(chunk.byteLength - done, 1 << 30), position + done);
      position += chunk.byteLength;
    }
  } finally {
    closeSync(fd);
  }
}

/** The bytes writeSafetensors would write, in memory (a database blob). */
export function encodeSafetensors(tensors: Readonly<Record<string, HostTensor>>, metadata?: Record<string, string>): Uint8Array<ArrayBuffer> {
  const chunks = safetensorsChunks(tensors, metadata);
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let position = 0;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.byteLength;
  }
  return out;
}

/** The header length, the JSON header, then each tensor's bytes. */
function safetensorsChunks(tensors: Readonly<Record<string, HostTensor>>, metadata?: Record<string, string>): Uint8Array[] {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = tensor.data.byteLength;
    if (bytes !== numel(tensor.shape) * DTYPE_BYTES[tensor.dtype]) throw new Error(`safetensors: '${name}' has ${bytes} bytes for ${tensor.dtype} ${JSON.stringify(tensor.shape)}`);
    header[name] = { dtype: NAMES[tensor.dtype], shape: [...tensor.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(jsonBytes.byteLength), true);
  return [prefix, jsonBytes, ...Object.values(tensors).map((t) => bytesOf(t.data))];
}

/** Converts a float tensor to another float dtype on the host (through float32). */
export function convertHost(tensor: HostTensor, dtype: DType): HostTensor {
  if (tensor.dtype === dtype) return tensor;
  if (!['float64', 'float32', 'float16', 'bfloat16'].includes(tensor.dtype)) {
    throw new GraphError(`convertHost: cannot convert ${tensor.dtype} to ${dtype}`);
  }
  return { dtype, shape: tensor.shape, data: fromFloat32(dtype, toFloat32(tensor.dtype, tensor.data)) };
}

/** Reads a .safetensors file as graph params, converting float tensors to `dtype` when given. */
export function loadParams(path: string, options: { dtype?: DType; prefix?: string } = {}): Map<string, Tensor> {
  const { tensors } = readSafetensors(path);
  const result = new Map<string, Tensor>();
  for (const [name, tensor] of tensors) {
    const converted = options.dtype && tensor.dtype !== options.dtype && !tensor.dtype.startsWith('int') && tensor.dtype !== 'bool'
      ? convertHost(tensor, options.dtype)
      : tensor;
    const fullName = `${options.prefix ?? ''}${name}`;
    result.set(name, param(fullName, converted.shape, converted.dtype, converted.data));
  }
  return result;
}
