import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.ts';
import { checkGradients, type CheckedInput } from '../../src/engine/gradcheck.ts';
import type { Random } from '../../src/engine/random.ts';

/** Fixed by default so runs are reproducible; ENGINE_TEST_SEED draws other random inputs. */
const seed = Number(process.env.ENGINE_TEST_SEED ?? 0);

const positive = (r: Random) => 0.5 + 1.5 * r.uniform();
const moderate = (r: Random) => -2 + 4 * r.uniform();
const t = (shape: number[], sample?: (r: Random) => number): CheckedInput => (sample ? { shape, sample } : { shape });

interface Case {
  name: string;
  build: (...xs: E.Tensor[]) => E.Tensor;
  inputs: CheckedInput[];
  /** Only meaningful where float32 differs from float64 (casts). */
  float32Only?: boolean;
}

const cases: Case[] = [
  { name: 'neg', build: (x) => E.neg(x), inputs: [t([3, 4])] },
  { name: 'exp', build: (x) => E.exp(x), inputs: [t([3, 4])] },
  { name: 'log', build: (x) => E.log(x), inputs: [t([3, 4], positive)] },
  { name: 'sqrt', build: (x) => E.sqrt(x), inputs: [t([3, 4], positive)] },
  { name: 'reciprocal', build: (x) => E.reciprocal(x), inputs: [t([3, 4], positive)] },
  { name: 'sigmoid', build: (x) => E.sigmoid(x), inputs: [t([3, 4])] },
  { name: 'tanh', build: (x) => E.tanh(x), inputs: [t([3, 4])] },
  { name: 'erf', build: (x) => E.erf(x), inputs: [t([3, 4], moderate)] },
  { name: 'sin', build: (x) => E.sin(x), inputs: [t([3, 4])] },
  { name: 'cos', build: (x) => E.cos(x), inputs: [t([3, 4])] },
  { name: 'add (broadcast)', build: (a, b) => E.add(a, b), inputs: [t([3, 4]), t([4])] },
  { name: 'sub (broadcast)', build: (a, b) => E.sub(a, b), inputs: [t([3, 1]), t([2, 3, 4])] },
  { name: 'mul (broadcast)', build: (a, b) => E.mul(a, b), inputs: [t([2, 3, 4]), t([3, 1])] },
  { name: 'div (broadcast)', build: (a, b) => E.div(a, b), inputs: [t([3, 4]), t([3, 1], positive)] },
  { name: 'pow', build: (a, b) => E.pow(a, b), inputs: [t([3, 4], positive), t([3, 4])] },
  { name: 'where', build: (c, a, b) => E.where(E.greater(c, 0), a, b), inputs: [t([3, 4]), t([3, 4]), t([4])] },
  { name: 'cast f32 -> f64 -> f32', build: (x) => E.cast(E.exp(E.cast(x, 'float64')), x.dtype), inputs: [t([3, 4])], float32Only: true },
  { name: 'sum over one axis', build: (x) => E.sum(x, 1), inputs: [t([2, 3, 4])] },
  { name: 'sum over all, keepdims', build: (x) => E.sum(x, undefined, true), inputs: [t([2, 3, 4])] },
  { name: 'max over an axis', build: (x) => E.max(x, [0, 2], true), inputs: [t([2, 3, 4])] },
  { name: 'reshape', build: (x) => E.mul(E.reshape(x, [4, -1]), E.reshape(x, [4, 6])), inputs: [t([2, 3, 4])] },
  { name: 'transpose', build: (x) => E.transpose(x, [2, 0, 1]), inputs: [t([2, 3, 4])] },
  { name: 'expand', build: (x) => E.expand(x, [2, 3, 4]), inputs: [t([3, 1])] },
  { name: 'slice with steps', build: (x) => E.slice(x, [{ axis: 1, start: 1, end: 7, step: 2 }, { axis: 2, start: -3 }]), inputs: [t([2, 8, 5])] },
  { name: 'pad', build: (x) => E.pad(x, [[0, 0], [1, 2], [3, 0]]), inputs: [t([2, 3, 4])] },
  { name: 'pad with cropping', build: (x) => E.pad(x, [[1, -1], [-2, 1]]), inputs: [t([3, 4])] },
  { name: 'concat', build: (a, b) => E.concat([a, b, a], 1), inputs: [t([2, 3]), t([2, 2])] },
  {
    name: 'gather (embedding lookup, repeated indices)',
    build: (table, ids) => E.gather(table, ids as E.Tensor, 0),
    inputs: [t([5, 3]), { shape: [2, 3], dtype: 'int64', sample: (r) => r.integer(5) }],
  },
  {
    name: 'gather on a middle axis',
    build: (x, ids) => E.gather(x, ids as E.Tensor, 1),
    inputs: [t([2, 4, 3]), { shape: [5], dtype: 'int64', sample: (r) => r.integer(4) }],
  },
  { name: 'flip', build: (x) => E.flip(x, [0, 2]), inputs: [t([2, 3, 4])] },
  { name: 'matmul (batched, broadcast)', build: (a, b) => E.matmul(a, b), inputs: [t([2, 3, 4]), t([4, 5])] },
  { name: 'matmul (batch 2x1 by 3)', build: (a, b) => E.matmul(a, b), inputs: [t([2, 1, 3, 4]), t([3, 4, 2])] },
  { name: 'conv2d 3x3 pad 1', build: (x, w) => E.conv2d(x, w, { padding: 1 }), inputs: [t([2, 3, 5, 5]), t([4, 3, 3, 3])] },
  {
    name: 'conv2d stride 2, asymmetric pad, groups 2',
    build: (x, w) => E.conv2d(x, w, { stride: 2, padding: [1, 0, 0, 1], groups: 2 }),
    inputs: [t([1, 4, 6, 5]), t([6, 2, 3, 2])],
  },
  { name: 'conv2d dilation 2, stride 2', build: (x, w) => E.conv2d(x, w, { dilation: 2, stride: 2, padding: 2 }), inputs: [t([1, 2, 7, 7]), t([3, 2, 3, 3])] },
  { name: 'conv2d 4x4 stride 4 (patchify: large-kernel weight gradient)', build: (x, w) => E.conv2d(x, w, { stride: 4 }), inputs: [t([2, 3, 8, 8]), t([5, 3, 4, 4])] },
  { name: 'conv2d 5x5 groups 3, stride 2', build: (x, w) => E.conv2d(x, w, { stride: 2, padding: 2, groups: 3 }), inputs: [t([1, 3, 7, 6]), t([6, 1, 5, 5])] },
  { name: 'conv_transpose2d stride 2', build: (x, w) => E.convTranspose2d(x, w, { stride: 2, padding: 1, outputPadding: 1 }), inputs: [t([2, 4, 3, 3]), t([4, 3, 3, 3])] },
  {
    name: 'conv_transpose2d groups 2, dilation 2, asymmetric pad',
    build: (x, w) => E.convTranspose2d(x, w, { stride: [2, 1], padding: [0, 1, 2, 0], dilation: 2, groups: 2 }),
    inputs: [t([1, 4, 4, 3]), t([4, 2, 3, 2])],
  },
  { name: 'conv2d 1x1 with bias', build: (x, w, b) => E.conv2dBias(x, w, b as E.Tensor), inputs: [t([2, 3, 4, 4]), t([5, 3, 1, 1]), t([5])] },
];

const composites: Case[] = [
  { name: 'softmax', build: (x) => E.softmax(x, 1), inputs: [t([2, 5, 3])] },
  { name: 'log softmax', build: (x) => E.logSoftmax(x, -1), inputs: [t([2, 5])] },
  { name: 'layer norm', build: (x, w, b) => E.layerNorm(x, w, b), inputs: [t([2, 3, 6]), t([6]), t([6])] },
  { name: 'group norm', build: (x, w, b) => E.groupNorm(x, 2, w, b), inputs: [t([2, 4, 3, 3]), t([4]), t([4])] },
  { name: 'gelu (erf)', build: (x) => E.gelu(x), inputs: [t([3, 4], moderate)] },
  { name: 'gelu (tanh)', build: (x) => E.gelu(x, 'tanh'), inputs: [t([3, 4])] },
  { name: 'silu', build: (x) => E.silu(x), inputs: [t([3, 4])] },
  {
    name: 'scaled dot-product attention with mask',
    build: (q, k, v, m) => E.scaledDotProductAttention(q, k, v, { mask: m }),
    inputs: [t([2, 2, 4, 3]), t([2, 2, 5, 3]), t([2, 2, 5, 3]), t([4, 5])],
  },
  {
    name: 'multi-head attention (packed heads)',
    build: (q, k, v) => E.multiHeadAttention(q, k, v, 2),
    inputs: [t([2, 3, 4]), t([2, 5, 4]), t([2, 5, 6])],
  },
  { name: 'nearest upsampling', build: (x) => E.upsampleNearest2d(x, 2), inputs: [t([1, 2, 3, 3])] },
  { name: 'bilinear upsampling', build: (x) => E.upsampleBilinear2d(x, 2), inputs: [t([1, 2, 3, 4])] },
  { name: 'bilinear resize (down)', build: (x) => E.resizeBilinear(x, 3, 2), inputs: [t([1, 2, 5, 4])] },
  { name: 'linear', build: (x, w, b) => E.linear(x, w, b), inputs: [t([2, 3, 4]), t([5, 4]), t([5])] },
];

for (const c of [...cases, ...composites]) {
  if (!c.float32Only) {
    test(`float64 VJP and JVP of ${c.name} match finite differences to 1e-6`, async () => {
      const report = await checkGradients(c.build, c.inputs, { dtype: 'float64', seed: seed + 7 });
      assert.ok(report.vjpError <= 1e-6, `VJP relative error ${report.vjpError}`);
      assert.ok(report.jvpError <= 1e-6, `JVP relative error ${report.jvpError}`);
    });
  }
  test(`float32 VJP and JVP of ${c.name} match float64 finite differences to 1e-3`, async () => {
    const report = await checkGradients(c.build, c.inputs, { dtype: 'float32', seed: seed + 11 });
    assert.ok(report.vjpError <= 1e-3, `VJP relative error ${report.vjpError}`);
    assert.ok(report.jvpError <= 1e-3, `JVP relative error ${report.jvpError}`);
  });
}

test('every primitive has a VJP rule, a JVP rule and an ONNX emitter', () => {
  const computed = E.PRIMITIVE_OPS.filter((op) => !['input', 'param', 'constant'].includes(op));
  for (const op of computed) {
    assert.ok(op in E.VJP_RULES, `no VJP rule for ${op}`);
    assert.ok(op in E.JVP_RULES, `no JVP rule for ${op}`);
    assert.ok(E.EMITTED_OPS.has(op), `no emitter for ${op}`);
  }
  for (const op of E.COMPOSITE_OPS) assert.ok(E.EMITTED_OPS.has(op), `no fused emitter for ${op}`);
});

test('the checker notices a wrong gradient', async () => {
  // sin's derivative swapped for sin itself must be caught.
  const original = E.VJP_RULES.sin;
  (E.VJP_RULES as Record<string, unknown>).sin = (y: E.Tensor, g: E.Tensor) => [() => E.mul(g, E.sin(y.inputs[0] as E.Tensor))];
  try {
    const report = await checkGradients((x) => E.sin(x), [t([3, 4])]);
    assert.ok(report.vjpError > 1e-2, `a wrong rule passed with error ${report.vjpError}`);
  } finally {
    (E.VJP_RULES as Record<string, unknown>).sin = original;
  }
});
