import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.ts';

const f32 = (shape: number[], values: number[]): E.HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const close = (actual: ArrayLike<number | bigint>, expected: number[], tolerance = 1e-5) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(Number(actual[i]) - e) <= tolerance * (1 + Math.abs(e)), `index ${i}: ${actual[i]} vs ${e}`));
};

test('a graph runs on onnxruntime and computes the right values', async () => {
  const x = E.input('x', [2, 3]);
  const w = E.param('w', [3, 2], 'float32', Float32Array.from([1, 0, 0, 1, 1, 1]));
  const y = E.add(E.matmul(x, w), E.scalar(0.5));
  const z = E.sum(E.exp(E.neg(y)), 1);
  const out = await E.evaluate({ y, z }, { x: f32([2, 3], [1, 2, 3, 4, 5, 6]) });
  close(out.y?.data as Float32Array, [4.5, 5.5, 10.5, 11.5]);
  close(out.z?.data as Float32Array, [Math.exp(-4.5) + Math.exp(-5.5), Math.exp(-10.5) + Math.exp(-11.5)]);
  assert.deepEqual(out.y?.shape, [2, 2]);
});

test('movement ops match their definitions', async () => {
  const x = E.input('x', [2, 3]);
  const values = [0, 1, 2, 3, 4, 5];
  const out = await E.evaluate(
    {
      transposed: E.transpose(x, [1, 0]),
      sliced: E.slice(x, [{ axis: 1, start: 0, end: 3, step: 2 }]),
      flipped: E.flip(x, [1]),
      padded: E.pad(x, [[0, 0], [1, 0]]),
      gathered: E.gather(x, E.constant([2, 0], [2], 'int64'), 1),
      joined: E.concat([x, x], 0),
      upsampled: E.upsampleNearest2d(E.reshape(x, [1, 1, 2, 3]), 2),
    },
    { x: f32([2, 3], values) },
  );
  close(out.transposed?.data as Float32Array, [0, 3, 1, 4, 2, 5]);
  close(out.sliced?.data as Float32Array, [0, 2, 3, 5]);
  close(out.flipped?.data as Float32Array, [2, 1, 0, 5, 4, 3]);
  close(out.padded?.data as Float32Array, [0, 0, 1, 2, 0, 3, 4, 5]);
  close(out.gathered?.data as Float32Array, [2, 0, 5, 3]);
  assert.deepEqual(out.joined?.shape, [4, 3]);
  close((out.upsampled?.data as Float32Array).slice(0, 12), [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
});

test('fused composites (Softmax, LayerNormalization, Resize, MultiHeadAttention) agree with their primitive lowerings', async () => {
  const x = E.input('x', [2, 3, 4, 5]);
  const w = E.input('w', [5]);
  const b = E.input('b', [5]);
  const context = E.input('context', [2, 7, 6]);
  const tokens = E.reshape(E.slice(x, [{ axis: 3, end: 3 }]), [2, 6, 6]);
  const outputs = {
    softmax: E.softmax(x, 2),
    layerNorm: E.layerNorm(x, w, b),
    bilinear: E.upsampleBilinear2d(x, 2),
    shrink: E.resizeBilinear(x, 3, 2),
    attention: E.multiHeadAttention(tokens, context, context, 3),
  };
  const random = new E.Random(3);
  const feeds = {
    x: f32([2, 3, 4, 5], Array.from(random.normalArray(120))),
    w: f32([5], Array.from(random.normalArray(5))),
    b: f32([5], Array.from(random.normalArray(5))),
    context: f32([2, 7, 6], Array.from(random.normalArray(84))),
  };
  const fused = await E.evaluate(outputs, feeds);
  const lowered = await E.evaluate(outputs, feeds, { lowerComposites: true });
  for (const key of Object.keys(outputs)) {
    close(fused[key]?.data as Float32Array, Array.from(lowered[key]?.data as Float32Array), 1e-4);
  }
  const fusedGraph = E.emitGraph(outputs);
  assert.ok(fusedGraph.nodes.some((n) => n.opType === 'LayerNormalization'));
  assert.ok(fusedGraph.nodes.some((n) => n.opType === 'Resize'));
  assert.ok(fusedGraph.nodes.some((n) => n.opType === 'MultiHeadAttention' && n.domain === 'com.microsoft'));
  assert.ok(!E.emitGraph(outputs, { lowerComposites: true }).nodes.some((n) => n.opType === 'Softmax'));
});

test('bilinear resize matches hand-computed PyTorch align_corners=False values', async () => {
  const x = E.input('x', [1, 1, 2, 2]);
  const out = await E.evaluate({ y: E.upsampleBilinear2d(x, 2) }, { x: f32([1, 1, 2, 2], [0, 1, 2, 3]) });
  // Row 0 of torch.nn.functional.interpolate(x, scale_factor=2, mode='bilinear'): 0, 0.25, 0.75, 1
  close((out.y?.data as Float32Array).slice(0, 4), [0, 0.25, 0.75, 1]);
  close((out.y?.data as Float32Array).slice(4, 8), [0.5, 0.75, 1.25, 1.5]);
});

test('shape mismatches fail at build time naming the op, the scope and both shapes', () => {
  const a = E.input('a', [2, 3]);
  const b = E.input('b', [4, 5]);
  assert.throws(() => E.scope('unet/down.0', () => E.matmul(a, b)), (error: Error) => {
    assert.ok(error instanceof E.GraphError);
    assert.match(error.message, /^matmul \(in unet\/down\.0\): inner dimensions differ: \[2, 3\] and \[4, 5\]/);
    return true;
  });
  assert.throws(() => E.add(a, b), /add: shapes \[2, 3\] and \[4, 5\] do not broadcast/);
  assert.throws(() => E.reshape(a, [4, 2]), /reshape: cannot reshape \[2, 3\] \(6 values\) to \[4, 2\]/);
  assert.throws(() => E.concat([a, b], 0), /concat: shapes \[2, 3\] and \[4, 5\] differ off axis 0/);
  const x = E.input('x', [1, 3, 8, 8]);
  const w = E.input('w', [4, 2, 3, 3]);
  assert.throws(() => E.conv2d(x, w), /conv2d: input \[1, 3, 8, 8\] and weight \[4, 2, 3, 3\]: 3 input channels but weight expects 2 x 1 groups/);
  assert.throws(() => E.linear(a, E.input('w2', [4, 4])), /linear: input \[2, 3\] does not match weight \[4, 4\]/);
});

test('dtype mismatches fail at build time naming both operands', () => {
  const a = E.input('a', [2, 3], 'float32');
  const b = E.input('b', [2, 3], 'float16');
  assert.throws(() => E.scope('text_encoder', () => E.mul(a, b)), /mul \(in text_encoder\): dtypes differ: float32 \[2, 3\] and float16 \[2, 3\]/);
  assert.throws(() => E.matmul(a, E.input('c', [3, 2], 'float64')), /matmul: dtypes differ: float32 \[2, 3\] and float64 \[3, 2\]/);
  assert.throws(() => E.exp(E.input('i', [2], 'int64')), /exp: needs a float tensor, got int64/);
  assert.throws(() => E.where(a, a, a), /where: condition must be bool, got float32/);
});

test('unknown ops fail at build time', () => {
  const a = E.input('a', [2]);
  assert.throws(() => E.scope('vae', () => E.node('fft', [a], {}, [2], 'float32')), /fft \(in vae\): unknown op 'fft'/);
});

test('differentiating through a non-differentiable op fails at build time naming the op', () => {
  const x = E.input('x', [3]);
  const step = E.scope('guidance', () => E.cast(E.less(x, 0), 'float32'));
  const loss = E.sum(E.mul(step, x));
  assert.throws(() => E.grad(E.sum(step), [x]), /cannot differentiate cast \(in guidance\) \[3\] with respect to its input 0/);
  assert.throws(() => E.jvp([loss], [x], [E.input('t', [3])]), /cannot differentiate cast \(in guidance\)/);
  // The same comparison used only as a where condition is fine: relu's gradient.
  const [g] = E.grad(E.sum(E.relu(x)), [x]);
  assert.deepEqual(g?.shape, [3]);
  assert.throws(() => E.grad(E.sum(x), [E.input('ids', [3], 'int64')]), /int64 is not a float type/);
});

test('gradients of relu and of a tensor used twice are right', async () => {
  const x = E.input('x', [4]);
  const [g] = E.grad(E.sum(E.add(E.relu(x), E.mul(x, x))), [x]);
  const out = await E.evaluate({ g: g as E.Tensor }, { x: f32([4], [-1, 2, -3, 4]) });
  close(out.g?.data as Float32Array, [-2, 5, -6, 9]);
});

test('run checks feeds against the graph signature', async () => {
  const program = await E.Program.compile({ y: E.neg(E.input('x', [2])) });
  await assert.rejects(program.run({}), /missing input 'x'/);
  await assert.rejects(program.run({ x: f32([3], [1, 2, 3]) }), /input 'x' expects float32 \[2\], got float32 \[3\]/);
  await program.release();
});

test('float16 and bfloat16 casts round-trip through the graph', async () => {
  const x = E.input('x', [4]);
  const out = await E.evaluate(
    {
      half: E.cast(x, 'float16'),
      viaHalf: E.cast(E.cast(x, 'float16'), 'float32'),
      viaBrain: E.cast(E.cast(x, 'bfloat16'), 'float32'),
    },
    { x: f32([4], [1, -2.5, 1 / 3, 65504]) },
  );
  const halfBits = out.half?.data as Uint16Array;
  assert.equal(out.half?.dtype, 'float16');
  assert.deepEqual(Array.from(halfBits), [1, -2.5, 1 / 3, 65504].map(E.float32ToFloat16));
  close(out.viaHalf?.data as Float32Array, [1, -2.5, 0.333251953125, 65504], 0);
  close(out.viaBrain?.data as Float32Array, [1, -2.5, E.bfloat16ToFloat32(E.float32ToBfloat16(1 / 3)), 65536], 0);
});

test('a float16 network runs on the CPU EP', async () => {
  const random = new E.Random(5);
  const x = E.input('x', [2, 8], 'float16');
  const w = E.param('w', [8, 8], 'float16', E.fromFloat32('float16', random.normalArray(64, 0.3)) as Uint16Array);
  const y = E.softmax(E.gelu(E.matmul(x, w)), -1);
  const out = await E.evaluate({ y: E.cast(E.sum(y, -1), 'float32') }, {
    x: { dtype: 'float16', shape: [2, 8], data: E.fromFloat32('float16', random.normalArray(16)) },
  });
  close(out.y?.data as Float32Array, [1, 1], 2e-3);
});
