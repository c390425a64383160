import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.ts';
import { checkGradients } from '../../src/engine/gradcheck.ts';

// The derivative graphs are ordinary graphs of primitives, so they differentiate again: checking the
// derivatives of a gradient checks Hessian-vector products (forward-over-reverse and reverse-over-reverse).

test('second derivatives through matmul, tanh and softmax match finite differences of the gradient', async () => {
  const gradient = (x: E.Tensor, w: E.Tensor) => E.grad(E.sum(E.mul(E.softmax(E.tanh(E.matmul(x, w)), -1), E.matmul(x, w))), [x])[0] as E.Tensor;
  const report = await checkGradients(gradient, [{ shape: [3, 4] }, { shape: [4, 5] }]);
  assert.ok(report.vjpError <= 1e-6 && report.jvpError <= 1e-6, JSON.stringify(report));
});

test('second derivatives through conv2d, group norm and SiLU match finite differences of the gradient', async () => {
  const gradient = (x: E.Tensor, w: E.Tensor) => {
    const y = E.silu(E.groupNorm(E.conv2d(x, w, { padding: 1, stride: 2 }), 2));
    return E.grad(E.sum(E.mul(y, y)), [w])[0] as E.Tensor;
  };
  const report = await checkGradients(gradient, [{ shape: [1, 2, 5, 5] }, { shape: [4, 2, 3, 3] }]);
  assert.ok(report.vjpError <= 1e-6 && report.jvpError <= 1e-6, JSON.stringify(report));
});

test('a Jacobian-vector product of a layer norm + attention block is its directional derivative', async () => {
  // jvp's output is itself checked: a JVP of a JVP.
  const directional = (x: E.Tensor, v: E.Tensor) => {
    const f = (t: E.Tensor) => E.scaledDotProductAttention(E.layerNorm(t), t, t);
    return E.jvp([f(x)], [x], [v])[0] as E.Tensor;
  };
  const report = await checkGradients(directional, [{ shape: [2, 4, 3] }, { shape: [2, 4, 3] }]);
  assert.ok(report.vjpError <= 1e-6 && report.jvpError <= 1e-6, JSON.stringify(report));
});
