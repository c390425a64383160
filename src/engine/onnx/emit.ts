import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { bytesOf, ONNX_DTYPE, type DType, type TypedArray } from '../dtype.ts';
import { GraphError, topologicalOrder, type Tensor } from '../tensor.ts';
import { FLOAT64_LOWERINGS } from './lower-f64.ts';

const { onnx } = onnxProto;

export const OPSET = 18;
/** IR version 8 (ONNX 1.10+) is read by every onnxruntime since 1.10. */
export const IR_VERSION = 8;

export interface ValueInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface Initializer extends ValueInfo {
  readonly data: TypedArray;
}

export interface EmitOptions {
  /** Feed params at run time instead of baking them in, so several graphs can share one copy. */
  paramsAsInputs?: boolean;
  /** Emit composites (softmax, layer norm, bilinear resize) as their primitive lowering. */
  lowerComposites?: boolean;
  graphName?: string;
}

/** A graph ready to serialise: nodes and value infos, with initializer data held by reference. */
export interface EmittedGraph {
  readonly nodes: OnnxTypes.INodeProto[];
  readonly inputs: ValueInfo[];
  readonly outputs: ValueInfo[];
  readonly initializers: Initializer[];
  /** Params with data that are fed as inputs (paramsAsInputs). */
  readonly paramValues: Initializer[];
  readonly name: string;
}

/** Integers become INT attributes; wrap floats as { float }. */
type Attribute = number | string | readonly number[] | { readonly float: number };

class Emitter {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly initializers: Initializer[] = [];
  readonly paramValues: Initializer[] = [];
  private readonly names = new Map<number, string>();
  private readonly leafNames = new Map<string, number>();
  private counter = 0;

  constructor(private readonly options: EmitOptions) {}

  nameOf(t: Tensor): string {
    const name = this.names.get(t.id);
    if (name === undefined) throw new GraphError(`emit: ${t} used before it was emitted`);
    return name;
  }

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  add(opType: string, inputs: readonly string[], output: string, attributes: Record<string, Attribute> = {}, hint = '', domain = ''): void {
    this.nodes.push({
      opType,
      ...(domain ? { domain } : {}),
      input: [...inputs],
      output: [output],
      name: `${hint}${hint ? '/' : ''}${opType}_${this.counter++}`,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
  }

  int64s(values: readonly number[]): string {
    const name = this.fresh('i64');
    this.initializers.push({ name, shape: [values.length], dtype: 'int64', data: BigInt64Array.from(values, (v) => BigInt(v)) });
    return name;
  }

  /** Emits `t` and everything it depends on that is not emitted yet. */
  emit(t: Tensor): string {
    const done = new Set(this.names.keys());
    for (const current of topologicalOrder([t], done)) {
      if (this.names.has(current.id)) continue;
      this.names.set(current.id, this.emitOne(current));
    }
    return this.nameOf(t);
  }

  private emitOne(t: Tensor): string {
    if (t.op === 'input' || t.op === 'param') return this.emitLeaf(t);
    if (t.op === 'constant') {
      const name = this.fresh('const');
      this.initializers.push({ name, shape: t.shape, dtype: t.dtype, data: t.leaf.data as TypedArray });
      return name;
    }
    const lowering = t.dtype === 'float64' ? FLOAT64_LOWERINGS[t.op] : undefined;
    if (lowering) return this.emit(lowering(t));
    const fused = FUSED_EMITTERS[t.op];
    const noFloat64Kernel = t.dtype === 'float64' && NO_FLOAT64_FUSED.has(t.op);
    if (t.isComposite && (this.options.lowerComposites || !fused || noFloat64Kernel)) return this.emit(t.lower());
    const emitter = fused ?? PRIMITIVE_EMITTERS[t.op];
    if (!emitter) throw new GraphError(`emit: unknown op '${t.op}' at ${t}`);
    const output = this.fresh(t.op);
    emitter(this, t, t.inputs.map((x) => this.nameOf(x)), output);
    return output;
  }

  private emitLeaf(t: Tensor): string {
    const name = t.leaf.name as string;
    const previous = this.leafNames.get(name);
    if (previous !== undefined && previous !== t.id) throw new GraphError(`emit: two different tensors are named '${name}'`);
    this.leafNames.set(name, t.id);
    const info = { name, shape: t.shape, dtype: t.dtype };
    const data = t.leaf.data;
    if (t.op === 'param' && data && !this.options.paramsAsInputs) {
      this.initializers.push({ ...info, data });
    } else {
      this.inputs.push(info);
      if (data) this.paramValues.push({ ...info, data });
    }
    return name;
  }
}

function attribute(name: string, value: Attribute): OnnxTypes.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: types.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: types.INT, i: value };
  if ('float' in value) return { name, type: types.FLOAT, f: value.float };
  return { name, type: types.INTS, ints: [...value] };
}

type OpEmitter = (e: Emitter, t: Tensor, inputs: string[], output: string) => void;

const simple = (opType: string): OpEmitter => (e, t, inputs, output) => e.add(opType, inputs, output, {}, t.scope);

const INT64_MIN = -(2 ** 63);
/** onnxruntime's contrib-op domain (MultiHeadAttention). */
const MICROSOFT = 'com.microsoft';

const PRIMITIVE_EMITTERS: Partial<Record<string, OpEmitter>> = {
  neg: simple('Neg'),
  exp: simple('Exp'),
  log: simple('Log'),
  sqrt: simple('Sqrt'),
  reciprocal: simple('Reciprocal'),
  sigmoid: simple('Sigmoid'),
  tanh: simple('Tanh'),
  erf: simple('Erf'),
  sin: simple('Sin'),
  cos: simple('Cos'),
  add: simple('Add'),
  sub: simple('Sub'),
  mul: simple('Mul'),
  div: simple('Div'),
  pow: simple('Pow'),
  less: simple('Less'),
  greater: simple('Greater'),
  equal: simple('Equal'),
  where: simple('Where'),
  stop_gradient: simple('Identity'),
  matmul: simple('MatMul'),
  cast: (e, t, inputs, output) => e.add('Cast', inputs, output, { to: ONNX_DTYPE[t.dtype] }, t.scope),
  sum: (e, t, inputs, output) =>
    e.add('ReduceSum', [...inputs, e.int64s(t.attr('axes'))], output, { keepdims: t.attr<boolean>('keepdims') ? 1 : 0 }, t.scope),
  max: (e, t, inputs, output) =>
    e.add('ReduceMax', [...inputs, e.int64s(t.attr('axes'))], output, { keepdims: t.attr<boolean>('keepdims') ? 1 : 0 }, t.scope),
  reshape: (e, t, inputs, output) => e.add('Reshape', [...inputs, e.int64s(t.shape)], output, {}, t.scope),
  transpose: (e, t, inputs, output) => e.add('Transpose', inputs, output, { perm: t.attr('perm') }, t.scope),
  expand: (e, t, inputs, output) => e.add('Expand', [...inputs, e.int64s(t.shape)], output, {}, t.scope),
  slice: (e, t, inputs, output) =>
    e.add(
      'Slice',
      [...inputs, e.int64s(t.attr('starts')), e.int64s(t.attr('ends')), e.int64s(t.attr('axes')), e.int64s(t.attr('steps'))],
      output,
      {},
      t.scope,
    ),
  pad: (e, t, inputs, output) => e.add('Pad', [...inputs, e.int64s(t.attr('pads'))], output, {}, t.scope),
  concat: (e, t, inputs, output) => e.add('Concat', inputs, output, { axis: t.attr<number>('axis') }, t.scope),
  gather: (e, t, inputs, output) => e.add('Gather', inputs, output, { axis: t.attr<number>('axis') }, t.scope),
  flip: (e, t, inputs, output) => {
    const axes = t.attr<readonly number[]>('axes');
    const starts = e.int64s(axes.map(() => -1));
    const ends = e.int64s(axes.map(() => INT64_MIN));
    e.add('Slice', [...inputs, starts, ends, e.int64s(axes), e.int64s(axes.map(() => -1))], output, {}, t.scope);
  },
  conv2d: (e, t, inputs, output) => {
    const weight = t.inputs[1] as Tensor;
    e.add('Conv', inputs, output, {
      strides: t.attr('strides'),
      pads: t.attr('pads'),
      dilations: t.attr('dilations'),
      group: t.attr<number>('groups'),
      kernel_shape: weight.shape.slice(2),
    }, t.scope);
  },
  conv_transpose2d: (e, t, inputs, output) => {
    const weight = t.inputs[1] as Tensor;
    e.add('ConvTranspose', inputs, output, {
      strides: t.attr('strides'),
      pads: t.attr('pads'),
      dilations: t.attr('dilations'),
      group: t.attr<number>('groups'),
      output_padding: t.attr('outputPadding'),
      kernel_shape: weight.shape.slice(2),
    }, t.scope);
  },
};

const FUSED_EMITTERS: Partial<Record<string, OpEmitter>> = {
  softmax: (e, t, inputs, output) => e.add('Softmax', inputs, output, { axis: t.attr<number>('axis') }, t.scope),
  layer_norm: (e, t, inputs, output) =>
    e.add('LayerNormalization', inputs, output, { axis: -1, epsilon: { float: t.attr<number>('eps') } }, t.scope),
  multi_head_attention: (e, t, inputs, output) =>
    e.add('MultiHeadAttention', inputs, output, { num_heads: t.attr<number>('heads'), scale: { float: t.attr<number>('scale') } }, t.scope, MICROSOFT),
  resize_bilinear: (e, t, inputs, output) => {
    const sizes = e.int64s(t.shape);
    e.add('Resize', [inputs[0] as string, '', '', sizes], output, {
      mode: 'linear',
      coordinate_transformation_mode: 'pytorch_half_pixel',
    }, t.scope);
  },
};

/** Fused ops that onnxruntime's CPU EP runs in float32 but not float64. */
const NO_FLOAT64_FUSED = new Set(['resize_bilinear', 'multi_head_attention']);

export const EMITTED_OPS = new Set([...Object.keys(PRIMITIVE_EMITTERS), ...Object.keys(FUSED_EMITTERS)]);

/** Turns named outputs into an ONNX graph (data still by reference; see encodeModel / saveModel). */
export function emitGraph(outputs: Readonly<Record<string, Tensor>>, options: EmitOptions = {}): EmittedGraph {
  const emitter = new Emitter(options);
  const outputInfos: ValueInfo[] = [];
  for (const [name, t] of Object.entries(outputs)) {
    const source = emitter.emit(t);
    emitter.add('Identity', [source], name);
    outputInfos.push({ name, shape: t.shape, dtype: t.dtype });
  }
  const taken = new Set([...emitter.inputs, ...emitter.initializers].map((info) => info.name));
  const clash = outputInfos.find((info) => taken.has(info.name));
  if (clash) throw new GraphError(`emit: output name '${clash.name}' is already the name of a graph input or weight`);
  return {
    nodes: emitter.nodes,
    inputs: emitter.inputs,
    outputs: outputInfos,
    initializers: emitter.initializers,
    paramValues: emitter.paramValues,
    name: options.graphName ?? 'engine',
  };
}

function valueInfo(info: ValueInfo): OnnxTypes.IValueInfoProto {
  return {
    name: info.name,
    type: { tensorType: { elemType: ONNX_DTYPE[info.dtype], shape: { dim: info.shape.map((d) => ({ dimValue: d })) } } },
  };
}

export interface ExternalPlacement {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

/** Builds the ModelProto; initializers named in `external` reference an external data file instead of holding bytes. */
export function buildModel(graph: EmittedGraph, external?: ReadonlyMap<string, ExternalPlacement>): OnnxTypes.ModelProto {
  const initializer = graph.initializers.map((init): OnnxTypes.ITensorProto => {
    const base = { name: init.name, dims: [...init.shape], dataType: ONNX_DTYPE[init.dtype] };
    const placement = external?.get(init.name);
    if (!placement) return { ...base, rawData: bytesOf(init.data) };
    return {
      ...base,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: placement.location },
        { key: 'offset', value: String(placement.offset) },
        { key: 'length', value: String(placement.length) },
      ],
    };
  });
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'retouch-engine',
    opsetImport: [
      { domain: '', version: OPSET },
      ...(graph.nodes.some((n) => n.domain === MICROSOFT) ? [{ domain: MICROSOFT, version: 1 }] : []),
    ],
    graph: {
      name: graph.name,
      node: graph.nodes,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer,
    },
  });
}

/** Serialises a model with its weights inside (must stay below protobuf's 2 GB). */
export function encodeModel(graph: EmittedGraph): Uint8Array {
  const bytes = graph.initializers.reduce((n, init) => n + init.data.byteLength, 0);
  if (bytes > 1.9 * 2 ** 30) throw new GraphError(`encodeModel: ${bytes} bytes of weights exceed 2 GB; save with external data`);
  return onnx.ModelProto.encode(buildModel(graph)).finish();
}

export function encodeProto(model: OnnxTypes.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
