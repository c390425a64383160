import { isFloat, type DType } from '../dtype.ts';
import { fail, formatShape, node, scalar, type Tensor } from '../tensor.ts';

export type Operand = Tensor | number;

/** numpy-style broadcasting of two shapes; a mismatch names the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(op, `shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (axis ${i}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

function requireFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) fail(op, `needs a float tensor, got ${x.dtype} ${formatShape(x.shape)}`);
}

function lift(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') fail(op, 'needs at least one tensor operand');
  const left = typeof a === 'number' ? scalar(a, (b as Tensor).dtype) : a;
  const right = typeof b === 'number' ? scalar(b, left.dtype) : b;
  if (left.dtype !== right.dtype) {
    fail(op, `dtypes differ: ${left.dtype} ${formatShape(left.shape)} and ${right.dtype} ${formatShape(right.shape)}`);
  }
  return [left, right];
}

function unary(op: 'neg' | 'exp' | 'log' | 'sqrt' | 'reciprocal' | 'sigmoid' | 'tanh' | 'erf' | 'sin' | 'cos') {
  return (x: Tensor): Tensor => {
    requireFloat(op, x);
    return node(op, [x], {}, x.shape, x.dtype);
  };
}

export const neg = unary('neg');
export const exp = unary('exp');
export const log = unary('log');
export const sqrt = unary('sqrt');
export const reciprocal = unary('reciprocal');
export const sigmoid = unary('sigmoid');
export const tanh = unary('tanh');
export const erf = unary('erf');
export const sin = unary('sin');
export const cos = unary('cos');

function binary(op: 'add' | 'sub' | 'mul' | 'div' | 'pow') {
  return (a: Operand, b: Operand): Tensor => {
    const [left, right] = lift(a, b, op);
    requireFloat(op, left);
    return node(op, [left, right], {}, broadcastShapes(op, left.shape, right.shape), left.dtype);
  };
}

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const pow = binary('pow');

function comparison(op: 'less' | 'greater' | 'equal') {
  return (a: Operand, b: Operand): Tensor => {
    const [left, right] = lift(a, b, op);
    return node(op, [left, right], {}, broadcastShapes(op, left.shape, right.shape), 'bool');
  };
}

export const less = comparison('less');
export const greater = comparison('greater');
export const equal = comparison('equal');

export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  if (condition.dtype !== 'bool') fail('where', `condition must be bool, got ${condition.dtype}`);
  const [left, right] = lift(a, b, 'where');
  const shape = broadcastShapes('where', condition.shape, broadcastShapes('where', left.shape, right.shape));
  return node('where', [condition, left, right], {}, shape, left.dtype);
}

export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return node('cast', [x], { to: dtype }, x.shape, dtype);
}

/** The identity, treated as a constant by differentiation (masks, targets, detached values). */
export function stopGradient(x: Tensor): Tensor {
  return node('stop_gradient', [x], {}, x.shape, x.dtype);
}

export const square = (x: Tensor): Tensor => mul(x, x);
export const relu = (x: Tensor): Tensor => where(greater(x, 0), x, 0);
