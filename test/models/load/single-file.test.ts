import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from '../../../src/engine/index.ts';
import { convertSingleFile, loadSingleFile } from '../../../src/models/load/single-file.ts';
import { AutoencoderKL } from '../../../src/models/vae/index.ts';
import { ModelLoadError } from '../../../src/models/weights.ts';
import { relativeError } from '../support.ts';

const FIXTURE = 'test/models/fixtures/sd1-single-file';
const skip = !existsSync(`${FIXTURE}/mapping.json`) && 'fixture not generated';

function bytes(t: E.HostTensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

test('an SD-1.x single file converts key by key and value by value as mapping.json says', { skip }, () => {
  const mapping = JSON.parse(readFileSync(`${FIXTURE}/mapping.json`, 'utf8')) as Record<string, string>;
  const original = E.readSafetensors(`${FIXTURE}/model.safetensors`).tensors;
  const checkpoint = loadSingleFile(`${FIXTURE}/model.safetensors`);
  const components = { unet: checkpoint.unet, vae: checkpoint.vae, text_encoder: checkpoint.text_encoder };
  let reshaped = 0;
  for (const [from, to] of Object.entries(mapping)) {
    const [component, ...rest] = to.split('/');
    const key = rest.join('/');
    const converted = components[component as keyof typeof components].tensors.get(key);
    assert.ok(converted, `${from} -> ${to} was not produced`);
    const source = original.get(from) as E.HostTensor;
    assert.equal(converted.dtype, source.dtype, to);
    if (converted.shape.join() !== source.shape.join()) {
      // VAE attention q/k/v/proj_out: 1x1 conv [C, C, 1, 1] -> linear [C, C], same data.
      assert.match(from, /^first_stage_model\.(en|de)coder\.mid\.attn_1\.(q|k|v|proj_out)\.weight$/);
      assert.deepEqual([...source.shape], [...converted.shape, 1, 1]);
      reshaped++;
    }
    assert.ok(bytes(converted).equals(bytes(source)), `${to}: values differ from ${from}`);
  }
  assert.equal(reshaped, 8);
  const produced = Object.values(components).reduce((n, c) => n + c.tensors.size, 0);
  assert.equal(produced, Object.keys(mapping).length, 'nothing is produced beyond the mapping');
  assert.deepEqual(checkpoint.warnings, []);
  assert.deepEqual(checkpoint.ignored.sort(), [...original.keys()].filter((k) => !(k in mapping)).sort());
  assert.match(checkpoint.hash, /^[0-9a-f]{64}$/);

  // Independently of mapping.json: the converted components equal the diffusers-format fixtures they came from.
  const fixtures = { unet: 'unet-sd1/diffusion_pytorch_model.safetensors', vae: 'vae/diffusion_pytorch_model.safetensors', text_encoder: 'clip-text/model.safetensors' };
  for (const [name, file] of Object.entries(fixtures)) {
    const reference = E.readSafetensors(`test/models/fixtures/${file}`).tensors;
    const converted = components[name as keyof typeof components].tensors;
    const wanted = [...reference.keys()].filter((k) => !k.endsWith('position_ids')).sort();
    assert.deepEqual([...converted.keys()].sort(), wanted, `${name} keys`);
    for (const key of wanted) {
      const ref = reference.get(key) as E.HostTensor;
      const got = converted.get(key) as E.HostTensor;
      assert.deepEqual([...got.shape], [...ref.shape], `${name}/${key} shape`);
      assert.ok(bytes(got).equals(bytes(ref)), `${name}/${key} values`);
    }
  }
});

test('configs inferred from a shrunken SD-1.x single file equal the fixtures\' configs', { skip }, () => {
  const checkpoint = loadSingleFile(`${FIXTURE}/model.safetensors`);
  const fixture = (name: string) => JSON.parse(readFileSync(`test/models/fixtures/${name}/config.json`, 'utf8')) as Record<string, unknown>;
  const check = (inferred: Record<string, unknown>, expected: Record<string, unknown>, fields: string[]) => {
    for (const field of fields) assert.deepEqual(inferred[field], expected[field], field);
  };
  check(checkpoint.unet.config, fixture('unet-sd1'), [
    'block_out_channels', 'layers_per_block', 'down_block_types', 'up_block_types', 'cross_attention_dim', 'in_channels', 'out_channels',
    'transformer_layers_per_block', 'use_linear_projection', 'mid_block_type', 'flip_sin_to_cos', 'freq_shift', 'act_fn', 'norm_eps',
    'downsample_padding', 'mid_block_scale_factor', 'center_input_sample', 'upcast_attention',
  ]);
  check(checkpoint.vae.config, fixture('vae'), [
    'block_out_channels', 'layers_per_block', 'down_block_types', 'up_block_types', 'in_channels', 'out_channels', 'latent_channels',
    'act_fn', 'scaling_factor', 'mid_block_add_attention', 'use_quant_conv', 'use_post_quant_conv',
  ]);
  check(checkpoint.text_encoder.config, fixture('clip-text'), [
    'hidden_size', 'intermediate_size', 'num_hidden_layers', 'max_position_embeddings', 'vocab_size', 'hidden_act', 'layer_norm_eps',
  ]);
  // Not in the tensors: SD-1.x defaults unless overridden (the shrunken fixture uses other values).
  assert.equal(checkpoint.unet.config.attention_head_dim, 8);
  assert.equal(checkpoint.unet.config.norm_num_groups, 32);
  assert.equal(checkpoint.vae.config.norm_num_groups, 32);
  const overridden = loadSingleFile(`${FIXTURE}/model.safetensors`, {
    overrides: { unet: { attention_head_dim: 4, norm_num_groups: 8 }, vae: { norm_num_groups: 8 }, text_encoder: { num_attention_heads: 4 } },
  });
  check(overridden.unet.config, fixture('unet-sd1'), ['attention_head_dim', 'norm_num_groups']);
  check(overridden.vae.config, fixture('vae'), ['norm_num_groups']);
  check(overridden.text_encoder.config, fixture('clip-text'), ['num_attention_heads']);
});

test('the converted VAE reproduces the PyTorch reference outputs of fixtures/vae', { skip }, async () => {
  const checkpoint = loadSingleFile(`${FIXTURE}/model.safetensors`, { overrides: { vae: { norm_num_groups: 8, sample_size: 32 } } });
  const vae = AutoencoderKL.fromTensors(checkpoint.vae.config, checkpoint.vae.tensors);
  const io = E.readSafetensors('test/models/fixtures/vae/io.safetensors').tensors;
  const image = io.get('in.image') as E.HostTensor;
  const latent = io.get('in.latent') as E.HostTensor;
  const { mean } = vae.encode(E.input('image', image.shape));
  const program = await E.Program.compile({ mean, decoded: vae.decode(E.input('latent', latent.shape)) });
  const out = await program.run({ image, latent });
  assert.deepEqual(vae.unusedWeights(), []);
  assert.ok(relativeError(out.mean as E.HostTensor, io.get('out.mean') as E.HostTensor) <= 1e-4);
  assert.ok(relativeError(out.decoded as E.HostTensor, io.get('out.decoded') as E.HostTensor) <= 1e-4);
  await program.release();
});

test('single-file errors: pickle files, missing keys, leftovers, OpenCLIP', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-single-'));
  try {
    const ckpt = join(dir, 'model.ckpt');
    writeFileSync(ckpt, 'not really a pickle');
    assert.throws(() => loadSingleFile(ckpt), (e: Error) => e instanceof ModelLoadError && /model\.ckpt is a PyTorch pickle file.*convert it to \.safetensors/.test(e.message));
    assert.throws(() => loadSingleFile(join(dir, 'absent.safetensors')), /absent\.safetensors: missing/);

    const original = E.readSafetensors(`${FIXTURE}/model.safetensors`).tensors;
    const without = (key: string) => new Map([...original].filter(([k]) => k !== key));
    assert.throws(() => convertSingleFile(without('model.diffusion_model.output_blocks.4.1.transformer_blocks.0.attn2.to_k.weight'), 'x.safetensors'),
      (e: Error) => e instanceof ModelLoadError && /x\.safetensors: the UNet lacks 1 tensor\(s\).*'up_blocks\.1\.attentions\.1\.transformer_blocks\.0\.attn2\.to_k\.weight'/.test(e.message));
    // decoder.up is stored deepest-last: up.1 of 4 levels is diffusers' up_blocks.2.
    assert.throws(() => convertSingleFile(without('first_stage_model.decoder.up.1.upsample.conv.weight'), 'x.safetensors'),
      /the VAE lacks 1 tensor\(s\).*'decoder\.up_blocks\.2\.upsamplers\.0\.conv\.weight'/);
    assert.throws(() => convertSingleFile(without('cond_stage_model.transformer.text_model.final_layer_norm.bias'), 'x.safetensors'), /missing 'cond_stage_model\.transformer\.text_model\.final_layer_norm\.bias'/);

    const extra = new Map(original).set('model.diffusion_model.something_new.weight', original.get('alphas_cumprod') as E.HostTensor);
    assert.throws(() => convertSingleFile(new Map([...original].filter(([k]) => !k.startsWith('model.diffusion_model.'))), 'x.safetensors'), /no UNet tensors/);
    assert.deepEqual(convertSingleFile(extra, 'x.safetensors').warnings, ["unconverted tensor 'model.diffusion_model.something_new.weight'"]);

    const legacyText = new Map([...original].map(([k, v]) => [k.replace('cond_stage_model.transformer.text_model.', 'cond_stage_model.transformer.'), v]));
    const converted = convertSingleFile(legacyText, 'x.safetensors');
    assert.equal(converted.text_encoder.tensors.size, loadSingleFile(`${FIXTURE}/model.safetensors`).text_encoder.tensors.size);
    assert.ok(converted.text_encoder.tensors.has('text_model.final_layer_norm.weight'));

    const openClip = new Map([...original].filter(([k]) => !k.startsWith('cond_stage_model.')).concat([['cond_stage_model.model.token_embedding.weight', original.get('alphas_cumprod') as E.HostTensor]]));
    assert.throws(() => convertSingleFile(openClip, 'x.safetensors'), /OpenCLIP/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
