import { GraphError, scalar, type Tensor } from '../tensor.ts';
import { add, div, exp, less, mul, neg, sub, where } from '../ops/elementwise.ts';
import { matmul, readConvAttrs } from '../ops/linalg.ts';
import { convTransposeAsConv } from '../autodiff/conv.ts';
import { concat, pad, reshape, slice, unsqueeze } from '../ops/movement.ts';

/**
 * onnxruntime's CPU EP has no float64 kernels for Erf, Conv and ConvTranspose. Float64 graphs (used to check
 * derivatives against finite differences) get these lowerings to ops that do have them.
 */
export const FLOAT64_LOWERINGS: Partial<Record<string, (y: Tensor) => Tensor>> = {
  erf: (y) => erfFloat64(y.inputs[0] as Tensor),
  conv2d: (y) => convAsMatmul(y),
  conv_transpose2d: (y) => convTransposeAsConv(y.inputs[0] as Tensor, y.inputs[1] as Tensor, y.shape.slice(2) as [number, number], readConvAttrs(y)),
};

/**
 * erf in float64 to about 1e-14: its Maclaurin series (64 terms) for |x| < 3, and
 * 1 - erfc(|x|) from erfc's continued fraction (60 levels) beyond.
 */
function erfFloat64(x: Tensor): Tensor {
  const magnitude = where(less(x, 0), neg(x), x);
  const sign = where(less(x, 0), scalar(-1, x.dtype), 1);
  const tail = mul(sign, sub(1, erfcContinuedFraction(magnitude)));
  return where(less(magnitude, 3), erfSeries(x), tail);
}

/** erfc(x) = exp(-x^2) / (sqrt(pi) (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))) for x > 0. */
function erfcContinuedFraction(x: Tensor): Tensor {
  let denominator = x;
  for (let k = 60; k >= 1; k--) denominator = add(x, div(k / 2, denominator));
  return div(exp(neg(mul(x, x))), mul(denominator, Math.sqrt(Math.PI)));
}

function erfSeries(x: Tensor): Tensor {
  const minusSquare = mul(mul(x, x), -1);
  let term = x;
  let total = x;
  for (let n = 1; n < 64; n++) {
    term = mul(mul(term, minusSquare), 1 / n);
    total = add(total, mul(term, 1 / (2 * n + 1)));
  }
  return mul(total, 2 / Math.sqrt(Math.PI));
}

/** conv2d as patches (pad + strided slices) times the flattened kernel. */
function convAsMatmul(y: Tensor): Tensor {
  const [x, w] = y.inputs as [Tensor, Tensor];
  const strides = y.attr<readonly number[]>('strides');
  const pads = y.attr<readonly number[]>('pads');
  const dilations = y.attr<readonly number[]>('dilations');
  const groups = y.attr<number>('groups');
  const [n, c] = x.shape as [number, number];
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const [, , oh, ow] = y.shape as [number, number, number, number];
  if (kh * kw * c > 1 << 20) throw new GraphError('conv2d float64 lowering: kernel too large');
  const padded = pad(x, [[0, 0], [0, 0], [pads[0] as number, pads[2] as number], [pads[1] as number, pads[3] as number]]);
  const patches: Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const top = i * (dilations[0] as number);
      const left = j * (dilations[1] as number);
      const window = slice(padded, [
        { axis: 2, start: top, end: top + (oh - 1) * (strides[0] as number) + 1, step: strides[0] as number },
        { axis: 3, start: left, end: left + (ow - 1) * (strides[1] as number) + 1, step: strides[1] as number },
      ]);
      patches.push(unsqueeze(window, 2));
    }
  }
  const columns = reshape(concat(patches, 2), [n, groups, cg * kh * kw, oh * ow]);
  const kernel = reshape(w, [groups, o / groups, cg * kh * kw]);
  return reshape(matmul(kernel, columns), [n, o, oh, ow]);
}
