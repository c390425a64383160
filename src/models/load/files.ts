import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { readSafetensors, type HostTensor } from '../../engine/index.ts';
import { ModelLoadError } from '../weights.ts';

/** Reads and parses a JSON file; ModelLoadError "<path>: missing" / "<path> is not JSON at line L column C: ...". */
export function readJson(path: string): unknown {
  if (!existsSync(path)) throw new ModelLoadError(`${path}: missing`);
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      const column = Number(position[1]) - before.lastIndexOf('\n');
      where = ` at line ${line} column ${column}`;
    } else if (text.trim() === '') {
      where = ' (the file is empty)';
    }
    throw new ModelLoadError(`${path} is not JSON${where}: ${message}`);
  }
}

/** Like readJson, also requiring a JSON object. */
export function readJsonObject(path: string): Record<string, unknown> {
  const value = readJson(path);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelLoadError(`${path}: expected a JSON object, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

const PICKLE_EXTENSIONS = ['.bin', '.ckpt', '.pt', '.pth', '.pkl'];

export function isPickleFile(path: string): boolean {
  return PICKLE_EXTENSIONS.some((ext) => path.toLowerCase().endsWith(ext));
}

export function pickleRefusal(path: string): string {
  return `${path} is a PyTorch pickle file, which Retouch does not load (unpickling can run arbitrary code); `
    + 'convert it to .safetensors first (e.g. diffusers\' `save_pretrained(..., safe_serialization=True)`, or the safetensors "convert" Space)';
}

/** The JSON header of a .safetensors file (tensor names, dtypes, shapes, offsets) without reading the data. */
export function readSafetensorsHeader(path: string): { header: Record<string, unknown>; headerBytes: Uint8Array; dataStart: number; size: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    if (size < 8 || readSync(fd, prefix, 0, 8, 0) !== 8) throw new ModelLoadError(`${path}: not a safetensors file (${size} bytes)`);
    const length = Number(new DataView(prefix.buffer).getBigUint64(0, true));
    if (length > size - 8 || length > 100_000_000) throw new ModelLoadError(`${path}: not a safetensors file (header length ${length} in a ${size}-byte file)`);
    const headerBytes = new Uint8Array(length);
    readSync(fd, headerBytes, 0, length, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(new TextDecoder().decode(headerBytes)) as Record<string, unknown>;
    } catch (error) {
      throw new ModelLoadError(`${path}: not a safetensors file (header is not JSON: ${(error as Error).message})`);
    }
    return { header, headerBytes, dataStart: 8 + length, size };
  } finally {
    closeSync(fd);
  }
}

const SAMPLES = 16;
const SAMPLE_BYTES = 64 * 1024;

/**
 * Feeds a cheap content fingerprint of a .safetensors file into `hash`: its size, its header
 * (names, dtypes, shapes) and 16 evenly spaced 64 KiB samples of the tensor data (about 1 MiB
 * read per file), so two fine-tunes of one architecture differ while a copied or touched file
 * keeps its id. Not the file name or mtime.
 */
export function hashSafetensors(hash: ReturnType<typeof createHash>, path: string): void {
  const { headerBytes, dataStart, size } = readSafetensorsHeader(path);
  hash.update(`safetensors ${size}\n`);
  hash.update(headerBytes);
  const dataLength = size - dataStart;
  const fd = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(SAMPLE_BYTES);
    const count = dataLength <= SAMPLES * SAMPLE_BYTES ? 1 : SAMPLES;
    for (let i = 0; i < count; i++) {
      const length = count === 1 ? Math.min(dataLength, SAMPLE_BYTES * SAMPLES) : SAMPLE_BYTES;
      const start = count === 1 ? dataStart : dataStart + Math.floor(((dataLength - SAMPLE_BYTES) * i) / (SAMPLES - 1));
      const chunk = length <= buffer.length ? buffer : new Uint8Array(length);
      const n = readSync(fd, chunk, 0, length, start);
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/** JSON with object keys sorted, so equal configs hash equally whatever their formatting. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The stable content id of one .safetensors checkpoint (see hashSafetensors). */
export function fileHash(path: string): string {
  const hash = createHash('sha256');
  hash.update('retouch-checkpoint-v1\n');
  hashSafetensors(hash, path);
  return hash.digest('hex');
}

/** Reads the tensors of one or several (sharded) safetensors files into one map; duplicate keys fail. */
export function readTensors(paths: readonly string[]): Map<string, HostTensor> {
  const tensors = new Map<string, HostTensor>();
  const origin = new Map<string, string>();
  for (const path of paths) {
    if (isPickleFile(path)) throw new ModelLoadError(pickleRefusal(path));
    if (!existsSync(path) || !statSync(path).isFile()) throw new ModelLoadError(`${path}: missing`);
    let file;
    try {
      file = readSafetensors(path);
    } catch (error) {
      throw new ModelLoadError(`cannot read weights ${path}: ${(error as Error).message}`);
    }
    for (const [key, tensor] of file.tensors) {
      const previous = origin.get(key);
      if (previous) throw new ModelLoadError(`${path}: tensor '${key}' is also in ${previous}`);
      origin.set(key, path);
      tensors.set(key, tensor);
    }
  }
  return tensors;
}
