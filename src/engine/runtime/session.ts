import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { bytesOf, type DType, type TypedArray } from '../dtype.ts';
import { GraphError, type Tensor } from '../tensor.ts';
import { buildModel, emitGraph, encodeProto, type EmitOptions, type EmittedGraph, type ExternalPlacement, type ValueInfo } from '../onnx/emit.ts';
import { saveModel } from '../onnx/save.ts';
import { graphHash } from './cache.ts';
import { chooseProvider, type ExecutionProvider, type ProviderRequest } from './ep.ts';

/** A concrete tensor on the host. Float16 data is raw bits in a Uint16Array. */
export interface HostTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/** A float32 tensor on the host (what stored tensors decode to). */
export interface Float32Tensor extends HostTensor {
  readonly dtype: 'float32';
  readonly data: Float32Array;
}

export interface CompileOptions extends EmitOptions {
  provider?: ProviderRequest;
  /** Intra-op threads (default: onnxruntime's choice). Fix it for bit-reproducible runs. */
  threads?: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Directory of the compiled-graph cache; the model is saved there under a hash of the graph. */
  cacheDir?: string;
  /** Always save with external data (needed past 2 GB of weights); implied by cacheDir. */
  saveTo?: string;
  /** Outputs that stay with the execution provider between runs (WebGPU only: 'gpu-buffer'). */
  keepOnDevice?: readonly string[];
}

type OrtFeeds = Record<string, ort.Tensor>;

const RUNTIME_DTYPES = new Set<DType>(['float32', 'float64', 'float16', 'int64', 'int32', 'bool']);

export function toOrt(value: HostTensor | ort.Tensor): ort.Tensor {
  if ('dims' in value) return value;
  if (!RUNTIME_DTYPES.has(value.dtype)) throw new GraphError(`run: ${value.dtype} tensors cannot cross into onnxruntime-node; cast inside the graph`);
  return new ort.Tensor(value.dtype as 'float32', value.data as Float32Array, [...value.shape]);
}

export function fromOrt(value: ort.Tensor): HostTensor {
  return { dtype: value.type as DType, shape: [...value.dims], data: value.data as TypedArray };
}

/**
 * onnxruntime's extended fusions (QuickGelu, ...) ignore the element type and leave float64 graphs
 * with kernels that do not exist, so float64 graphs get only the basic optimisations.
 */
function usesFloat64(graph: EmittedGraph): boolean {
  return [...graph.inputs, ...graph.outputs, ...graph.initializers].some((info) => info.dtype === 'float64');
}

/** A graph compiled into an onnxruntime session, with its weights and I/O signature. */
export class Program {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly inputs: readonly ValueInfo[],
    readonly outputs: readonly ValueInfo[],
    readonly provider: ExecutionProvider,
    /** Params fed as inputs, already wrapped, added to every run unless overridden. */
    private readonly boundParams: OrtFeeds,
    readonly modelPath?: string,
  ) {}

  static async compile(outputs: Readonly<Record<string, Tensor>>, options: CompileOptions = {}): Promise<Program> {
    const graph = emitGraph(outputs, options);
    for (const info of [...graph.inputs, ...graph.outputs]) {
      if (!RUNTIME_DTYPES.has(info.dtype)) {
        throw new GraphError(`compile: ${info.dtype} graph input or output '${info.name}' is not supported by onnxruntime-node; cast to float16 or float32 at the boundary`);
      }
    }
    return Program.fromGraph(graph, options);
  }

  static async fromGraph(graph: EmittedGraph, options: CompileOptions = {}): Promise<Program> {
    const { provider } = await chooseProvider(options.provider);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: options.optimization ?? (usesFloat64(graph) ? 'basic' : 'all'),
      ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
      ...(provider === 'webgpu' && options.keepOnDevice
        ? { preferredOutputLocation: Object.fromEntries(options.keepOnDevice.map((name) => [name, 'gpu-buffer' as const])) }
        : {}),
    };
    let session: ort.InferenceSession;
    let modelPath: string | undefined;
    if (options.cacheDir) {
      modelPath = join(options.cacheDir, graphHash(graph), 'model.onnx');
      if (!existsSync(modelPath) || statSync(modelPath).size === 0) {
        mkdirSync(join(modelPath, '..'), { recursive: true });
        saveModel(graph, modelPath);
      }
      session = await ort.InferenceSession.create(modelPath, sessionOptions);
    } else if (options.saveTo) {
      modelPath = saveModel(graph, options.saveTo).modelPath;
      session = await ort.InferenceSession.create(modelPath, sessionOptions);
    } else {
      // Large weights travel beside the model as in-memory external data: no 2 GB protobuf limit,
      // and no second copy of the weights inside an encoded model.
      const { model, externalData } = inMemoryExternalData(graph);
      session = await ort.InferenceSession.create(model, { ...sessionOptions, externalData });
    }
    const bound: OrtFeeds = {};
    for (const value of graph.paramValues) bound[value.name] = toOrt(value);
    return new Program(session, graph.inputs, graph.outputs, provider, bound, modelPath);
  }

  /** The tensor fed for a param given as an input (paramsAsInputs), wrapping the param's own data. */
  boundParam(name: string): ort.Tensor | undefined {
    return this.boundParams[name];
  }

  /**
   * Runs with host tensors (or onnxruntime tensors, passed through without copying). `fetch` names
   * the outputs wanted (default: all); the others are not copied out.
   */
  async run(feeds: Readonly<Record<string, HostTensor | ort.Tensor>> = {}, fetch?: readonly string[]): Promise<Record<string, HostTensor>> {
    const raw = await this.runOrt(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(v)])), fetch);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, fromOrt(v)]));
  }

  /** Runs with onnxruntime tensors and returns them, so outputs can be fed back (e.g. optimiser state). */
  async runOrt(feeds: Readonly<OrtFeeds>, fetch?: readonly string[]): Promise<OrtFeeds> {
    const all: OrtFeeds = { ...this.boundParams, ...feeds };
    for (const info of this.inputs) {
      const value = all[info.name];
      if (!value) throw new GraphError(`run: missing input '${info.name}' ${JSON.stringify(info.shape)} ${info.dtype}`);
      if (value.type !== info.dtype || value.dims.join() !== info.shape.join()) {
        throw new GraphError(`run: input '${info.name}' expects ${info.dtype} [${info.shape.join(', ')}], got ${value.type} [${value.dims.join(', ')}]`);
      }
    }
    if (!fetch) return (await this.session.run(all)) as OrtFeeds;
    const known = new Set(this.outputs.map((info) => info.name));
    const unknown = fetch.find((name) => !known.has(name));
    if (unknown) throw new GraphError(`run: no output named '${unknown}'`);
    return (await this.session.run(all, [...fetch])) as OrtFeeds;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

const IN_MEMORY_EXTERNAL_BYTES = 64 * 1024;

function inMemoryExternalData(graph: EmittedGraph): { model: Uint8Array; externalData: { path: string; data: Uint8Array }[] } {
  const placements = new Map<string, ExternalPlacement>();
  const externalData: { path: string; data: Uint8Array }[] = [];
  graph.initializers.forEach((init, i) => {
    if (init.data.byteLength < IN_MEMORY_EXTERNAL_BYTES) return;
    const path = `weight${i}.bin`;
    placements.set(init.name, { location: path, offset: 0, length: init.data.byteLength });
    externalData.push({ path, data: bytesOf(init.data) });
  });
  return { model: encodeProto(buildModel(graph, placements)), externalData };
}

/** Compiles and runs once: handy in tests and scripts. */
export async function evaluate(outputs: Readonly<Record<string, Tensor>>, feeds: Readonly<Record<string, HostTensor>> = {}, options: CompileOptions = {}): Promise<Record<string, HostTensor>> {
  const program = await Program.compile(outputs, options);
  try {
    return await program.run(feeds);
  } finally {
    await program.release();
  }
}
