import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from '../../../src/engine/index.ts';
import { buildClipText, clipConfigSchema, clipTextConfigSchema, loadClipModel, loadClipText, parseConfig, readClipTextConfig } from '../../../src/models/clip/index.ts';
import { ModelLoadError, Weights } from '../../../src/models/weights.ts';
import { relativeError } from '../support.ts';
import { FIXTURES, need, readIo, tinyClipWeights } from './helpers.ts';

const TOLERANCE = 1e-4;

for (const fixture of ['clip-text', 'clip-text-gelu']) {
  test(`${fixture}: every output matches the PyTorch reference to ${TOLERANCE} (max error / max |reference|)`, async () => {
    const dir = join(FIXTURES, fixture);
    const config = readClipTextConfig(dir);
    const io = readIo(fixture);
    const ids = need(io, 'in.input_ids');
    const [batch, length] = ids.shape as [number, number];
    const weights = Weights.fromFile(join(dir, 'model.safetensors'));
    const out = buildClipText(weights, config, { batch, length });
    const outputs: Record<string, E.Tensor> = { last_hidden_state: out.lastHiddenState, pooler_output: out.poolerOutput };
    out.hiddenStates.forEach((h, i) => (outputs[`hidden_states.${i}`] = h));
    assert.deepEqual(weights.unused(), []);
    const result = await E.evaluate(outputs, { input_ids: ids });
    const errors: Record<string, number> = {};
    for (const name of Object.keys(outputs)) {
      const expected = need(io, `out.${name}`);
      const actual = result[name] as E.HostTensor;
      assert.deepEqual(actual.shape, expected.shape, name);
      errors[name] = relativeError(actual, expected);
    }
    console.log(`${fixture} max relative errors: ${JSON.stringify(errors)}`);
    for (const [name, error] of Object.entries(errors)) assert.ok(error <= TOLERANCE, `${name}: ${error}`);
  });
}

test('pooling follows transformers: first eos_token_id position, or argmax of ids for legacy eos_token_id 2', async () => {
  // Row 0 pads with <|endoftext|> (SD-1.x), row 1 with "!" id 0 (SD-2.x), row 2 has the eos mid-row
  // followed by larger ids, row 3 has no eos at all (position 0, as torch's argmax of all-false).
  const length = 6;
  const rows = [
    [5, 1, 2, 9, 9, 9],
    [5, 1, 9, 0, 0, 0],
    [5, 9, 7, 8, 9, 9],
    [5, 1, 2, 3, 4, 0],
  ];
  const ids: E.HostTensor = { dtype: 'int64', shape: [rows.length, length], data: BigInt64Array.from(rows.flat(), BigInt) };
  const weights = tinyClipWeights({ hidden: 8, intermediate: 16, layers: 1, vocab: 10, positions: length }, 'float32');
  const pooled = async (eos: number) => {
    const config = clipTextConfigSchema.parse({ vocab_size: 10, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: length, eos_token_id: eos });
    const out = buildClipText(weights, config, { batch: rows.length, length });
    const r = await E.evaluate({ last: out.lastHiddenState, pooled: out.poolerOutput }, { input_ids: ids });
    const last = r.last?.data as Float32Array;
    const got = r.pooled?.data as Float32Array;
    // Which position of each row the pooled vector was taken from.
    return rows.map((_, b) => {
      const match = [...Array(length).keys()].filter((p) => [...Array(8).keys()].every((k) => last[(b * length + p) * 8 + k] === got[b * 8 + k]));
      return match[0];
    });
  };
  assert.deepEqual(await pooled(9), [3, 2, 1, 0]);
  assert.deepEqual(await pooled(2), [3, 2, 1, 0]); // argmax: the first largest id (row 3: 5 at position 0)
});

test('clipSkip gives the final-normed output of an earlier layer; inputs_embeds mode equals the ids mode', async () => {
  const config = readClipTextConfig(join(FIXTURES, 'clip-text'));
  const io = readIo('clip-text');
  const ids = need(io, 'in.input_ids');
  const [batch, length] = ids.shape as [number, number];
  const weights = Weights.fromFile(join(FIXTURES, 'clip-text', 'model.safetensors'));
  const byIds = buildClipText(weights, config, { batch, length, clipSkip: 1 });
  const penultimate = E.layerNorm(byIds.hiddenStates[config.num_hidden_layers - 1] as E.Tensor, weights.get('text_model.final_layer_norm.weight'), weights.get('text_model.final_layer_norm.bias'), config.layer_norm_eps);
  const byEmbeds = buildClipText(weights, config, { batch, length, inputs: 'embeds', tensors: { inputIds: byIds.inputIds } });
  const table = weights.host('text_model.embeddings.token_embedding.weight');
  const hidden = config.hidden_size;
  const embeds = new Float32Array(batch * length * hidden);
  Array.from(ids.data as BigInt64Array, Number).forEach((id, i) => embeds.set((table.data as Float32Array).subarray(id * hidden, (id + 1) * hidden), i * hidden));
  const r = await E.evaluate(
    { skip: byIds.promptEmbeds, penultimate, last: byEmbeds.lastHiddenState, pooled: byEmbeds.poolerOutput },
    { input_ids: ids, inputs_embeds: { dtype: 'float32', shape: [batch, length, hidden], data: embeds } },
  );
  assert.ok(relativeError(r.skip as E.HostTensor, r.penultimate as E.HostTensor) === 0);
  assert.ok(relativeError(r.last as E.HostTensor, need(io, 'out.last_hidden_state')) <= TOLERANCE);
  assert.ok(relativeError(r.pooled as E.HostTensor, need(io, 'out.pooler_output')) <= TOLERANCE);
  // Without the pooled output the compiled graph has no input_ids input.
  const program = await E.Program.compile({ last: byEmbeds.lastHiddenState });
  assert.deepEqual(program.inputs.map((i) => i.name), ['inputs_embeds']);
  await program.release();
});

test('an attention_mask input masks padded keys', async () => {
  const length = 5;
  const config = clipTextConfigSchema.parse({ vocab_size: 10, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: length, eos_token_id: 9 });
  const weights = tinyClipWeights({ hidden: 8, intermediate: 16, layers: 2, vocab: 10, positions: length }, 'float32');
  const out = buildClipText(weights, config, { batch: 2, length, attentionMask: true });
  // The rows differ only at position 1, which the mask hides from every other position.
  const ids: E.HostTensor = { dtype: 'int64', shape: [2, length], data: BigInt64Array.from([5, 1, 9, 3, 4, 5, 7, 9, 3, 4], BigInt) };
  const mask: E.HostTensor = { dtype: 'int64', shape: [2, length], data: BigInt64Array.from([1, 0, 1, 1, 1, 1, 0, 1, 1, 1], BigInt) };
  const ones: E.HostTensor = { ...mask, data: new BigInt64Array(2 * length).fill(1n) };
  const program = await E.Program.compile({ h: out.lastHiddenState });
  const differences = async (m: E.HostTensor) => {
    const h = (await program.run({ input_ids: ids, attention_mask: m })).h?.data as Float32Array;
    return [...Array(length).keys()].map((p) => Math.max(...[...Array(8).keys()].map((k) => Math.abs((h[p * 8 + k] as number) - (h[(length + p) * 8 + k] as number)))));
  };
  const masked = await differences(mask);
  const unmasked = await differences(ones);
  await program.release();
  for (const p of [0, 2, 3, 4]) assert.ok((masked[p] as number) < 1e-6, `position ${p} differs by ${masked[p]} with the mask`);
  assert.ok((masked[1] as number) > 1e-3);
  for (const p of [1, 2, 3, 4]) assert.ok((unmasked[p] as number) > 1e-3, `position ${p} should differ without the mask`);
});

test('float64 gradients w.r.t. input embeddings match finite differences', async () => {
  const length = 4;
  const hidden = 8;
  const config = clipTextConfigSchema.parse({ vocab_size: 10, hidden_size: hidden, intermediate_size: 12, num_hidden_layers: 2, num_attention_heads: 2, max_position_embeddings: length, eos_token_id: 9, hidden_act: 'gelu' });
  const weights = tinyClipWeights({ hidden, intermediate: 12, layers: 2, vocab: 10, positions: length, projection: 6 }, 'float64');
  const ids = E.constant([5, 1, 9, 9, 5, 9, 0, 0], [2, length], 'int64');
  const report = await E.checkGradients(
    (embeds) => {
      const out = buildClipText(weights, config, { batch: 2, length, tensors: { inputsEmbeds: embeds as E.Tensor, inputIds: ids } });
      // One output covering every token's state, the pooled vector and the projection.
      return E.concat([E.reshape(out.lastHiddenState, [2, -1]), out.poolerOutput, out.textEmbeds as E.Tensor], 1);
    },
    [{ shape: [2, length, hidden] }],
    { dtype: 'float64', seed: 5 },
  );
  console.log(`text tower w.r.t. inputs_embeds: VJP error ${report.vjpError}, JVP error ${report.jvpError}`);
  assert.ok(report.vjpError <= 1e-6, `VJP relative error ${report.vjpError}`);
  assert.ok(report.jvpError <= 1e-6, `JVP relative error ${report.jvpError}`);
});


test('configs are validated; loaders find the weights; a wrong weight shape names the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clip-config-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ hidden_size: 'wide', num_hidden_layers: 2 }));
    assert.throws(() => loadClipText(dir), (e: unknown) => e instanceof ModelLoadError && /config\.json.*hidden_size/.test(e.message));
    writeFileSync(join(dir, 'config.json'), '{');
    assert.throws(() => loadClipText(dir), (e: unknown) => e instanceof ModelLoadError && /config\.json/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The text config nested in a CLIPModel config; defaults for what a config leaves out.
  const { config, weights } = loadClipText(join(FIXTURES, 'clip'));
  assert.equal(config.eos_token_id, 99);
  assert.equal(weights.has('text_projection.weight'), true);
  assert.equal(loadClipModel(join(FIXTURES, 'clip')).config.vision_config.patch_size, 8);
  assert.equal(parseConfig({}, clipConfigSchema, 'x').text_config.eos_token_id, 49407);
  const wrong = clipTextConfigSchema.parse({ ...config, hidden_size: 16 });
  assert.throws(() => buildClipText(weights, wrong, { batch: 1 }), (e: unknown) => e instanceof ModelLoadError && /token_embedding\.weight/.test(e.message));
});
