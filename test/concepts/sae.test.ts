// The TopK SAE and its trainer, on vectors made here: what each part must do, with numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accumulateGradients, initialState, measureSae, memorySource, trainSae, type SaeGradients, type SaeTrainState } from '../../src/concepts/train.ts';
import { TopKSae, topK, type SaeWeights } from '../../src/models/sae/sae.ts';
import { createRandom, type Random } from '../../src/support/random.ts';

const gaussian = (random: Random) => () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());

/** n vectors, each a positive mix of `active` of `atoms` random directions in `width` dimensions. */
function sparseData(n: number, width: number, atoms: number, active: number, seed: number): Float32Array {
  const g = gaussian(createRandom(seed));
  const random = createRandom(seed + 1);
  const directions = Float32Array.from({ length: atoms * width }, g);
  const data = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < active; j++) {
      const atom = random.int(atoms);
      const a = 1 + 2 * random.next();
      for (let c = 0; c < width; c++) data[i * width + c] = (data[i * width + c] as number) + a * (directions[atom * width + c] as number);
    }
  }
  return data;
}

const zeros = (w: SaeWeights): SaeGradients => ({ bPre: new Float32Array(w.inputs), wEnc: new Float32Array(w.wEnc.length), bEnc: new Float32Array(w.features), wDec: new Float32Array(w.wDec.length) });

test('topK picks the k largest values, largest first, only among the allowed', () => {
  assert.deepEqual([...topK([0.1, 5, -2, 3, 4], 3)], [1, 4, 3]);
  assert.deepEqual([...topK([0.1, 5, -2, 3, 4], 2, (i) => i !== 1)], [4, 3]);
  assert.deepEqual([...topK([1, 2], 5)], [1, 0]);
});

test('an SAE encodes to k non-negative activations and decodes to b_pre plus their decoder columns', () => {
  const g = gaussian(createRandom(3));
  const inputs = 5, features = 12, k = 3;
  const sae = new TopKSae({ inputs, features, k, bPre: Float32Array.from({ length: inputs }, g), wEnc: Float32Array.from({ length: features * inputs }, g), bEnc: new Float32Array(features), wDec: Float32Array.from({ length: features * inputs }, g) });
  const x = Float32Array.from({ length: inputs }, g);
  const code = sae.encode(x);
  assert.equal(code.indices.length, k);
  assert.ok([...code.values].every((v) => v >= 0));
  const pre = sae.preActivations(x);
  assert.deepEqual([...code.indices], [...topK(pre, k)]);
  const decoded = sae.decode(code);
  for (let c = 0; c < inputs; c++) {
    let expected = sae.weights.bPre[c] as number;
    for (let i = 0; i < k; i++) expected += (code.values[i] as number) * (sae.weights.wDec[(code.indices[i] as number) * inputs + c] as number);
    assert.ok(Math.abs((decoded[c] as number) - expected) < 1e-5);
  }
  const back = TopKSae.fromTensors(sae.toTensors(), k);
  assert.deepEqual([...back.encode(x).indices], [...code.indices]);
});

test('the reconstruction gradient matches finite differences', () => {
  const g = gaussian(createRandom(7));
  const inputs = 6, features = 10;
  const w: SaeWeights = { inputs, features, k: 3, bPre: Float32Array.from({ length: inputs }, g), wEnc: Float32Array.from({ length: features * inputs }, g), bEnc: Float32Array.from({ length: features }, () => g() + 1), wDec: Float32Array.from({ length: features * inputs }, g) };
  const x = Float32Array.from({ length: inputs }, g);
  const loss = () => accumulateGradients(w, x, { weight: 1, auxWeight: 0, kAux: 0 }, zeros(w)).squaredError;
  const grads = zeros(w);
  accumulateGradients(w, x, { weight: 1, auxWeight: 0, kAux: 0 }, grads);
  let worst = 0;
  for (const name of ['bPre', 'wEnc', 'bEnc', 'wDec'] as const) {
    for (let i = 0; i < w[name].length; i++) {
      const old = w[name][i] as number;
      w[name][i] = old + 1e-3;
      const up = loss();
      w[name][i] = old - 1e-3;
      const down = loss();
      w[name][i] = old;
      const fd = (up - down) / 2e-3;
      worst = Math.max(worst, Math.abs(fd - (grads[name][i] as number)) / Math.max(1, Math.abs(fd)));
    }
  }
  assert.ok(worst < 5e-3, `worst relative error ${worst}`);
});

test('training explains most of the variance of sparse data, and a resumed run ends with the same weights', async () => {
  const data = memorySource(sparseData(6000, 16, 24, 2, 11), 16);
  const options = { features: 64, k: 4, lr: 3e-3, batch: 500, epochs: 10, seed: 5, chunkRows: 2000 };
  const whole = await trainSae(data, options);
  const quality = measureSae(whole.sae, data);
  assert.ok(quality.explainedVariance > 0.8, `explained variance ${quality.explainedVariance}`);

  let saved: SaeTrainState | undefined;
  const stopper = new AbortController();
  await assert.rejects(trainSae(data, options, {
    checkpointEvery: 10,
    onCheckpoint: (state) => {
      saved = structuredClone(state);
      if (state.step === 20) stopper.abort();
    },
    signal: stopper.signal,
  }), /cancelled at step 20/);
  assert.equal(saved?.step, 20);
  const resumed = await trainSae(data, options, { resume: saved });
  assert.deepEqual(resumed.sae.weights.wDec, whole.sae.weights.wDec);
  assert.deepEqual(resumed.sae.weights.bPre, whole.sae.weights.bPre);
});

test('AuxK revives features that never make the top k; without it they stay dead', async () => {
  const width = 12, features = 24, k = 2;
  const data = memorySource(sparseData(4000, width, 12, 1, 21), width);
  const fires = async (auxWeight: number) => {
    const options = { features, k, lr: 3e-3, batch: 400, epochs: 6, seed: 3, auxWeight, kAux: 12, deadAfter: 800 };
    // Half the features start with encoders a fifth as strong: they rank below the others on every
    // vector, so they never fire and the reconstruction never trains them.
    const state = initialState(data, features, k, 3);
    for (let f = features / 2; f < features; f++) {
      for (let c = 0; c < width; c++) state.weights.wEnc[f * width + c] = 0.2 * (state.weights.wEnc[f * width + c] as number);
      state.weights.bEnc[f] = -0.05;
    }
    state.sinceFired.fill(options.deadAfter);
    const { sae } = await trainSae(data, options, { resume: state });
    const measured = measureSae(sae, data).fires;
    return [...measured.subarray(features / 2)].filter((n) => n > 0).length;
  };
  const without = await fires(0);
  const withAux = await fires(1 / 32);
  assert.equal(without, 0, `without AuxK ${without} weakened features fire`);
  // Measured: 3 of the 12 (the 12 others already cover the data's 12 directions).
  assert.ok(withAux >= 2, `with AuxK ${withAux} of ${features / 2} weakened features fire`);
});
