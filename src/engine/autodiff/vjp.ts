import { isFloat } from '../dtype.ts';
import { constant as constantOf, GraphError, type PrimitiveOp, type Tensor } from '../tensor.ts';
import { add, cast, cos, div, equal, exp, log, mul, neg, pow, sin, stopGradient, sub, where } from '../ops/elementwise.ts';
import { conv2d, convOptions, matmul, readConvAttrs } from '../ops/linalg.ts';
import { convInputGradient, convWeightGradient } from './conv.ts';
import { expand, flip, full, pad, reshape, slice, swapAxes, transpose } from '../ops/movement.ts';
import { reducedShape, sum } from '../ops/reduce.ts';
import { checkDifferentiable, dependents, placeOf, spreadOut, sumTo, topologicalOrder } from './shared.ts';

/**
 * One entry per input: how to build its gradient from the output's cotangent g, or null where no
 * gradient flows by construction (a where's condition, gather's indices).
 */
type Gradients = ReadonlyArray<(() => Tensor) | null>;
type VjpRule = (y: Tensor, g: Tensor) => Gradients;

const x0 = (y: Tensor): Tensor => y.inputs[0] as Tensor;
const x1 = (y: Tensor): Tensor => y.inputs[1] as Tensor;
const x2 = (y: Tensor): Tensor => y.inputs[2] as Tensor;
const ints = (y: Tensor, name: string): readonly number[] => y.attr<readonly number[]>(name);

/** A builder that fails: reached only when a requested gradient must pass through this input. */
const cannot = (y: Tensor, i: number) => (): Tensor => {
  throw new GraphError(`cannot differentiate ${placeOf(y)} with respect to its input ${i} ${y.inputs[i]}: the op is not differentiable`);
};
const notDifferentiable: VjpRule = (y) => y.inputs.map((_, i) => cannot(y, i));

export const VJP_RULES: Record<Exclude<PrimitiveOp, 'input' | 'param' | 'constant'>, VjpRule> = {
  neg: (_, g) => [() => neg(g)],
  exp: (y, g) => [() => mul(g, y)],
  log: (y, g) => [() => div(g, x0(y))],
  sqrt: (y, g) => [() => div(g, mul(y, 2))],
  reciprocal: (y, g) => [() => neg(mul(g, mul(y, y)))],
  sigmoid: (y, g) => [() => mul(g, mul(y, sub(1, y)))],
  tanh: (y, g) => [() => mul(g, sub(1, mul(y, y)))],
  erf: (y, g) => [() => mul(g, mul(exp(neg(mul(x0(y), x0(y)))), 2 / Math.sqrt(Math.PI)))],
  sin: (y, g) => [() => mul(g, cos(x0(y)))],
  cos: (y, g) => [() => neg(mul(g, sin(x0(y))))],
  add: (y, g) => [() => sumTo(g, x0(y).shape), () => sumTo(g, x1(y).shape)],
  sub: (y, g) => [() => sumTo(g, x0(y).shape), () => sumTo(neg(g), x1(y).shape)],
  mul: (y, g) => [() => sumTo(mul(g, x1(y)), x0(y).shape), () => sumTo(mul(g, x0(y)), x1(y).shape)],
  div: (y, g) => [() => sumTo(div(g, x1(y)), x0(y).shape), () => sumTo(neg(div(mul(g, y), x1(y))), x1(y).shape)],
  pow: (y, g) => [
    () => sumTo(mul(g, mul(x1(y), pow(x0(y), sub(x1(y), 1)))), x0(y).shape),
    () => sumTo(mul(g, mul(y, log(x0(y)))), x1(y).shape),
  ],
  less: notDifferentiable,
  greater: notDifferentiable,
  equal: notDifferentiable,
  where: (y, g) => [null, () => sumTo(where(x0(y), g, 0), x1(y).shape), () => sumTo(where(x0(y), 0, g), x2(y).shape)],
  cast: (y, g) => [isFloat(x0(y).dtype) ? () => cast(g, x0(y).dtype) : cannot(y, 0)],
  stop_gradient: () => [null],
  sum: (y, g) => [() => expand(reshape(g, reducedShape(x0(y).shape, ints(y, 'axes'), true)), x0(y).shape)],
  max: (y, g) => [
    () => {
      const x = x0(y);
      const axes = ints(y, 'axes');
      const keep = reducedShape(x.shape, axes, true);
      // Ties share the gradient equally.
      const mask = stopGradient(cast(equal(x, expand(reshape(y, keep), x.shape)), x.dtype));
      return mul(expand(reshape(g, keep), x.shape), div(mask, sum(mask, axes, true)));
    },
  ],
  reshape: (y, g) => [() => reshape(g, x0(y).shape)],
  transpose: (y, g) => {
    const perm = ints(y, 'perm');
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [() => transpose(g, inverse)];
  },
  expand: (y, g) => [() => sumTo(g, x0(y).shape)],
  slice: (y, g) => [() => unslice(g, x0(y).shape, y)],
  pad: (y, g) => {
    const pads = ints(y, 'pads');
    return [() => slice(g, x0(y).shape.map((d, axis) => ({ axis, start: pads[axis] as number, end: (pads[axis] as number) + d })))];
  },
  concat: (y, g) => {
    const axis = y.attr<number>('axis');
    let start = 0;
    return y.inputs.map((x) => {
      const begin = start;
      start += x.shape[axis] as number;
      return () => slice(g, [{ axis, start: begin, end: begin + (x.shape[axis] as number) }]);
    });
  },
  gather: (y, g) => [() => gatherGradient(y, g), null],
  flip: (y, g) => [() => flip(g, ints(y, 'axes'))],
  matmul: (y, g) => [
    () => sumTo(matmul(g, swapAxes(x1(y), -1, -2)), x0(y).shape),
    () => sumTo(matmul(swapAxes(x0(y), -1, -2), g), x1(y).shape),
  ],
  conv2d: (y, g) => [
    () => convInputGradient(g, x1(y), x0(y).shape.slice(2) as [number, number], readConvAttrs(y)),
    () => convWeightGradient(x0(y), g, x1(y).shape, readConvAttrs(y)),
  ],
  // <conv_transpose2d(u, w), g> = <u, conv2d(g, w)>: its derivatives are conv2d's, roles swapped.
  conv_transpose2d: (y, g) => [
    () => conv2d(g, x1(y), convOptions(readConvAttrs(y))),
    () => convWeightGradient(g, x0(y), x1(y).shape, readConvAttrs(y)),
  ],
};

/** Places g back where the slice took it from, zero elsewhere (zero insertion for steps > 1). */
function unslice(g: Tensor, inputShape: readonly number[], y: Tensor): Tensor {
  const axes = ints(y, 'axes');
  const starts = ints(y, 'starts');
  const steps = ints(y, 'steps');
  let out = g;
  axes.forEach((axis, i) => {
    const start = starts[i] as number;
    const step = steps[i] as number;
    const dim = inputShape[axis] as number;
    if (step > 1) out = spreadOut(out, axis, step);
    const covered = out.shape[axis] as number;
    const pads = out.shape.map((): [number, number] => [0, 0]);
    pads[axis] = [start, dim - start - covered];
    out = pad(out, pads);
  });
  return out;
}

function gatherGradient(y: Tensor, g: Tensor): Tensor {
  const [data, indices] = [x0(y), x1(y)];
  const axis = y.attr<number>('axis');
  const length = data.shape[axis] as number;
  const before = data.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const after = data.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const flatIndices = reshape(indices, [-1, 1]);
  const positions = constantOf(Array.from({ length }, (_, i) => i), [1, length], indices.dtype);
  const oneHot = cast(equal(flatIndices, positions), data.dtype); // [count, length]
  const grouped = reshape(g, [before, indices.size, after]);
  return reshape(matmul(swapAxes(oneHot, 0, 1), grouped), data.shape);
}

/**
 * Reverse mode: the gradients of sum(outputs[i] * cotangents[i]) with respect to each of `wrt`.
 * Composite ops are differentiated through their lowering to primitives.
 */
export function vjp(outputs: readonly Tensor[], cotangents: readonly Tensor[], wrt: readonly Tensor[], boundary?: ReadonlySet<number>): Tensor[] {
  checkDifferentiable('vjp', wrt);
  outputs.forEach((out, i) => {
    const ct = cotangents[i];
    if (!ct) throw new GraphError(`vjp: no cotangent for output ${i} ${placeOf(out)}`);
    if (!isFloat(out.dtype)) throw new GraphError(`vjp: output ${placeOf(out)} is ${out.dtype}, not differentiable`);
    if (ct.dtype !== out.dtype || ct.shape.join() !== out.shape.join()) {
      throw new GraphError(`vjp: cotangent ${ct} does not match output ${placeOf(out)}`);
    }
  });
  const wrtIds = new Set(wrt.map((t) => t.id));
  const order = topologicalOrder(outputs, boundary);
  const requires = dependents(order, wrtIds);
  const grads = new Map<number, Tensor>();
  const accumulate = (t: Tensor, g: Tensor) => {
    const previous = grads.get(t.id);
    grads.set(t.id, previous ? add(previous, g) : g);
  };
  outputs.forEach((out, i) => {
    if (requires.has(out.id)) accumulate(out, cotangents[i] as Tensor);
  });
  for (let k = order.length - 1; k >= 0; k--) {
    const y = order[k] as Tensor;
    const g = grads.get(y.id);
    if (!g || boundary?.has(y.id)) continue;
    const needed = y.inputs.map((x) => requires.has(x.id));
    if (!needed.some(Boolean)) continue;
    if (y.isComposite) {
      const targets = y.inputs.filter((_, i) => needed[i]);
      const inner = vjp([y.lower()], [g], targets, new Set(y.inputs.map((x) => x.id)));
      targets.forEach((x, i) => accumulate(x, inner[i] as Tensor));
      continue;
    }
    const rule = VJP_RULES[y.op as keyof typeof VJP_RULES];
    if (!rule) throw new GraphError(`vjp: no rule for op '${y.op}' at ${placeOf(y)}`);
    const builders = rule(y, g);
    y.inputs.forEach((x, i) => {
      if (!needed[i]) return;
      const build = builders[i];
      if (build) accumulate(x, build());
    });
  }
  return wrt.map((t) => grads.get(t.id) ?? full(t.shape, 0, t.dtype));
}

/** Gradient of a scalar loss with respect to each of `wrt`. */
export function grad(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  if (loss.size !== 1) throw new GraphError(`grad: loss ${placeOf(loss)} must have one element (use vjp for others)`);
  return vjp([loss], [full(loss.shape, 1, loss.dtype)], wrt);
}
