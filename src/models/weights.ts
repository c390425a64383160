import { convertHost, param, readSafetensors, formatShape, type DType, type HostTensor, type Tensor } from '../engine/index.ts';

/** A missing, misshapen or unreadable weight, a wrong config: the message names the file and key. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
}

/**
 * Named weights of one component (a UNet, a VAE, a text encoder), read from safetensors, handed
 * to builders as engine params. Keys are the checkpoint's own (diffusers / transformers names);
 * `at(prefix)` scopes them the way modules nest. Every key read is recorded so a loader can tell
 * which checkpoint tensors the architecture never used.
 */
export class Weights {
  private readonly used: Set<string>;
  private readonly params = new Map<string, Tensor>();

  constructor(
    private readonly tensors: ReadonlyMap<string, HostTensor>,
    /** Where the weights came from, for messages (a file path, "unet/", ...). */
    readonly source: string,
    /** Float weights are converted to this type when read. */
    readonly dtype: DType = 'float32',
    /** Prefix of graph param names, so two components' weights never collide in one graph. */
    readonly namespace = '',
    private readonly prefix = '',
    used?: Set<string>,
    params?: Map<string, Tensor>,
  ) {
    this.used = used ?? new Set();
    if (params) this.params = params;
  }

  static fromFile(path: string, options: { dtype?: DType; namespace?: string } = {}): Weights {
    let tensors: Map<string, HostTensor>;
    try {
      tensors = readSafetensors(path).tensors;
    } catch (error) {
      throw new ModelLoadError(`cannot read weights ${path}: ${(error as Error).message}`);
    }
    return new Weights(tensors, path, options.dtype, options.namespace);
  }

  /** The same weights under `prefix.` (modules nest as in the checkpoint's key names). */
  at(prefix: string | number): Weights {
    return new Weights(this.tensors, this.source, this.dtype, this.namespace, this.key(String(prefix)), this.used, this.params);
  }

  has(name: string): boolean {
    return this.tensors.has(this.key(name));
  }

  /** The weight `name` as a param, converted to the weights' dtype; `shape` is checked when given. */
  get(name: string, shape?: readonly number[]): Tensor {
    const key = this.key(name);
    const cached = this.params.get(key);
    if (cached) {
      this.checkShape(key, cached.shape, shape);
      return cached;
    }
    const host = this.tensors.get(key);
    if (!host) throw new ModelLoadError(`${this.source}: missing weight '${key}'${this.hint(key)}`);
    this.checkShape(key, host.shape, shape);
    const converted = host.dtype === this.dtype || !host.dtype.startsWith('float') && host.dtype !== 'bfloat16' ? host : convertHost(host, this.dtype);
    const tensor = param(`${this.namespace}${key}`, converted.shape, converted.dtype, converted.data);
    this.params.set(key, tensor);
    this.used.add(key);
    return tensor;
  }

  /** The weight as host data (configs stored as tensors, embeddings read on the CPU). */
  host(name: string): HostTensor {
    const key = this.key(name);
    const host = this.tensors.get(key);
    if (!host) throw new ModelLoadError(`${this.source}: missing weight '${key}'${this.hint(key)}`);
    this.used.add(key);
    return host;
  }

  /** The shape stored for `name`, or undefined (lets a builder infer sizes from the checkpoint). */
  shapeOf(name: string): readonly number[] | undefined {
    return this.tensors.get(this.key(name))?.shape;
  }

  /** Number of values stored under this prefix. */
  parameterCount(): number {
    let total = 0;
    for (const [key, tensor] of this.tensors) if (key.startsWith(this.prefix)) total += tensor.shape.reduce((a, b) => a * b, 1);
    return total;
  }

  /** Checkpoint keys (under this prefix) that no builder read. */
  unused(): string[] {
    return [...this.tensors.keys()].filter((key) => key.startsWith(this.prefix) && !this.used.has(key));
  }

  private key(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  private checkShape(key: string, actual: readonly number[], expected: readonly number[] | undefined): void {
    if (expected && actual.join() !== expected.join()) {
      throw new ModelLoadError(`${this.source}: weight '${key}' has shape ${formatShape(actual)}, the config needs ${formatShape(expected)}`);
    }
  }

  private hint(key: string): string {
    const parent = key.split('.').slice(0, -2).join('.');
    const near = [...this.tensors.keys()].filter((k) => parent && k.startsWith(parent)).slice(0, 3);
    return near.length ? ` (found e.g. ${near.map((k) => `'${k}'`).join(', ')})` : ` (${this.tensors.size} tensors in the file)`;
  }
}
