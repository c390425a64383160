import { createHash } from 'node:crypto';
import { bytesOf } from '../dtype.ts';
import { buildModel, encodeProto, type EmittedGraph, type ExternalPlacement } from '../onnx/emit.ts';

/**
 * Hash of a graph's structure and its weights' bytes: the compiled-graph cache key.
 * The structure is the ModelProto with every initializer made external, so weights are hashed once, directly.
 */
export function graphHash(graph: EmittedGraph): string {
  const hash = createHash('sha256');
  const placeholders = new Map<string, ExternalPlacement>(
    graph.initializers.map((init) => [init.name, { location: 'weights', offset: 0, length: init.data.byteLength }]),
  );
  hash.update(encodeProto(buildModel(graph, placeholders)));
  for (const init of graph.initializers) hash.update(bytesOf(init.data));
  return hash.digest('hex').slice(0, 32);
}
