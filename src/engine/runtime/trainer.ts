import * as ort from 'onnxruntime-node';
import { GraphError, input, topologicalOrder, type Tensor } from '../tensor.ts';
import { grad } from '../autodiff/vjp.ts';
import type { Optimizer } from '../optim.ts';
import { readSafetensors, writeSafetensors } from '../safetensors.ts';
import { fromOrt, Program, toOrt, type CompileOptions, type HostTensor } from './session.ts';

export interface TrainerOptions extends Omit<CompileOptions, 'paramsAsInputs' | 'keepOnDevice'> {
  optimizer: Optimizer;
  /** Parameters to train (default: every param with data that the loss depends on). */
  params?: readonly Tensor[];
}

const SCALAR = (name: string) => `optimizer.${name}`;
const updated = (name: string) => `${name}:next`;

/**
 * One compiled graph per training step: loss, gradients and the optimiser update together.
 * Parameters and optimiser state are graph inputs whose next values are graph outputs; the
 * outputs are fed straight back (on WebGPU they are kept as GPU buffers), never copied in JS.
 */
export class Trainer {
  private steps = 0;

  private constructor(
    private readonly program: Program,
    private readonly loss: string,
    private readonly carried: Map<string, ort.Tensor>,
    private readonly stepDtype: 'float32' | 'float64',
    private readonly paramNames: readonly string[],
    private readonly optimizer: Optimizer,
  ) {}

  static async create(loss: Tensor, options: TrainerOptions): Promise<Trainer> {
    if (loss.size !== 1) throw new GraphError(`Trainer: loss must have one element, got ${loss}`);
    const params = options.params ?? topologicalOrder([loss]).filter((t) => t.op === 'param' && t.leaf.data);
    if (params.length === 0) throw new GraphError('Trainer: the loss depends on no parameters with data');
    const dtype = loss.dtype === 'float64' ? 'float64' : 'float32';
    const scalars = options.optimizer.scalarNames.map((name) => input(SCALAR(name), [], dtype));
    const grads = grad(loss, params);
    const outputs: Record<string, Tensor> = { loss };
    const carried = new Map<string, ort.Tensor>();
    params.forEach((param, i) => {
      const name = param.leaf.name as string;
      if (!param.leaf.data) throw new GraphError(`Trainer: param '${name}' has no initial data`);
      const state = options.optimizer.slots.map((slot) => input(`${name}.${slot}`, param.shape, param.dtype));
      const next = options.optimizer.update(param, grads[i] as Tensor, state, scalars);
      outputs[updated(name)] = next.param;
      carried.set(name, toOrt({ dtype: param.dtype, shape: param.shape, data: param.leaf.data }));
      state.forEach((slot, k) => {
        const slotName = slot.leaf.name as string;
        outputs[updated(slotName)] = next.state[k] as Tensor;
        carried.set(slotName, toOrt({ dtype: param.dtype, shape: param.shape, data: zerosFor(param) }));
      });
    });
    const program = await Program.compile(outputs, { ...options, paramsAsInputs: true, keepOnDevice: [...carried.keys()].map(updated) });
    return new Trainer(program, 'loss', carried, dtype, params.map((p) => p.leaf.name as string), options.optimizer);
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Runs one step on a batch and returns the loss before the update. */
  async step(batch: Readonly<Record<string, HostTensor>>): Promise<number> {
    this.steps += 1;
    const feeds: Record<string, ort.Tensor> = Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, toOrt(v)]));
    for (const [name, value] of this.carried) feeds[name] = value;
    const values = this.optimizer.scalars(this.steps);
    this.optimizer.scalarNames.forEach((name, i) => {
      const value = values[i] as number;
      const data = this.stepDtype === 'float64' ? Float64Array.of(value) : Float32Array.of(value);
      feeds[SCALAR(name)] = new ort.Tensor(this.stepDtype, data, []);
    });
    const out = await this.program.runOrt(feeds);
    for (const name of this.carried.keys()) this.carried.set(name, out[updated(name)] as ort.Tensor);
    return Number((out[this.loss] as ort.Tensor).data[0]);
  }

  /** Writes parameters, optimiser state and the step count to a .safetensors file. */
  saveCheckpoint(path: string): void {
    const tensors = Object.fromEntries([...this.carried].map(([name, value]) => [name, fromOrt(value)]));
    writeSafetensors(path, tensors, { step: String(this.steps), optimizer: this.optimizer.name });
  }

  /** Restores what saveCheckpoint wrote; the graph must be the same. */
  loadCheckpoint(path: string): void {
    const { tensors, metadata } = readSafetensors(path);
    for (const [name, current] of this.carried) {
      const saved = tensors.get(name);
      if (!saved || saved.dtype !== current.type || saved.shape.join() !== current.dims.join()) {
        throw new GraphError(`Trainer.loadCheckpoint: ${path} has no ${current.type} [${current.dims.join(', ')}] tensor '${name}'`);
      }
      this.carried.set(name, toOrt(saved));
    }
    this.steps = Number(metadata.step ?? 0);
  }

  /** Current values of the parameters (for saving). */
  parameters(): Record<string, HostTensor> {
    return Object.fromEntries(this.paramNames.map((name) => [name, fromOrt(this.carried.get(name) as ort.Tensor)]));
  }

  async release(): Promise<void> {
    await this.program.release();
  }
}

function zerosFor(param: Tensor): Float32Array | Float64Array | Uint16Array {
  if (param.dtype === 'float64') return new Float64Array(param.size);
  if (param.dtype === 'float16' || param.dtype === 'bfloat16') return new Uint16Array(param.size);
  return new Float32Array(param.size);
}
