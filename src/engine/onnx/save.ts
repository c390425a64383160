import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { bytesOf } from '../dtype.ts';
import { buildModel, encodeProto, type EmittedGraph, type ExternalPlacement } from './emit.ts';

export interface SaveOptions {
  /** Initializers of at least this many bytes go to the external data file (default 1024). */
  externalThreshold?: number;
}

export interface SavedModel {
  readonly modelPath: string;
  readonly dataPath?: string;
  readonly externalBytes: number;
}

const ALIGNMENT = 4096;

/**
 * Writes `<path>` and, for weights of any total size, `<path>.data` holding the large initializers
 * (ONNX external data), so graphs past protobuf's 2 GB limit load by path.
 */
export function saveModel(graph: EmittedGraph, path: string, options: SaveOptions = {}): SavedModel {
  const threshold = options.externalThreshold ?? 1024;
  mkdirSync(dirname(path), { recursive: true });
  const dataName = `${basename(path)}.data`;
  const dataPath = `${path}.data`;
  const placements = new Map<string, ExternalPlacement>();
  let offset = 0;
  const large = graph.initializers.filter((init) => init.data.byteLength >= threshold);
  if (large.length > 0) {
    const fd = openSync(dataPath, 'w');
    try {
      for (const init of large) {
        const bytes = bytesOf(init.data);
        let written = 0;
        while (written < bytes.byteLength) {
          written += writeSync(fd, bytes, written, Math.min(bytes.byteLength - written, 1 << 30), offset + written);
        }
        placements.set(init.name, { location: dataName, offset, length: bytes.byteLength });
        offset = Math.ceil((offset + bytes.byteLength) / ALIGNMENT) * ALIGNMENT;
      }
    } finally {
      closeSync(fd);
    }
  }
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, encodeProto(buildModel(graph, placements)));
  } finally {
    closeSync(fd);
  }
  return large.length > 0 ? { modelPath: path, dataPath, externalBytes: offset } : { modelPath: path, externalBytes: 0 };
}
