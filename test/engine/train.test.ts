import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from '../../src/engine/index.ts';

/** He-style initialisation from a seeded generator. */
function weight(random: E.Random, name: string, shape: number[], fanIn: number): E.Tensor {
  return E.param(name, shape, 'float32', random.normalArray(E.numel(shape), Math.sqrt(2 / fanIn)));
}

const bias = (name: string, size: number) => E.param(name, [size], 'float32', new Float32Array(size));

/** Fits y = sin(3 x0) cos(2 x1) on 256 points with a 2-32-32-1 MLP. */
async function trainMlp(seed: number, steps: number): Promise<number[]> {
  const random = new E.Random(seed);
  const n = 256;
  const points = random.uniformArray(n * 2, -1, 1);
  const targets = Float32Array.from({ length: n }, (_, i) => Math.sin(3 * (points[2 * i] as number)) * Math.cos(2 * (points[2 * i + 1] as number)));
  const x = E.input('x', [n, 2]);
  const y = E.input('y', [n, 1]);
  let h = E.tanh(E.linear(x, weight(random, 'l1.weight', [32, 2], 2), bias('l1.bias', 32)));
  h = E.tanh(E.linear(h, weight(random, 'l2.weight', [32, 32], 32), bias('l2.bias', 32)));
  const prediction = E.linear(h, weight(random, 'l3.weight', [1, 32], 32), bias('l3.bias', 1));
  const loss = E.mean(E.square(E.sub(prediction, y)));
  const trainer = await E.Trainer.create(loss, { optimizer: E.adam({ lr: 0.01 }), threads: 1 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(await trainer.step({ x: { dtype: 'float32', shape: [n, 2], data: points }, y: { dtype: 'float32', shape: [n, 1], data: targets } }));
  }
  await trainer.release();
  return losses;
}

/** 8x8 images of horizontal (class 0) or vertical (class 1) stripes in noise. */
function stripes(random: E.Random, count: number): { images: Float32Array; labels: Float32Array; classes: number[] } {
  const images = new Float32Array(count * 64);
  const labels = new Float32Array(count * 2);
  const classes: number[] = [];
  for (let n = 0; n < count; n++) {
    const vertical = random.uniform() < 0.5 ? 1 : 0;
    const phase = random.integer(2);
    classes.push(vertical);
    labels[n * 2 + vertical] = 1;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const line = ((vertical ? j : i) + phase) % 2;
        images[n * 64 + i * 8 + j] = line + 0.3 * random.normal();
      }
    }
  }
  return { images, labels, classes };
}

async function trainConvNet(seed: number, steps: number) {
  const random = new E.Random(seed);
  const batch = 32;
  const data = stripes(random, batch);
  const x = E.input('images', [batch, 1, 8, 8]);
  const labels = E.input('labels', [batch, 2]);
  let h = E.silu(E.conv2dBias(x, weight(random, 'conv1.weight', [8, 1, 3, 3], 9), bias('conv1.bias', 8), { padding: 1 }));
  h = E.silu(E.conv2dBias(h, weight(random, 'conv2.weight', [8, 8, 3, 3], 72), bias('conv2.bias', 8), { padding: 1, stride: 2 }));
  const pooled = E.mean(h, [2, 3]);
  const logits = E.linear(pooled, weight(random, 'head.weight', [2, 8], 8), bias('head.bias', 2));
  const loss = E.neg(E.mean(E.sum(E.mul(E.logSoftmax(logits, -1), labels), -1)));
  const trainer = await E.Trainer.create(loss, { optimizer: E.adamw({ lr: 0.02, weightDecay: 1e-4 }), threads: 1 });
  const feeds = {
    images: { dtype: 'float32', shape: [batch, 1, 8, 8], data: data.images },
    labels: { dtype: 'float32', shape: [batch, 2], data: data.labels },
  } as const;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(await trainer.step(feeds));
  const trained = trainer.parameters();
  await trainer.release();
  // Accuracy with the trained weights, through a plain inference graph.
  const inference = await E.Program.compile({ logits }, { paramsAsInputs: true });
  const out = await inference.run({ ...trained, images: feeds.images });
  const scores = out.logits?.data as Float32Array;
  const correct = data.classes.filter((c, n) => Number((scores[n * 2 + 1] as number) > (scores[n * 2] as number)) === c).length;
  await inference.release();
  return { losses, accuracy: correct / batch };
}

test('an MLP trains with Adam to MSE < 0.01 in 300 steps, identically for a seed', async (t) => {
  const first = await trainMlp(42, 300);
  const again = await trainMlp(42, 300);
  const final = first.at(-1) as number;
  t.diagnostic(`MSE ${first[0]?.toFixed(4)} -> ${final.toFixed(5)}`);
  assert.ok((first[0] as number) > 0.05, `initial loss ${first[0]}`);
  assert.ok(final < 0.01, `final MSE ${final}`);
  assert.deepEqual(again, first);
  const other = await trainMlp(43, 5);
  assert.notDeepEqual(other, first.slice(0, 5));
});

test('a small conv net trains with AdamW to cross-entropy < 0.05 and full accuracy, identically for a seed', async (t) => {
  const first = await trainConvNet(7, 120);
  const again = await trainConvNet(7, 120);
  const final = first.losses.at(-1) as number;
  t.diagnostic(`cross-entropy ${first.losses[0]?.toFixed(4)} -> ${final.toFixed(5)}, accuracy ${first.accuracy}`);
  assert.ok((first.losses[0] as number) > 0.5, `initial loss ${first.losses[0]}`);
  assert.ok(final < 0.05, `final loss ${final}`);
  assert.equal(first.accuracy, 1);
  assert.deepEqual(again.losses, first.losses);
});

/** Scalar reference implementations of the update rules, for loss = 0.5 w^2 (gradient w). */
function referenceTrajectory(kind: 'sgd' | 'adam' | 'adamw', steps: number): number[] {
  let w = 1;
  let m = 0;
  let v = 0;
  const seen: number[] = [];
  for (let t = 1; t <= steps; t++) {
    seen.push(w);
    const g = w;
    if (kind === 'sgd') {
      m = 0.5 * m + g;
      w -= 0.1 * m;
      continue;
    }
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const step = (0.1 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    w = kind === 'adamw' ? w - 0.1 * 0.2 * w - step : w - step;
  }
  return seen;
}

test('SGD with momentum, Adam and AdamW follow their update rules on a quadratic', async () => {
  for (const [kind, optimizer] of [
    ['sgd', E.sgd({ lr: 0.1, momentum: 0.5 })],
    ['adam', E.adam({ lr: 0.1 })],
    ['adamw', E.adamw({ lr: 0.1, weightDecay: 0.2 })],
  ] as const) {
    const w = E.param('w', [1], 'float32', Float32Array.of(1));
    const trainer = await E.Trainer.create(E.mul(E.sum(E.square(w)), 0.5), { optimizer });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push((trainer.parameters().w?.data as Float32Array)[0] as number);
      await trainer.step({});
    }
    const expected = referenceTrajectory(kind, 5);
    seen.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) < 1e-6, `${kind} step ${i}: ${value} vs ${expected[i]}`));
    await trainer.release();
  }
});

test('a checkpoint saved mid-training resumes to exactly the same trajectory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-ckpt-'));
  try {
    const build = () => {
      const random = new E.Random(3);
      const x = E.input('x', [16, 4]);
      const w = weight(random, 'w', [1, 4], 4);
      return E.mean(E.square(E.sub(E.linear(E.tanh(x), w), 0.5)));
    };
    const feeds = { x: { dtype: 'float32', shape: [16, 4], data: new E.Random(8).normalArray(64) } } as const;
    const straight = await E.Trainer.create(build(), { optimizer: E.adamw({ lr: 0.05 }), threads: 1 });
    const expected: number[] = [];
    for (let i = 0; i < 8; i++) expected.push(await straight.step(feeds));
    const first = await E.Trainer.create(build(), { optimizer: E.adamw({ lr: 0.05 }), threads: 1 });
    for (let i = 0; i < 5; i++) await first.step(feeds);
    first.saveCheckpoint(join(dir, 'step5.safetensors'));
    const resumed = await E.Trainer.create(build(), { optimizer: E.adamw({ lr: 0.05 }), threads: 1 });
    resumed.loadCheckpoint(join(dir, 'step5.safetensors'));
    assert.equal(resumed.stepCount, 5);
    const after: number[] = [];
    for (let i = 0; i < 3; i++) after.push(await resumed.step(feeds));
    assert.deepEqual(after, expected.slice(5));
    for (const t of [straight, first, resumed]) await t.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
