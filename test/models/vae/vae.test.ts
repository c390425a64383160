import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import * as E from '../../../src/engine/index.ts';
import { checkGradients } from '../../../src/engine/gradcheck.ts';
import { ModelLoadError, Weights } from '../../../src/models/weights.ts';
import { AutoencoderKL, buildDecoder, parseVaeConfig, rgbToTensor, tensorToPng, tensorToRgb } from '../../../src/models/vae/index.ts';
import { relativeError } from '../support.ts';
import { randomVaeTensors, TINY_VAE_CONFIG } from './random-vae.ts';

const FIXTURE = 'test/models/fixtures/vae';

const host = (shape: number[], data: Float32Array): E.HostTensor => ({ dtype: 'float32', shape, data });

test('AutoencoderKL matches the PyTorch reference (fixtures/vae) to 1e-4 in float32', { skip: !existsSync(`${FIXTURE}/io.safetensors`) && 'fixture not generated' }, async () => {
  const config = JSON.parse(readFileSync(`${FIXTURE}/config.json`, 'utf8')) as unknown;
  const vae = AutoencoderKL.fromFiles(config, [`${FIXTURE}/diffusion_pytorch_model.safetensors`], { configSource: `${FIXTURE}/config.json` });
  const io = E.readSafetensors(`${FIXTURE}/io.safetensors`).tensors;
  const image = io.get('in.image') as E.HostTensor;
  const latent = io.get('in.latent') as E.HostTensor;
  const { mean, logvar } = vae.encode(E.input('image', image.shape));
  const decoded = vae.decode(E.input('latent', latent.shape));
  assert.deepEqual(vae.unusedWeights(), [], 'every checkpoint tensor is used');
  const program = await E.Program.compile({ mean, logvar, decoded });
  const out = await program.run({ image, latent });
  const errors = {
    mean: relativeError(out.mean as E.HostTensor, io.get('out.mean') as E.HostTensor),
    logvar: relativeError(out.logvar as E.HostTensor, io.get('out.logvar') as E.HostTensor),
    decoded: relativeError(out.decoded as E.HostTensor, io.get('out.decoded') as E.HostTensor),
  };
  console.log('vae fixture max relative errors', errors);
  for (const [name, error] of Object.entries(errors)) assert.ok(error <= 1e-4, `${name}: max relative error ${error}`);
  await program.release();
});

test('legacy attention names (query/key/value/proj_attn, 1x1 conv shapes) load to the same graph values', async () => {
  const tensors = randomVaeTensors(TINY_VAE_CONFIG, 5);
  const legacy = new Map<string, E.HostTensor>();
  const names: Record<string, string> = { to_q: 'query', to_k: 'key', to_v: 'value', 'to_out.0': 'proj_attn' };
  for (const [key, tensor] of tensors) {
    const m = /^(.*attentions\.0)\.(to_q|to_k|to_v|to_out\.0)\.(weight|bias)$/.exec(key);
    if (!m) legacy.set(key, tensor);
    else legacy.set(`${m[1]}.${names[m[2] as string]}.${m[3]}`, m[3] === 'weight' ? { ...tensor, shape: [...tensor.shape, 1, 1] } : tensor);
  }
  const run = async (t: Map<string, E.HostTensor>) => {
    const vae = AutoencoderKL.fromTensors(TINY_VAE_CONFIG, t);
    const { mean } = vae.encode(E.input('image', [1, 3, 8, 8]));
    const program = await E.Program.compile({ mean, decoded: vae.decode(E.input('latent', [1, 4, 4, 4])) });
    const random = new E.Random(9);
    const out = await program.run({ image: host([1, 3, 8, 8], random.normalArray(192)), latent: host([1, 4, 4, 4], random.normalArray(64)) });
    assert.deepEqual(vae.unusedWeights(), []);
    await program.release();
    return out;
  };
  const [a, b] = [await run(tensors), await run(legacy)];
  assert.deepEqual(Array.from(a.mean?.data as Float32Array), Array.from(b.mean?.data as Float32Array));
  assert.deepEqual(Array.from(a.decoded?.data as Float32Array), Array.from(b.decoded?.data as Float32Array));
});

test('unsupported VAE config values fail naming the file and key', () => {
  const bad = (patch: Record<string, unknown>) => () => parseVaeConfig({ ...TINY_VAE_CONFIG, ...patch }, 'models/x/vae/config.json');
  assert.throws(bad({ down_block_types: ['DownEncoderBlock2D', 'AttnDownEncoderBlock2D'] }), (e: Error) =>
    e instanceof ModelLoadError && /models\/x\/vae\/config\.json: down_block_types\[1\]: 'AttnDownEncoderBlock2D' is not supported/.test(e.message));
  assert.throws(bad({ norm_num_groups: 3 }), /vae\/config\.json: block_out_channels\[0\]: 8 channels are not divisible/);
  assert.throws(bad({ act_fn: 'mish' }), /config\.json: act_fn: 'mish' is not supported/);
  assert.throws(bad({ layers_per_block: 'two' }), /config\.json: layers_per_block: /);
  assert.throws(bad({ up_block_types: ['UpDecoderBlock2D'] }), /up_block_types: 1 blocks for 2 block_out_channels/);
  const defaults = parseVaeConfig({ block_out_channels: [32], norm_num_groups: 32 });
  assert.equal(defaults.scaling_factor, 0.18215);
  assert.equal(defaults.shift_factor, null);
  assert.equal(defaults.mid_block_add_attention, true);
  assert.equal(defaults.use_quant_conv, true);
});

test('a missing or misshapen VAE weight names the key', () => {
  const tensors = randomVaeTensors(TINY_VAE_CONFIG, 2);
  tensors.delete('decoder.up_blocks.1.resnets.0.conv1.weight');
  const vae = AutoencoderKL.fromTensors(TINY_VAE_CONFIG, tensors, { source: 'models/x/vae/diffusion_pytorch_model.safetensors' });
  assert.throws(() => vae.decode(E.input('latent', [1, 4, 2, 2])), /models\/x\/vae\/diffusion_pytorch_model\.safetensors: missing weight 'decoder\.up_blocks\.1\.resnets\.0\.conv1\.weight'/);
  const wrong = AutoencoderKL.fromTensors({ ...TINY_VAE_CONFIG, latent_channels: 8 }, randomVaeTensors(TINY_VAE_CONFIG, 2));
  assert.throws(() => wrong.encode(E.input('image', [1, 3, 8, 8])), /weight 'encoder\.conv_out\.weight' has shape \[8, 16, 3, 3\], the config needs \[16, 16, 3, 3\]/);
});

test('mid_block_add_attention false and no quant convs build without those weights', async () => {
  const config = { ...TINY_VAE_CONFIG, mid_block_add_attention: false, use_quant_conv: false, use_post_quant_conv: false };
  const tensors = randomVaeTensors({ ...TINY_VAE_CONFIG, mid_block_add_attention: false }, 3);
  tensors.delete('quant_conv.weight'); tensors.delete('quant_conv.bias'); tensors.delete('post_quant_conv.weight'); tensors.delete('post_quant_conv.bias');
  const vae = AutoencoderKL.fromTensors(config, tensors);
  const { mean, logvar } = vae.encode(E.input('image', [1, 3, 8, 8]));
  const decoded = vae.decode(E.input('latent', [1, 4, 4, 4]));
  assert.deepEqual(vae.unusedWeights(), []);
  assert.deepEqual([mean.shape, logvar.shape, decoded.shape], [[1, 4, 4, 4], [1, 4, 4, 4], [1, 3, 8, 8]]);
});

test('toLatent / fromLatent scale by scaling_factor (and shift_factor), logvar is clamped to [-30, 20]', async () => {
  const vae = AutoencoderKL.fromTensors({ ...TINY_VAE_CONFIG, shift_factor: 0.5, scaling_factor: 2 }, randomVaeTensors(TINY_VAE_CONFIG, 1));
  const mean = E.input('mean', [4]);
  const logvar = E.input('logvar', [4]);
  const noise = E.input('noise', [4]);
  const program = await E.Program.compile({ mode: vae.toLatent(mean, logvar), sample: vae.toLatent(mean, logvar, noise), back: vae.fromLatent(vae.toLatent(mean, logvar)) });
  const out = await program.run({ mean: host([4], new Float32Array([0, 1, 2, 3])), logvar: host([4], new Float32Array([0, 0, Math.log(4), 0])), noise: host([4], new Float32Array([1, 1, 1, 0])) });
  assert.deepEqual(Array.from(out.mode?.data as Float32Array), [-1, 1, 3, 5]);
  assert.deepEqual(Array.from(out.sample?.data as Float32Array), [1, 3, 7, 5]);
  assert.deepEqual(Array.from(out.back?.data as Float32Array), [0, 1, 2, 3]);
  await program.release();

  const tensors = randomVaeTensors(TINY_VAE_CONFIG, 4);
  const bias = tensors.get('quant_conv.bias') as E.HostTensor;
  (bias.data as Float32Array).set([0, 0, 0, 0, 100, -100, 0, 0]);
  const clamped = AutoencoderKL.fromTensors(TINY_VAE_CONFIG, tensors).encode(E.input('image', [1, 3, 8, 8]));
  const p2 = await E.Program.compile({ logvar: clamped.logvar });
  const lv = Array.from((await p2.run({ image: host([1, 3, 8, 8], new E.Random(1).normalArray(192)) })).logvar?.data as Float32Array);
  assert.ok(lv.slice(0, 16).every((v) => v === 20) && lv.slice(16, 32).every((v) => v === -30), 'channels pushed out of range are clamped');
  await p2.release();
});

test('float64 VJP and JVP of a tiny VAE decoder with respect to the latent match finite differences to 1e-6', async () => {
  const config = parseVaeConfig({ ...TINY_VAE_CONFIG, block_out_channels: [4, 8], norm_num_groups: 2 });
  const tensors = randomVaeTensors(config, 11);
  const report = await checkGradients((latent) => {
    const weights = new Weights(tensors, 'tiny vae', 'float64', 'vae.');
    return buildDecoder(config, weights, latent);
  }, [{ shape: [1, 4, 2, 2] }], { dtype: 'float64', seed: 3 });
  console.log('vae decoder gradient check', report);
  assert.ok(report.vjpError <= 1e-6, `VJP relative error ${report.vjpError}`);
  assert.ok(report.jvpError <= 1e-6, `JVP relative error ${report.jvpError}`);
});

test('RGB pixels convert to [-1, 1] tensors and back to identical PNG pixels', async () => {
  const width = 5;
  const height = 3;
  const pixels = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 256);
  const tensor = rgbToTensor(pixels, width, height);
  assert.deepEqual(tensor.shape, [1, 3, height, width]);
  const data = tensor.data as Float32Array;
  assert.equal(data[0], Math.fround((pixels[0] as number) / 127.5 - 1));
  assert.equal(data[width * height], Math.fround((pixels[1] as number) / 127.5 - 1), 'planar layout: channel 1 starts after H*W values');
  const back = await sharp(await tensorToPng(tensor)).raw().toBuffer();
  assert.deepEqual(new Uint8Array(back), pixels);
  assert.deepEqual(tensorToRgb(tensor).pixels, pixels);
  const rgba = new Uint8Array(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : pixels[Math.floor(i / 4) * 3 + (i % 4)]!));
  assert.deepEqual(rgbToTensor(rgba, width, height, 4).data, tensor.data, 'a fourth channel is skipped');
});
