import { allocate, type DType, type TypedArray } from './dtype.ts';

export type AttrValue = number | string | boolean | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** A graph that cannot be built: the message names the op, the scope it was built in, and the shapes or dtypes. */
export class GraphError extends Error {
  override name = 'GraphError';
}

/** Primitive ops: everything differentiates through these (see autodiff/vjp.ts and autodiff/jvp.ts). */
export const PRIMITIVE_OPS = [
  'input', 'param', 'constant',
  'neg', 'exp', 'log', 'sqrt', 'reciprocal', 'sigmoid', 'tanh', 'erf', 'sin', 'cos',
  'add', 'sub', 'mul', 'div', 'pow',
  'less', 'greater', 'equal', 'where', 'cast', 'stop_gradient',
  'sum', 'max',
  'reshape', 'transpose', 'expand', 'slice', 'pad', 'concat', 'gather', 'flip',
  'matmul', 'conv2d', 'conv_transpose2d',
] as const;

/** Composite ops: emitted as a fused ONNX op for inference, lowered to primitives for differentiation. */
export const COMPOSITE_OPS = ['softmax', 'layer_norm', 'resize_bilinear', 'multi_head_attention'] as const;

export type PrimitiveOp = (typeof PRIMITIVE_OPS)[number];
export type CompositeOp = (typeof COMPOSITE_OPS)[number];
export type OpName = PrimitiveOp | CompositeOp;

const KNOWN_OPS = new Set<string>([...PRIMITIVE_OPS, ...COMPOSITE_OPS]);

let nextId = 0;
const scopes: string[] = [];

/** Runs `build` with `name` appended to the scope path that error messages and ONNX node names carry. */
export function scope<T>(name: string, build: () => T): T {
  scopes.push(name);
  try {
    return build();
  } finally {
    scopes.pop();
  }
}

export function currentScope(): string {
  return scopes.join('/');
}

export interface Leaf {
  /** Graph input or weight name (inputs and params). */
  readonly name?: string;
  /** Values of params and constants; a param without data must be fed at run time. */
  readonly data?: TypedArray;
}

/** A symbolic tensor: the result of one op applied to other symbolic tensors. Immutable. */
export class Tensor {
  readonly id = nextId++;
  readonly scope = currentScope();
  private lowered?: Tensor;

  constructor(
    readonly op: OpName,
    readonly inputs: readonly Tensor[],
    readonly attrs: Attrs,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly leaf: Leaf = {},
    private readonly lowering?: () => Tensor,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return numel(this.shape);
  }

  get isComposite(): boolean {
    return this.lowering !== undefined;
  }

  /** The primitive expression this composite stands for (built once). */
  lower(): Tensor {
    if (!this.lowering) throw new GraphError(`${this.op} is a primitive and has no lowering`);
    this.lowered ??= this.lowering();
    return this.lowered;
  }

  attr<T extends AttrValue>(name: string): T {
    const value = this.attrs[name];
    if (value === undefined) throw new GraphError(`${this.op}: missing attribute ${name}`);
    return value as T;
  }

  toString(): string {
    const name = this.leaf.name ? ` '${this.leaf.name}'` : '';
    return `${this.op}${name} ${formatShape(this.shape)} ${this.dtype}`;
  }
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws a GraphError naming the op and the scope where the graph was being built. */
export function fail(op: string, message: string): never {
  const where = currentScope();
  throw new GraphError(`${op}${where ? ` (in ${where})` : ''}: ${message}`);
}

/** The one constructor of non-leaf tensors; rejects op names the engine does not know. */
export function node(
  op: string,
  inputs: readonly Tensor[],
  attrs: Attrs,
  shape: readonly number[],
  dtype: DType,
  lowering?: () => Tensor,
): Tensor {
  if (!KNOWN_OPS.has(op)) fail(op, `unknown op '${op}'`);
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) fail(op, `invalid output shape ${formatShape(shape)}`);
  }
  return new Tensor(op as OpName, inputs, attrs, [...shape], dtype, {}, lowering);
}

function checkShape(op: string, shape: readonly number[]): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) fail(op, `invalid shape ${formatShape(shape)}`);
}

/** A value fed at run time. */
export function input(name: string, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  checkShape('input', shape);
  return new Tensor('input', [], {}, [...shape], dtype, { name });
}

/** A named weight: baked into the model or fed at run time (see EmitOptions.paramsAsInputs). */
export function param(name: string, shape: readonly number[], dtype: DType = 'float32', data?: TypedArray): Tensor {
  checkShape('param', shape);
  if (data && data.length !== numel(shape)) {
    fail('param', `'${name}' has ${data.length} values for shape ${formatShape(shape)}`);
  }
  return new Tensor('param', [], {}, [...shape], dtype, data ? { name, data } : { name });
}

export function constant(values: TypedArray | readonly number[], shape: readonly number[], dtype: DType = 'float32'): Tensor {
  checkShape('constant', shape);
  if (values.length !== numel(shape)) fail('constant', `${values.length} values for shape ${formatShape(shape)}`);
  let data: TypedArray;
  if (Array.isArray(values)) {
    data = allocate(dtype, values.length);
    if (data instanceof BigInt64Array) values.forEach((v, i) => (data[i] = BigInt(v)));
    else if (dtype === 'float16' || dtype === 'bfloat16') fail('constant', `give ${dtype} constants as raw Uint16Array bits`);
    else values.forEach((v, i) => (data[i] = v));
  } else {
    data = values as TypedArray;
  }
  return new Tensor('constant', [], {}, [...shape], dtype, { data });
}

export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  if (dtype === 'float16' || dtype === 'bfloat16') {
    // Scalars in half precision are stored as f32 and cast, so callers can write plain numbers.
    return new Tensor('cast', [constant([value], [], 'float32')], { to: dtype }, [], dtype);
  }
  return constant([value], [], dtype);
}

/**
 * Every tensor the outputs depend on, inputs before users (iterative: model graphs are deep).
 * Tensors in `stopAt` are included but not traversed past.
 */
export function topologicalOrder(outputs: readonly Tensor[], stopAt?: ReadonlySet<number>): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<number>();
  const stack: Array<{ tensor: Tensor; expanded: boolean }> = outputs.map((tensor) => ({ tensor, expanded: false })).reverse();
  while (stack.length > 0) {
    const top = stack.pop() as { tensor: Tensor; expanded: boolean };
    if (top.expanded) {
      order.push(top.tensor);
      continue;
    }
    if (visited.has(top.tensor.id)) continue;
    visited.add(top.tensor.id);
    stack.push({ tensor: top.tensor, expanded: true });
    if (stopAt?.has(top.tensor.id)) continue;
    for (let i = top.tensor.inputs.length - 1; i >= 0; i--) {
      const inputTensor = top.tensor.inputs[i] as Tensor;
      if (!visited.has(inputTensor.id)) stack.push({ tensor: inputTensor, expanded: false });
    }
  }
  return order;
}
