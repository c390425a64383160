import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { numel, Random, toFloat32, type HostTensor } from '../../../src/engine/index.ts';
import { parseUNetConfig } from '../../../src/models/unet/config.ts';
import { averageCrossAttention, crossAttentionCaptures } from '../../../src/models/unet/controls.ts';
import { CompiledUNet, type UNetStepInput } from '../../../src/models/unet/model.ts';
import { Weights } from '../../../src/models/weights.ts';
import { loadFixture } from '../support.ts';

const fixture = loadFixture('unet-sd1');
const config = parseUNetConfig(fixture.config);
const [height, width, textLength, crossDim] = [12, 12, 7, 32];

function randomTensor(shape: number[], seed: number, scale = 1): HostTensor {
  const random = new Random(seed);
  return { dtype: 'float32', shape, data: Float32Array.from({ length: numel(shape) }, () => random.normal() * scale) };
}

/** Batch of two built from per-element parts (so tests can make elements share a latent or a prompt). */
function batchOf(a: HostTensor, b: HostTensor): HostTensor {
  const data = new Float32Array(a.data.length * 2);
  data.set(a.data as Float32Array);
  data.set(b.data as Float32Array, a.data.length);
  return { dtype: 'float32', shape: [2, ...a.shape.slice(1)], data };
}

const element = (t: HostTensor, b: number): Float32Array => {
  const size = numel(t.shape) / (t.shape[0] as number);
  return toFloat32(t.dtype, t.data).subarray(b * size, (b + 1) * size);
};

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
};

const latent = (seed: number) => randomTensor([1, 4, height, width], seed);
const prompt = (seed: number) => randomTensor([1, textLength, crossDim], seed, 0.5);
const stepInput = (latents: [HostTensor, HostTensor], prompts: [HostTensor, HostTensor]): UNetStepInput => ({
  sample: batchOf(...latents),
  timestep: { dtype: 'float32', shape: [2], data: Float32Array.from([500, 500]) },
  encoderHiddenStates: batchOf(...prompts),
});

describe('UNet hook points', () => {
  let unet: CompiledUNet;
  const distinct = stepInput([latent(1), latent(2)], [prompt(3), prompt(4)]);

  before(async () => {
    const weights = Weights.fromFile(join(fixture.dir, 'diffusion_pytorch_model.safetensors'));
    unet = await CompiledUNet.compile(config, weights, { batch: 2, height, width, textLength, hooks: true, selfMapTokens: 1024 }, { threads: 1 });
  });
  after(() => unet.release());
  const midSize = () => unet.layout.mid!.channels * unet.layout.mid!.height * unet.layout.mid!.width;

  it('names its layers by diffusers module path, in forward order, with their resolution', () => {
    const self = unet.layout.selfAttention;
    assert.equal(self.length, 11); // 2 cross-attention down blocks x 2 layers, 1 mid, 2 cross-attention up blocks x 3 layers
    assert.equal(self[0]?.path, 'down_blocks.0.attentions.0.transformer_blocks.0.attn1');
    assert.equal(self[0]?.tokens, 144);
    assert.equal(unet.layout.crossAttention.at(-1)?.path, 'up_blocks.2.attentions.2.transformer_blocks.0.attn2');
    assert.deepEqual(unet.layout.mid && [unet.layout.mid.height, unet.layout.mid.width, unet.layout.mid.channels], [3, 3, config.blockOutChannels.at(-1)]);
  });

  it('captured attention maps are distributions: every row sums to 1', async () => {
    const names = [...unet.layout.selfAttention, ...unet.layout.crossAttention].map((site) => `capture.${site.path}.probs`);
    const { captures } = await unet.step(distinct, { capture: names });
    for (const name of names) {
      const map = captures[name]!;
      const keys = map.shape[2] as number;
      const data = toFloat32(map.dtype, map.data);
      for (let row = 0; row < data.length / keys; row++) {
        let sum = 0;
        for (let k = 0; k < keys; k++) sum += data[row * keys + k] as number;
        assert.ok(Math.abs(sum - 1) < 1e-5, `${name} row ${row} sums to ${sum}`);
      }
    }
  });

  it('averages cross-attention maps per resolution over every layer there', async () => {
    const names = crossAttentionCaptures(unet.layout, height, width);
    assert.equal(names.length, 5); // 2 in down_blocks.0, 3 in up_blocks.2
    const { captures } = await unet.step(distinct, { capture: names });
    const average = averageCrossAttention(captures, unet.layout, { height, width });
    assert.deepEqual(average.shape, [2, height * width, textLength]);
    const data = average.data as Float32Array;
    const expected = names.reduce((sum, name) => sum + (toFloat32('float32', captures[name]!.data)[17] as number), 0) / names.length;
    assert.ok(Math.abs((data[17] as number) - expected) < 1e-7);
    let row = 0;
    for (let k = 0; k < textLength; k++) row += data[5 * textLength + k] as number;
    assert.ok(Math.abs(row - 1) < 1e-5);
    assert.throws(() => averageCrossAttention({}, unet.layout, { height, width }), /was not fetched/);
  });

  it('neutral controls and zero deltas change nothing, bit for bit', async () => {
    const plain = await unet.step(distinct);
    const block = unet.layout.transformers[2]!;
    const controls = unet.controls()
      .addMidDelta(0, new Float32Array(midSize()))
      .addTransformerDelta(block.path, 1, new Float32Array(block.channels * block.height * block.width));
    const zeroDelta = await unet.step(distinct, { controls });
    assert.deepEqual(zeroDelta.sample.data, plain.sample.data);
  });

  it('a mid-block delta moves only its own batch element', async () => {
    const plain = await unet.step(distinct);
    const delta = randomTensor([midSize()], 9).data as Float32Array;
    const moved = await unet.step(distinct, { controls: unet.controls().addMidDelta(0, delta) });
    assert.ok(maxDifference(element(moved.sample, 0), element(plain.sample, 0)) > 1e-3);
    assert.deepEqual(element(moved.sample, 1), element(plain.sample, 1));
  });

  it('shareAttentionMaps: the target element gets the source element\'s self-attention map in every layer', async () => {
    const names = unet.layout.selfAttention.map((site) => `capture.${site.path}.probs`);
    const before = await unet.step(distinct, { capture: names });
    assert.ok(maxDifference(element(before.captures[names[0]!]!, 0), element(before.captures[names[0]!]!, 1)) > 1e-3);
    const shared = await unet.step(distinct, { capture: names, controls: unet.controls().shareAttentionMaps({ from: 0, to: 1 }) });
    for (const name of names) {
      const map = shared.captures[name]!;
      assert.ok(maxDifference(element(map, 0), element(map, 1)) < 1e-6, name);
    }
    // The source branch is untouched.
    assert.deepEqual(element(shared.sample, 0), element(before.sample, 0));
  });

  it('attendTo: the target keeps its queries and attends to the source\'s keys (MasaCtrl)', async () => {
    const site = unet.layout.selfAttention[0]!;
    const capture = ['q', 'k', 'probs'].map((what) => `capture.${site.path}.${what}`);
    const controls = unet.controls().attendTo({ layers: { paths: [site.path] }, from: 0, to: 1 });
    const { captures } = await unet.step(distinct, { capture, controls });
    const [q, k, probs] = capture.map((name) => captures[name]!) as [HostTensor, HostTensor, HostTensor];
    // softmax(q_1 k_0^T / sqrt(d)) per head, averaged over heads, computed here on the host.
    const tokens = site.tokens;
    const inner = q.shape[2] as number;
    const d = inner / site.heads;
    const q1 = element(q, 1);
    const k0 = element(k, 0);
    const expected = new Float32Array(tokens * tokens);
    for (let h = 0; h < site.heads; h++) {
      for (let i = 0; i < tokens; i++) {
        const logits = Array.from({ length: tokens }, (_, j) => {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += (q1[i * inner + h * d + c] as number) * (k0[j * inner + h * d + c] as number);
          return dot / Math.sqrt(d);
        });
        const top = Math.max(...logits);
        const exps = logits.map((l) => Math.exp(l - top));
        const total = exps.reduce((a, b) => a + b, 0);
        exps.forEach((e, j) => (expected[i * tokens + j] = (expected[i * tokens + j] as number) + e / total / site.heads));
      }
    }
    assert.ok(maxDifference(element(probs, 1), expected) < 1e-5);
  });

  it('replaceCrossAttention and scaleTokens edit the maps as stated', async () => {
    const site = unet.layout.crossAttention[0]!;
    const names = ['probs', 'edited'].map((what) => `capture.${site.path}.${what}`);
    // Swap tokens 2 and 3 through the alignment, replace fully, then double token 4.
    const align = new Float32Array(textLength * textLength);
    const map = [0, 1, 3, 2, 4, 5, 6];
    map.forEach((source, target) => (align[source * textLength + target] = 1));
    const scales = [1, 1, 1, 1, 2, 1, 1];
    const controls = unet.controls()
      .replaceCrossAttention({ layers: { paths: [site.path] }, from: 0, to: 1, align })
      .scaleTokens({ layers: { paths: [site.path] }, element: 1, scales });
    const { captures } = await unet.step(distinct, { capture: names, controls });
    const probs0 = element(captures[names[0]!]!, 0);
    const edited1 = element(captures[names[1]!]!, 1);
    for (let i = 0; i < site.tokens; i++) {
      for (let n = 0; n < textLength; n++) {
        const expected = (probs0[i * textLength + (map[n] as number)] as number) * (scales[n] as number);
        assert.ok(Math.abs((edited1[i * textLength + n] as number) - expected) < 1e-6);
      }
    }
    // Element 0 is left as it was.
    assert.deepEqual(element(captures[names[1]!]!, 0), probs0);
  });

  it('biasCrossAttention adds to the logits: a large negative bias empties a token column', async () => {
    const site = unet.layout.crossAttention[0]!;
    const name = `capture.${site.path}.probs`;
    const bias = new Float32Array(site.tokens * textLength);
    for (let i = 0; i < site.tokens; i++) bias[i * textLength + 2] = -1e4;
    const controls = unet.controls().biasCrossAttention({ layers: { paths: [site.path] }, element: 0, bias: () => bias });
    const { captures } = await unet.step(distinct, { capture: [name], controls });
    const map = element(captures[name]!, 0);
    for (let i = 0; i < site.tokens; i++) assert.ok((map[i * textLength + 2] as number) < 1e-8);
    const untouched = element(captures[name]!, 1);
    assert.ok((untouched[2] as number) > 1e-4);
  });

  it('injectFeatures: with the same prompt, taking the last resnet\'s features makes the outputs equal', async () => {
    const samePrompt = stepInput([latent(1), latent(2)], [prompt(3), prompt(3)]);
    const last = unet.layout.resnets.at(-1)!;
    assert.equal(last.path, 'up_blocks.2.resnets.2');
    const before = await unet.step(samePrompt);
    assert.ok(maxDifference(element(before.sample, 0), element(before.sample, 1)) > 1e-3);
    const injected = await unet.step(samePrompt, { controls: unet.controls().injectFeatures({ layers: { paths: [last.path] }, from: 0, to: 1 }) });
    assert.ok(maxDifference(element(injected.sample, 0), element(injected.sample, 1)) < 1e-5);
  });

  it('captures a transformer module\'s residual delta, and a delta added there moves that element', async () => {
    const path = 'down_blocks.1.attentions.0';
    const site = unet.layout.transformers.find((t) => t.path === path)!;
    const { captures, sample } = await unet.step(distinct, { capture: [`capture.${path}.delta`] });
    assert.deepEqual(captures[`capture.${path}.delta`]?.shape, [2, site.channels, site.height, site.width]);
    // Subtracting the block's own delta for element 1 is the same as skipping the block's update.
    const own = element(captures[`capture.${path}.delta`]!, 1);
    const skipped = await unet.step(distinct, { controls: unet.controls().addTransformerDelta(path, 1, own.map((v) => -v)) });
    assert.ok(maxDifference(element(skipped.sample, 1), element(sample, 1)) > 1e-4);
    assert.deepEqual(element(skipped.sample, 0), element(sample, 0));
  });

  it('refuses controls that the graph does not have, naming them', () => {
    assert.throws(() => unet.controls().addTransformerDelta('down_blocks.9.attentions.0', 0, []), /no control 'hook\.down_blocks\.9\.attentions\.0\.delta'/);
    assert.throws(() => unet.controls().shareAttentionMaps({ from: 0, to: 2 }), /outside a batch of 2/);
  });
});
