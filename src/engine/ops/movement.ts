import type { DType } from '../dtype.ts';
import { fail, formatShape, node, numel, scalar, type Tensor } from '../tensor.ts';
import { normalizeAxes } from './reduce.ts';

function axisOf(op: string, x: Tensor, axis: number, rank = x.rank): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) fail(op, `axis ${axis} out of range for shape ${formatShape(x.shape)}`);
  return a;
}

/** Reshape; one dimension may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const inferred = shape.length - known.length;
  if (inferred > 1) fail('reshape', `more than one -1 in ${formatShape(shape)}`);
  const knownSize = numel(known);
  const out = shape.map((d) => (d === -1 ? x.size / knownSize : d));
  if (numel(out) !== x.size || !out.every((d) => Number.isInteger(d) && d >= 0)) {
    fail('reshape', `cannot reshape ${formatShape(x.shape)} (${x.size} values) to ${formatShape(shape)}`);
  }
  if (out.length === x.rank && out.every((d, i) => d === x.shape[i])) return x;
  return node('reshape', [x], { shape: out }, out, x.dtype);
}

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.rank || !sorted.every((p, i) => p === i)) {
    fail('transpose', `perm ${formatShape(perm)} is not a permutation for shape ${formatShape(x.shape)}`);
  }
  if (perm.every((p, i) => p === i)) return x;
  return node('transpose', [x], { perm: [...perm] }, perm.map((p) => x.shape[p] as number), x.dtype);
}

/** Swaps two axes (negative axes count from the end). */
export function swapAxes(x: Tensor, a: number, b: number): Tensor {
  const perm = x.shape.map((_, i) => i);
  const i = axisOf('swapAxes', x, a);
  const j = axisOf('swapAxes', x, b);
  [perm[i], perm[j]] = [j, i];
  return transpose(x, perm);
}

/** Broadcasts x to `shape` (numpy rules, x's rank at most shape's). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const offset = shape.length - x.rank;
  const ok = offset >= 0 && x.shape.every((d, i) => d === 1 || d === shape[i + offset]);
  if (!ok) fail('expand', `cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  if (offset === 0 && x.shape.every((d, i) => d === shape[i])) return x;
  return node('expand', [x], { shape: [...shape] }, shape, x.dtype);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = axisOf('unsqueeze', x, axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

export function squeeze(x: Tensor, axis: number): Tensor {
  const a = axisOf('squeeze', x, axis);
  if (x.shape[a] !== 1) fail('squeeze', `axis ${axis} of ${formatShape(x.shape)} is not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

export interface SliceRange {
  axis: number;
  start?: number;
  end?: number;
  step?: number;
}

/** Basic slicing with positive steps; negative start/end count from the end and are clamped. */
export function slice(x: Tensor, ranges: readonly SliceRange[]): Tensor {
  const axes: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const steps: number[] = [];
  const shape = [...x.shape];
  for (const range of ranges) {
    const axis = axisOf('slice', x, range.axis);
    const dim = x.shape[axis] as number;
    const step = range.step ?? 1;
    if (!Number.isInteger(step) || step < 1) fail('slice', `step ${step} must be a positive integer (use flip to reverse)`);
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
    const start = clamp(range.start ?? 0);
    const end = Math.max(clamp(range.end ?? dim), start);
    if (axes.includes(axis)) fail('slice', `axis ${range.axis} given twice`);
    axes.push(axis);
    starts.push(start);
    ends.push(end);
    steps.push(step);
    shape[axis] = Math.ceil((end - start) / step);
  }
  if (shape.every((d, i) => d === x.shape[i])) return x;
  return node('slice', [x], { axes, starts, ends, steps }, shape, x.dtype);
}

/** Zero padding; `pads` holds [before, after] for each axis from the first. Negative values crop. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[]): Tensor {
  if (pads.length > x.rank) fail('pad', `${pads.length} pad pairs for shape ${formatShape(x.shape)}`);
  const full = x.shape.map((_, i) => pads[i] ?? ([0, 0] as const));
  const cropped = slice(
    x,
    full.flatMap(([before, after], axis) =>
      before < 0 || after < 0 ? [{ axis, start: Math.max(-before, 0), end: (x.shape[axis] as number) - Math.max(-after, 0) }] : [],
    ),
  );
  const positive = full.map(([before, after]) => [Math.max(before, 0), Math.max(after, 0)] as const);
  if (positive.every(([b, a]) => b === 0 && a === 0)) return cropped;
  const shape = cropped.shape.map((d, i) => d + (positive[i]?.[0] ?? 0) + (positive[i]?.[1] ?? 0));
  const flat = [...positive.map(([b]) => b), ...positive.map(([, a]) => a)];
  return node('pad', [cropped], { pads: flat }, shape, x.dtype);
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const first = xs[0];
  if (!first) fail('concat', 'needs at least one tensor');
  if (xs.length === 1) return first;
  const a = axisOf('concat', first, axis);
  let total = 0;
  for (const x of xs) {
    if (x.dtype !== first.dtype) fail('concat', `dtypes differ: ${first.dtype} and ${x.dtype}`);
    const ok = x.rank === first.rank && x.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!ok) fail('concat', `shapes ${formatShape(first.shape)} and ${formatShape(x.shape)} differ off axis ${a}`);
    total += x.shape[a] as number;
  }
  const shape = first.shape.map((d, i) => (i === a ? total : d));
  return node('concat', xs, { axis: a }, shape, first.dtype);
}

/** Takes entries of x along `axis` at integer `indices` (non-negative); output: x.shape with axis replaced by indices.shape. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') fail('gather', `indices must be int64 or int32, got ${indices.dtype}`);
  const a = axisOf('gather', x, axis);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return node('gather', [x, indices], { axis: a }, shape, x.dtype);
}

export function flip(x: Tensor, axes: readonly number[]): Tensor {
  const list = normalizeAxes('flip', x, axes);
  if (list.length === 0) return x;
  return node('flip', [x], { axes: list }, x.shape, x.dtype);
}

export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return expand(scalar(value, dtype), shape);
}

export const zeros = (shape: readonly number[], dtype: DType = 'float32'): Tensor => full(shape, 0, dtype);
export const zerosLike = (x: Tensor): Tensor => full(x.shape, 0, x.dtype);
export const onesLike = (x: Tensor): Tensor => full(x.shape, 1, x.dtype);

/** Splits x along `axis` into pieces of the given sizes. */
export function split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const a = axisOf('split', x, axis);
  if (sizes.reduce((s, d) => s + d, 0) !== x.shape[a]) fail('split', `sizes ${formatShape(sizes)} do not add up to axis ${a} of ${formatShape(x.shape)}`);
  let start = 0;
  return sizes.map((size) => {
    const piece = slice(x, [{ axis: a, start, end: start + size }]);
    start += size;
    return piece;
  });
}
