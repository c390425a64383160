import { fail, formatShape, node, type Tensor } from '../tensor.ts';
import { div } from './elementwise.ts';

/** Normalises axes (negative counts from the end); no axes means all. */
export function normalizeAxes(op: string, x: Tensor, axes?: number | readonly number[]): number[] {
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((axis) => {
    const a = axis < 0 ? axis + x.rank : axis;
    if (!Number.isInteger(a) || a < 0 || a >= x.rank) fail(op, `axis ${axis} out of range for shape ${formatShape(x.shape)}`);
    return a;
  });
  if (new Set(out).size !== out.length) fail(op, `repeated axis in ${formatShape(out)}`);
  return out.sort((a, b) => a - b);
}

export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  return shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]));
}

function reduction(op: 'sum' | 'max') {
  return (x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor => {
    const list = normalizeAxes(op, x, axes);
    return node(op, [x], { axes: list, keepdims }, reducedShape(x.shape, list, keepdims), x.dtype);
  };
}

export const sum = reduction('sum');
export const max = reduction('max');

export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const list = normalizeAxes('mean', x, axes);
  const count = list.reduce((n, a) => n * (x.shape[a] ?? 1), 1);
  return div(sum(x, list, keepdims), count);
}
