import { fail, formatShape, node, constant, type Tensor } from '../tensor.ts';
import { add, div, erf, exp, log, mul, sigmoid, sqrt, sub, tanh, pow } from './elementwise.ts';
import { matmul } from './linalg.ts';
import { expand, full, reshape, swapAxes, transpose } from './movement.ts';
import { max, mean, normalizeAxes, sum } from './reduce.ts';

export function softmax(x: Tensor, axis = -1): Tensor {
  const [a] = normalizeAxes('softmax', x, axis);
  return node('softmax', [x], { axis: a as number }, x.shape, x.dtype, () => {
    const shifted = sub(x, max(x, a, true));
    const e = exp(shifted);
    return div(e, sum(e, a, true));
  });
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const shifted = sub(x, max(x, axis, true));
  return sub(shifted, log(sum(exp(shifted), axis, true)));
}

export function variance(x: Tensor, axes: number | readonly number[], keepdims = false): Tensor {
  const centred = sub(x, mean(x, axes, true));
  return mean(mul(centred, centred), axes, keepdims);
}

/** Layer norm over the last axis, with optional affine weight and bias of that size. */
export function layerNorm(x: Tensor, weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  const features = x.shape[x.rank - 1] as number;
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== features)) {
      fail('layer_norm', `${name} ${formatShape(t.shape)} does not match input ${formatShape(x.shape)}`);
    }
    if (t && t.dtype !== x.dtype) fail('layer_norm', `${name} dtype ${t.dtype} differs from input ${x.dtype}`);
  }
  const scale = weight ?? full([features], 1, x.dtype);
  const shift = bias ?? full([features], 0, x.dtype);
  return node('layer_norm', [x, scale, shift], { eps }, x.shape, x.dtype, () => {
    const centred = sub(x, mean(x, -1, true));
    const normed = div(centred, sqrt(add(mean(mul(centred, centred), -1, true), eps)));
    return add(mul(normed, scale), shift);
  });
}

/** Group norm of NC... input over groups of channels, with per-channel weight and bias. */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  const [n, c] = x.shape as [number, number];
  if (x.rank < 2 || c % groups !== 0) fail('group_norm', `${c} channels of ${formatShape(x.shape)} not divisible into ${groups} groups`);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== c)) fail('group_norm', `${name} ${formatShape(t.shape)} does not match ${c} channels`);
  }
  const grouped = reshape(x, [n, groups, -1]);
  const centred = sub(grouped, mean(grouped, -1, true));
  const normed = reshape(div(centred, sqrt(add(mean(mul(centred, centred), -1, true), eps))), x.shape);
  const channelShape = [c, ...x.shape.slice(2).map(() => 1)];
  let y = normed;
  if (weight) y = mul(y, reshape(weight, channelShape));
  if (bias) y = add(y, reshape(bias, channelShape));
  return y;
}

export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}

export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate === 'tanh') {
    const inner = mul(add(x, mul(pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

export function quickGelu(x: Tensor): Tensor {
  return mul(x, sigmoid(mul(x, 1.702)));
}

export interface AttentionOptions {
  /** Added to the attention logits (broadcast to [..., Lq, Lk]). */
  mask?: Tensor;
  scale?: number;
}

/** softmax(q k^T * scale + mask) v for q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const d = q.shape[q.rank - 1] as number;
  if (k.shape[k.rank - 1] !== d) fail('attention', `query ${formatShape(q.shape)} and key ${formatShape(k.shape)} differ in head size`);
  if (k.shape[k.rank - 2] !== v.shape[v.rank - 2]) fail('attention', `key ${formatShape(k.shape)} and value ${formatShape(v.shape)} differ in length`);
  let logits = matmul(mul(q, options.scale ?? 1 / Math.sqrt(d)), swapAxes(k, -1, -2));
  if (options.mask) logits = add(logits, options.mask);
  return matmul(softmax(logits, -1), v);
}

/**
 * Attention over heads packed in the last axis: q [batch, Lq, heads * d], k [batch, Lk, heads * d],
 * v [batch, Lk, heads * dv] -> [batch, Lq, heads * dv]. Emitted as onnxruntime's fused
 * MultiHeadAttention (less memory and faster for long sequences), differentiated through
 * split heads + scaledDotProductAttention + merge heads.
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, heads: number, scale?: number): Tensor {
  const [b, lq, width] = q.shape as [number, number, number];
  const [bk, lk, widthK] = k.shape as [number, number, number];
  const [bv, lv, widthV] = v.shape as [number, number, number];
  const describe = `query ${formatShape(q.shape)}, key ${formatShape(k.shape)}, value ${formatShape(v.shape)}`;
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) fail('multi_head_attention', `needs [batch, length, width] operands, got ${describe}`);
  if (b !== bk || b !== bv || lk !== lv || width !== widthK || width % heads !== 0 || widthV % heads !== 0) {
    fail('multi_head_attention', `${describe} do not fit ${heads} heads`);
  }
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) fail('multi_head_attention', `dtypes differ: ${q.dtype}, ${k.dtype}, ${v.dtype}`);
  const attrs = { heads, scale: scale ?? 1 / Math.sqrt(width / heads) };
  return node('multi_head_attention', [q, k, v], attrs, [b, lq, widthV], q.dtype, () =>
    mergeHeads(scaledDotProductAttention(splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads), { scale: attrs.scale })),
  );
}

/** [batch, length, heads * d] -> [batch, heads, length, d] */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, l, width] = x.shape as [number, number, number];
  if (x.rank !== 3 || width % heads !== 0) fail('split_heads', `${formatShape(x.shape)} does not split into ${heads} heads`);
  return transpose(reshape(x, [b, l, heads, width / heads]), [0, 2, 1, 3]);
}

/** [batch, heads, length, d] -> [batch, length, heads * d] */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, l, d] = x.shape as [number, number, number, number];
  return reshape(transpose(x, [0, 2, 1, 3]), [b, l, h * d]);
}

/** Nearest-neighbour upsampling of NCHW by an integer factor. */
export function upsampleNearest2d(x: Tensor, factor = 2): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.rank !== 4) fail('upsample_nearest', `needs NCHW input, got ${formatShape(x.shape)}`);
  const spread = expand(reshape(x, [n, c, h, 1, w, 1]), [n, c, h, factor, w, factor]);
  return reshape(spread, [n, c, h * factor, w * factor]);
}

/** Row-stochastic [out, in] matrix of 1-D linear interpolation with half-pixel centres (PyTorch align_corners=False). */
function interpolationMatrix(inSize: number, outSize: number, dtype: Tensor['dtype']): Tensor {
  const values = new Array<number>(outSize * inSize).fill(0);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const source = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    const low = Math.floor(source);
    const high = Math.min(low + 1, inSize - 1);
    const frac = source - low;
    values[i * inSize + low] = (values[i * inSize + low] ?? 0) + 1 - frac;
    values[i * inSize + high] = (values[i * inSize + high] ?? 0) + frac;
  }
  return constant(values, [outSize, inSize], dtype === 'float64' ? 'float64' : 'float32');
}

/** Bilinear resize of NCHW to [height, width]; fused as ONNX Resize, differentiated as two interpolation matmuls. */
export function resizeBilinear(x: Tensor, height: number, width: number): Tensor {
  if (x.rank !== 4) fail('resize_bilinear', `needs NCHW input, got ${formatShape(x.shape)}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') fail('resize_bilinear', `needs float32 or float64, got ${x.dtype}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return node('resize_bilinear', [x], { height, width }, [n, c, height, width], x.dtype, () => {
    const rows = interpolationMatrix(h, height, x.dtype);
    const cols = interpolationMatrix(w, width, x.dtype);
    return matmul(matmul(rows, x), swapAxes(cols, 0, 1));
  });
}

export function upsampleBilinear2d(x: Tensor, factor = 2): Tensor {
  return resizeBilinear(x, (x.shape[2] as number) * factor, (x.shape[3] as number) * factor);
}
