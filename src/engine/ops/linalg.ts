import { isFloat } from '../dtype.ts';
import { fail, formatShape, node, type Tensor } from '../tensor.ts';
import { add, broadcastShapes } from './elementwise.ts';
import { reshape, swapAxes } from './movement.ts';

/** Batched matrix product of operands of rank >= 2; batch dimensions broadcast. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const describe = `${formatShape(a.shape)} and ${formatShape(b.shape)}`;
  if (a.dtype !== b.dtype) fail('matmul', `dtypes differ: ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)}`);
  if (!isFloat(a.dtype)) fail('matmul', `needs float tensors, got ${a.dtype}`);
  if (a.rank < 2 || b.rank < 2) fail('matmul', `operands must have rank >= 2, got ${describe}`);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [k2, n] = b.shape.slice(-2) as [number, number];
  if (k !== k2) fail('matmul', `inner dimensions differ: ${describe} (${k} vs ${k2})`);
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return node('matmul', [a, b], {}, [...batch, m, n], a.dtype);
}

/** x @ weight^T + bias with weight [out, in] (the PyTorch layout). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  if (weight.rank !== 2) fail('linear', `weight must be [out, in], got ${formatShape(weight.shape)}`);
  const flat = x.rank === 2 ? x : reshape(x, [-1, x.shape[x.rank - 1] as number]);
  if (flat.shape[1] !== weight.shape[1]) {
    fail('linear', `input ${formatShape(x.shape)} does not match weight ${formatShape(weight.shape)} (${flat.shape[1]} vs ${weight.shape[1]} features)`);
  }
  let y = matmul(flat, swapAxes(weight, 0, 1));
  if (bias) y = add(y, bias);
  return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), weight.shape[0] as number]);
}

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  /** Symmetric padding per spatial axis, or [top, left, bottom, right] as in ONNX. */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

const pair = (v: number | readonly number[]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0] as number, v[1] as number];

export function convOutputSize(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  return Math.floor((size + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Normalised convolution geometry, as stored in conv2d and conv_transpose2d attributes. */
export interface ConvAttrs {
  readonly strides: readonly [number, number];
  /** [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
  readonly groups: number;
}

export function convAttrs(options: Conv2dOptions): ConvAttrs {
  const p = options.padding ?? 0;
  const pads = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0], p[1], p[0], p[1]] : [...p];
  return {
    strides: pair(options.stride ?? 1),
    pads: pads as unknown as [number, number, number, number],
    dilations: pair(options.dilation ?? 1),
    groups: options.groups ?? 1,
  };
}

export function convOptions({ strides, pads, dilations, groups }: ConvAttrs): Conv2dOptions {
  return { stride: strides, padding: pads, dilation: dilations, groups };
}

export function readConvAttrs(t: Tensor): ConvAttrs {
  return {
    strides: t.attr<readonly number[]>('strides') as [number, number],
    pads: t.attr<readonly number[]>('pads') as [number, number, number, number],
    dilations: t.attr<readonly number[]>('dilations') as [number, number],
    groups: t.attr<number>('groups'),
  };
}

function checkConvOperands(op: string, x: Tensor, weight: Tensor): string {
  const describe = `input ${formatShape(x.shape)} and weight ${formatShape(weight.shape)}`;
  if (x.dtype !== weight.dtype) fail(op, `dtypes differ: input ${x.dtype}, weight ${weight.dtype}`);
  if (!isFloat(x.dtype)) fail(op, `needs float tensors, got ${x.dtype}`);
  if (x.rank !== 4 || weight.rank !== 4) fail(op, `needs NCHW input and a 4-D weight, got ${describe}`);
  return describe;
}

/** 2-D cross-correlation, NCHW input and [out, in/groups, kh, kw] weight, no bias. */
export function conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  const describe = checkConvOperands('conv2d', x, weight);
  const { strides, pads, dilations, groups } = convAttrs(options);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  if (c !== cg * groups) fail('conv2d', `${describe}: ${c} input channels but weight expects ${cg} x ${groups} groups`);
  if (o % groups !== 0) fail('conv2d', `${describe}: ${o} output channels not divisible by ${groups} groups`);
  const oh = convOutputSize(h, kh, strides[0], pads[0] as number, pads[2] as number, dilations[0]);
  const ow = convOutputSize(w, kw, strides[1], pads[1] as number, pads[3] as number, dilations[1]);
  if (oh < 1 || ow < 1) fail('conv2d', `${describe}: kernel larger than padded input`);
  return node('conv2d', [x, weight], { strides, pads, dilations, groups }, [n, o, oh, ow], x.dtype);
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns at the bottom/right, each less than the stride. */
  outputPadding?: number | readonly [number, number];
}

/**
 * The adjoint of conv2d with the same geometry (ONNX ConvTranspose): NCHW input and
 * [in, out/groups, kh, kw] weight, no bias.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, options: ConvTranspose2dOptions = {}): Tensor {
  const describe = checkConvOperands('conv_transpose2d', x, weight);
  const { strides, pads, dilations, groups } = convAttrs(options);
  const outputPadding = pair(options.outputPadding ?? 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [cin, og, kh, kw] = weight.shape as [number, number, number, number];
  if (c !== cin) fail('conv_transpose2d', `${describe}: ${c} input channels but weight has ${cin}`);
  if (c % groups !== 0) fail('conv_transpose2d', `${describe}: ${c} input channels not divisible by ${groups} groups`);
  if (outputPadding.some((p, i) => p < 0 || (p >= (strides[i] as number) && p >= (dilations[i] as number)))) {
    fail('conv_transpose2d', `output padding ${formatShape(outputPadding)} must be below the stride ${formatShape(strides)}`);
  }
  const size = (length: number, axis: 0 | 1, kernel: number) =>
    (length - 1) * strides[axis] - (pads[axis] as number) - (pads[axis + 2] as number) + dilations[axis] * (kernel - 1) + 1 + outputPadding[axis];
  const [oh, ow] = [size(h, 0, kh), size(w, 1, kw)];
  if (oh < 1 || ow < 1) fail('conv_transpose2d', `${describe}: padding leaves no output`);
  return node('conv_transpose2d', [x, weight], { strides, pads, dilations, groups, outputPadding }, [n, og * groups, oh, ow], x.dtype);
}

/** conv2d plus a per-channel bias. */
export function conv2dBias(x: Tensor, weight: Tensor, bias: Tensor, options: Conv2dOptions = {}): Tensor {
  const y = conv2d(x, weight, options);
  return add(y, reshape(bias, [1, -1, 1, 1]));
}
