import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import * as E from '../../src/engine/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'engine-io-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('safetensors round-trips f32, f16, bf16, f64 and i64 tensors with metadata', () => {
  const values = Float32Array.from([1, -2.5, 0.1, 3e4]);
  const tensors: Record<string, E.HostTensor> = {
    'a.weight': { dtype: 'float32', shape: [2, 2], data: values },
    'b.half': { dtype: 'float16', shape: [4], data: E.fromFloat32('float16', values) },
    'c.brain': { dtype: 'bfloat16', shape: [4, 1], data: E.fromFloat32('bfloat16', values) },
    'd.double': { dtype: 'float64', shape: [1], data: Float64Array.of(Math.PI) },
    'e.ids': { dtype: 'int64', shape: [3], data: BigInt64Array.of(1n, -2n, 3n) },
  };
  const path = join(dir, 'round.safetensors');
  E.writeSafetensors(path, tensors, { format: 'pt' });
  const { tensors: read, metadata } = E.readSafetensors(path);
  assert.deepEqual(metadata, { format: 'pt' });
  for (const [name, original] of Object.entries(tensors)) {
    const back = read.get(name);
    assert.equal(back?.dtype, original.dtype);
    assert.deepEqual(back?.shape, original.shape);
    assert.deepEqual(Array.from(back?.data as ArrayLike<number>), Array.from(original.data as ArrayLike<number>));
  }
  const half = E.toFloat32('float16', read.get('b.half')?.data as Uint16Array);
  assert.deepEqual(Array.from(half), [1, -2.5, 0.0999755859375, 30000]);
  const brain = E.toFloat32('bfloat16', read.get('c.brain')?.data as Uint16Array);
  assert.deepEqual(Array.from(brain), [1, -2.5, 0.10009765625, 29952]);
});

test('safetensors bytes in memory are the bytes of the file, and read back the same', () => {
  const tensors: Record<string, E.HostTensor> = {
    w: { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, -0, 1e-30]) },
    ids: { dtype: 'int32', shape: [2], data: Int32Array.of(7, -1) },
  };
  const path = join(dir, 'memory.safetensors');
  E.writeSafetensors(path, tensors, { kind: 'sae' });
  const bytes = E.encodeSafetensors(tensors, { kind: 'sae' });
  assert.ok(Buffer.from(bytes).equals(readFileSync(path)));
  const { tensors: read, metadata } = E.decodeSafetensors(bytes);
  assert.deepEqual(metadata, { kind: 'sae' });
  assert.deepEqual([...read.keys()], ['w', 'ids']);
  assert.deepEqual(read.get('w'), tensors.w);
  assert.deepEqual(read.get('ids'), tensors.ids);
  assert.throws(() => E.decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'the blob'), /the blob/);
});

test('safetensors reads a file laid out by hand from the format specification', () => {
  const header = JSON.stringify({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'BF16', shape: [1], data_offsets: [8, 10] } });
  const headerBytes = Buffer.from(header, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  const data = Buffer.alloc(10);
  data.writeFloatLE(1.5, 0);
  data.writeFloatLE(-4, 4);
  data.writeUInt16LE(0x3f80, 8); // bf16 1.0
  const path = join(dir, 'spec.safetensors');
  writeFileSync(path, Buffer.concat([length, headerBytes, data]));
  const params = E.loadParams(path, { dtype: 'float32', prefix: 'unet.' });
  assert.deepEqual(Array.from(params.get('x')?.leaf.data as Float32Array), [1.5, -4]);
  assert.deepEqual(Array.from(params.get('y')?.leaf.data as Float32Array), [1]);
  assert.equal(params.get('y')?.leaf.name, 'unet.y');
  const onlyX = E.readSafetensors(path, new Set(['x']));
  assert.deepEqual([...onlyX.tensors.keys()], ['x']);
  writeFileSync(path, Buffer.concat([length, headerBytes, data.subarray(0, 6)]));
  assert.throws(() => E.readSafetensors(path), /tensor 'x' has 8 bytes|file ends/);
});

function smallNetwork(seed: number) {
  const random = new E.Random(seed);
  const x = E.input('x', [2, 16]);
  const w1 = E.param('w1', [32, 16], 'float32', random.normalArray(512, 0.25));
  const w2 = E.param('w2', [4, 32], 'float32', random.normalArray(128, 0.25));
  return { x, y: E.linear(E.gelu(E.linear(x, w1)), w2) };
}

const feed = { x: { dtype: 'float32', shape: [2, 16], data: new E.Random(9).normalArray(32) } } as const;

test('a graph saved with external data loads by path and computes what the in-memory graph does', async () => {
  const { y } = smallNetwork(1);
  const graph = E.emitGraph({ y });
  const saved = E.saveModel(graph, join(dir, 'ext', 'model.onnx'), { externalThreshold: 256 });
  assert.ok(saved.dataPath && existsSync(saved.dataPath));
  assert.ok(statSync(saved.modelPath).size < 4096, 'weights must not be inside the model file');
  assert.ok(statSync(saved.dataPath).size >= (512 + 128) * 4);
  const fromDisk = await E.Program.compile({ y }, { saveTo: join(dir, 'ext2', 'model.onnx') });
  const inMemory = await E.evaluate({ y }, feed);
  const loaded = await fromDisk.run(feed);
  assert.deepEqual(Array.from(loaded.y?.data as Float32Array), Array.from(inMemory.y?.data as Float32Array));
  await fromDisk.release();
});

test('large weights passed to onnxruntime as in-memory external data give the same results as an embedded model', async () => {
  const random = new E.Random(4);
  const x = E.input('x', [2, 512]);
  const w = E.param('big', [512, 512], 'float32', random.normalArray(512 * 512)); // 1 MiB: goes external
  const y = E.tanh(E.matmul(x, w));
  const program = await E.Program.compile({ y });
  const input = { dtype: 'float32', shape: [2, 512], data: random.normalArray(1024) } as const;
  const viaExternal = await program.run({ x: input });
  const embedded = await ort.InferenceSession.create(E.encodeModel(E.emitGraph({ y })));
  const reference = await embedded.run({ x: E.toOrt(input) });
  assert.deepEqual(Array.from(viaExternal.y?.data as Float32Array), Array.from(reference.y?.data as Float32Array));
  await program.release();
  await embedded.release();
});

test('the compiled-graph cache reuses a model for the same graph and weights, and only then', async () => {
  const cacheDir = join(dir, 'cache');
  const first = await E.Program.compile({ y: smallNetwork(1).y }, { cacheDir });
  const cachedPath = first.modelPath as string;
  const writtenAt = statSync(cachedPath).mtimeMs;
  const same = await E.Program.compile({ y: smallNetwork(1).y }, { cacheDir });
  assert.equal(same.modelPath, cachedPath);
  assert.equal(statSync(cachedPath).mtimeMs, writtenAt);
  const otherWeights = await E.Program.compile({ y: smallNetwork(2).y }, { cacheDir });
  assert.notEqual(otherWeights.modelPath, cachedPath);
  assert.equal(readdirSync(cacheDir).length, 2);
  assert.deepEqual((await same.run(feed)).y?.data, (await first.run(feed)).y?.data);
  assert.equal(E.graphHash(E.emitGraph({ y: smallNetwork(1).y })), E.graphHash(E.emitGraph({ y: smallNetwork(1).y })));
  assert.ok(readFileSync(cachedPath).byteLength > 0);
  for (const p of [first, same, otherWeights]) await p.release();
});

test('a forward graph and its gradient graph share one copy of the weights when params are inputs', async () => {
  const { x, y } = smallNetwork(3);
  const params = E.topologicalOrder([y]).filter((t) => t.op === 'param');
  const gradients = E.grad(E.sum(E.square(y)), params);
  const forward = await E.Program.compile({ y }, { paramsAsInputs: true });
  const backward = await E.Program.compile({ g1: gradients[0] as E.Tensor, g2: gradients[1] as E.Tensor }, { paramsAsInputs: true });
  assert.ok(forward.inputs.some((i) => i.name === 'w1') && backward.inputs.some((i) => i.name === 'w1'));
  // Both sessions are fed the param's own Float32Array: one copy in memory.
  const w1 = params.find((p) => p.leaf.name === 'w1') as E.Tensor;
  assert.equal(forward.boundParam('w1')?.data, w1.leaf.data);
  assert.equal(backward.boundParam('w1')?.data, w1.leaf.data);
  const out = await backward.run(feed);
  assert.equal(out.g1?.shape.join(), '32,16');
  assert.equal(x.shape.join(), '2,16');
  await forward.release();
  await backward.release();
});
