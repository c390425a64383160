import { isFloat } from '../dtype.ts';
import { GraphError, node, type PrimitiveOp, type Tensor } from '../tensor.ts';
import { add, cast, cos, div, equal, exp, log, mul, neg, pow, sin, stopGradient, sub, where } from '../ops/elementwise.ts';
import { concat, expand, full, reshape } from '../ops/movement.ts';
import { reducedShape, sum } from '../ops/reduce.ts';
import { checkDifferentiable, dependents, placeOf, topologicalOrder } from './shared.ts';

/** Marks a tangent that cannot exist; using it is an error. */
class NonDifferentiable {
  constructor(readonly message: string) {}
}

/** Tangent of input i, or null where it is identically zero. */
type TangentOf = (i: number) => Tensor | null;
/** Builds the output's tangent from its inputs' tangents (at least one is non-null). */
type JvpRule = (y: Tensor, t: TangentOf) => Tensor | null;

const x0 = (y: Tensor): Tensor => y.inputs[0] as Tensor;
const x1 = (y: Tensor): Tensor => y.inputs[1] as Tensor;

function plus(a: Tensor | null, b: Tensor | null): Tensor | null {
  return a && b ? add(a, b) : (a ?? b);
}

const unary = (derivative: (y: Tensor) => Tensor): JvpRule => (y, t) => mul(t(0) as Tensor, derivative(y));
/** matmul and the convolutions: linear in each operand, so the tangent is the op on each tangent. */
const bilinear: JvpRule = (y, t) =>
  plus(
    t(0) && node(y.op, [t(0) as Tensor, x1(y)], y.attrs, y.shape, y.dtype),
    t(1) && node(y.op, [x0(y), t(1) as Tensor], y.attrs, y.shape, y.dtype),
  );

/** Ops linear in their one input: the tangent goes through the same op. */
const sameOp: JvpRule = (y, t) => node(y.op, [t(0) as Tensor, ...y.inputs.slice(1)], y.attrs, y.shape, y.dtype);
const noTangent: JvpRule = () => null;

export const JVP_RULES: Record<Exclude<PrimitiveOp, 'input' | 'param' | 'constant'>, JvpRule> = {
  neg: (_, t) => neg(t(0) as Tensor),
  exp: unary((y) => y),
  log: unary((y) => div(1, x0(y))),
  sqrt: unary((y) => div(0.5, y)),
  reciprocal: unary((y) => neg(mul(y, y))),
  sigmoid: unary((y) => mul(y, sub(1, y))),
  tanh: unary((y) => sub(1, mul(y, y))),
  erf: unary((y) => mul(exp(neg(mul(x0(y), x0(y)))), 2 / Math.sqrt(Math.PI))),
  sin: unary((y) => cos(x0(y))),
  cos: unary((y) => neg(sin(x0(y)))),
  add: (_, t) => plus(t(0), t(1)),
  sub: (_, t) => plus(t(0), t(1) && neg(t(1) as Tensor)),
  mul: (y, t) => plus(t(0) && mul(t(0) as Tensor, x1(y)), t(1) && mul(x0(y), t(1) as Tensor)),
  div: (y, t) => plus(t(0) && div(t(0) as Tensor, x1(y)), t(1) && neg(div(mul(t(1) as Tensor, y), x1(y)))),
  pow: (y, t) =>
    plus(
      t(0) && mul(t(0) as Tensor, mul(x1(y), pow(x0(y), sub(x1(y), 1)))),
      t(1) && mul(t(1) as Tensor, mul(y, log(x0(y)))),
    ),
  // Comparisons are locally constant: their boolean outputs carry no tangent.
  less: noTangent,
  greater: noTangent,
  equal: noTangent,
  where: (y, t) => where(x0(y), t(1) ?? 0, t(2) ?? 0),
  cast: (y, t) => {
    if (!isFloat(x0(y).dtype)) throw new GraphError(`cannot differentiate ${placeOf(y)}: its input is ${x0(y).dtype}`);
    return cast(t(0) as Tensor, y.dtype);
  },
  stop_gradient: noTangent,
  sum: sameOp,
  max: (y, t) => {
    const x = x0(y);
    const axes = y.attr<readonly number[]>('axes');
    const keep = reducedShape(x.shape, axes, true);
    const mask = stopGradient(cast(equal(x, expand(reshape(y, keep), x.shape)), x.dtype));
    return sum(mul(t(0) as Tensor, div(mask, sum(mask, axes, true))), axes, y.attr<boolean>('keepdims'));
  },
  reshape: sameOp,
  transpose: sameOp,
  expand: sameOp,
  slice: sameOp,
  pad: sameOp,
  flip: sameOp,
  concat: (y, t) => concat(y.inputs.map((x, i) => t(i) ?? full(x.shape, 0, x.dtype)), y.attr<number>('axis')),
  gather: (y, t) => {
    if (t(1)) throw new GraphError(`cannot differentiate ${placeOf(y)} with respect to its indices`);
    return sameOp(y, t);
  },
  matmul: (y, t) => bilinear(y, t),
  conv2d: (y, t) => bilinear(y, t),
  conv_transpose2d: (y, t) => bilinear(y, t),
};

/**
 * Forward mode: the directional derivatives of `outputs` when `primals` move along `tangents`.
 * Composite ops are differentiated through their lowering to primitives.
 */
export function jvp(outputs: readonly Tensor[], primals: readonly Tensor[], tangents: readonly Tensor[], boundary?: ReadonlySet<number>): Tensor[] {
  checkDifferentiable('jvp', primals);
  const known = new Map<number, Tensor | NonDifferentiable | null>();
  primals.forEach((p, i) => {
    const t = tangents[i];
    if (!t || t.dtype !== p.dtype || t.shape.join() !== p.shape.join()) {
      throw new GraphError(`jvp: tangent ${t ?? 'missing'} does not match primal ${placeOf(p)}`);
    }
    known.set(p.id, t);
  });
  const order = topologicalOrder(outputs, boundary);
  const moving = dependents(order, new Set(known.keys()));
  for (const y of order) {
    if (known.has(y.id) || !moving.has(y.id) || boundary?.has(y.id)) continue;
    const tangentOf: TangentOf = (i) => {
      const t = known.get((y.inputs[i] as Tensor).id) ?? null;
      if (t instanceof NonDifferentiable) throw new GraphError(t.message);
      return t;
    };
    let tangent: Tensor | null;
    if (y.isComposite) {
      const inputs = y.inputs.filter((x) => known.get(x.id));
      const inner = jvp([y.lower()], inputs, inputs.map((x) => tangentOf(y.inputs.indexOf(x)) as Tensor), new Set(y.inputs.map((x) => x.id)));
      tangent = inner[0] as Tensor;
    } else {
      const rule = JVP_RULES[y.op as keyof typeof JVP_RULES];
      if (!rule) throw new GraphError(`jvp: no rule for op '${y.op}' at ${placeOf(y)}`);
      if (y.op === 'cast' && !isFloat(x0(y).dtype) && moving.has(x0(y).id)) {
        // Fails only if a tangent is really needed from here (stop_gradient needs none).
        known.set(y.id, new NonDifferentiable(`cannot differentiate ${placeOf(y)}: its ${x0(y).dtype} input depends on the primals through a non-differentiable op`));
        continue;
      }
      tangent = y.inputs.some((x) => known.get(x.id)) ? rule(y, tangentOf) : null;
    }
    if (tangent && tangent.shape.join() !== y.shape.join()) tangent = expand(tangent, y.shape);
    known.set(y.id, tangent);
  }
  return outputs.map((out) => {
    const t = known.get(out.id) ?? null;
    if (t instanceof NonDifferentiable) throw new GraphError(t.message);
    return t ?? full(out.shape, 0, out.dtype);
  });
}
