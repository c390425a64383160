import { isFloat } from '../dtype.ts';
import { fail, formatShape, topologicalOrder, type Tensor } from '../tensor.ts';
import { pad, reshape, unsqueeze } from '../ops/movement.ts';
import { sum } from '../ops/reduce.ts';

/** Sums a broadcast gradient back down to `shape` (the inverse of numpy broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.rank === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes = g.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
  return reshape(axes.length > 0 ? sum(g, axes, true) : g, shape);
}

/** Puts step-1 zeros after each entry along axis, trailing ones included: length n becomes n * step. */
export function spreadOut(x: Tensor, axis: number, step: number): Tensor {
  const pads = [...x.shape, 1].map((): [number, number] => [0, 0]);
  pads[axis + 1] = [0, step - 1];
  return reshape(pad(unsqueeze(x, axis + 1), pads), x.shape.map((d, i) => (i === axis ? d * step : d)));
}

/** Ids of tensors in `order` that depend on any of `sources`. */
export function dependents(order: readonly Tensor[], sources: ReadonlySet<number>): Set<number> {
  const depends = new Set<number>();
  for (const t of order) {
    if (sources.has(t.id) || t.inputs.some((x) => depends.has(x.id))) depends.add(t.id);
  }
  return depends;
}

export function checkDifferentiable(op: string, tensors: readonly Tensor[]): void {
  for (const t of tensors) {
    if (!isFloat(t.dtype)) fail(op, `cannot differentiate with respect to ${t} (${t.dtype} is not a float type)`);
  }
}

export function placeOf(t: Tensor): string {
  return `${t.op}${t.scope ? ` (in ${t.scope})` : ''} ${formatShape(t.shape)}`;
}

export { topologicalOrder };
