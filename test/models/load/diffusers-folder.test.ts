import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as E from '../../../src/engine/index.ts';
import { loadDiffusersFolder, readComponentTensors } from '../../../src/models/load/diffusers-folder.ts';
import { AutoencoderKL } from '../../../src/models/vae/index.ts';
import { ModelLoadError } from '../../../src/models/weights.ts';
import { randomVaeTensors, TINY_VAE_CONFIG } from '../vae/random-vae.ts';

const base = mkdtempSync(join(tmpdir(), 'retouch-folder-'));
after(() => rmSync(base, { recursive: true, force: true }));
let count = 0;

function tensor(values: number[], shape: number[]): E.HostTensor {
  return { dtype: 'float32', shape, data: new Float32Array(values) };
}

/** A minimal SD-shaped pipeline folder with random weights (contents are not a working model except the VAE). */
function makeFolder(): string {
  const root = join(base, `model-${count++}`);
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('model_index.json', JSON.stringify({
    _class_name: 'StableDiffusionPipeline',
    _diffusers_version: '0.30.0',
    feature_extractor: ['transformers', 'CLIPImageProcessor'],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: ['diffusers', 'PNDMScheduler'],
    text_encoder: ['transformers', 'CLIPTextModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ['diffusers', 'UNet2DConditionModel'],
    vae: ['diffusers', 'AutoencoderKL'],
  }, null, 2));
  write('unet/config.json', JSON.stringify({ _class_name: 'UNet2DConditionModel', block_out_channels: [8] }, null, 2));
  E.writeSafetensors(join(root, 'unet/diffusion_pytorch_model.safetensors'), { 'conv_in.weight': tensor([1, 2, 3, 4], [4]) });
  write('vae/config.json', JSON.stringify(TINY_VAE_CONFIG, null, 2));
  E.writeSafetensors(join(root, 'vae/diffusion_pytorch_model.safetensors'), Object.fromEntries(randomVaeTensors(TINY_VAE_CONFIG, 7)));
  write('text_encoder/config.json', JSON.stringify({ architectures: ['CLIPTextModel'], hidden_size: 8 }));
  E.writeSafetensors(join(root, 'text_encoder/model.safetensors'), { 'text_model.final_layer_norm.weight': tensor([1, 1], [2]) });
  write('tokenizer/vocab.json', '{"a</w>": 0}');
  write('tokenizer/merges.txt', '#version: 0.2\n');
  write('scheduler/scheduler_config.json', JSON.stringify({ _class_name: 'PNDMScheduler', num_train_timesteps: 1000, beta_schedule: 'scaled_linear' }));
  write('feature_extractor/preprocessor_config.json', '{}');
  return root;
}

function throwsLoad(root: string, pattern: RegExp): void {
  assert.throws(() => loadDiffusersFolder(root), (e: Error) => {
    assert.ok(e instanceof ModelLoadError, `${e.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('a diffusers folder is described: index, component configs, weight files, tokenizer dir, scheduler config', async () => {
  const root = makeFolder();
  const folder = loadDiffusersFolder(root);
  assert.equal(folder.className, 'StableDiffusionPipeline');
  assert.equal(folder.root, root);
  const { unet, vae, text_encoder, tokenizer, scheduler } = folder.components;
  assert.equal(unet?.kind, 'model');
  assert.equal(unet?.className, 'UNet2DConditionModel');
  assert.deepEqual(unet?.config, { _class_name: 'UNet2DConditionModel', block_out_channels: [8] });
  assert.deepEqual(unet?.weightsPaths, [join(root, 'unet/diffusion_pytorch_model.safetensors')]);
  assert.deepEqual(text_encoder?.weightsPaths, [join(root, 'text_encoder/model.safetensors')]);
  assert.equal(tokenizer?.dir, join(root, 'tokenizer'));
  assert.equal(scheduler?.config.num_train_timesteps, 1000);
  assert.equal(folder.components.safety_checker, undefined);
  assert.equal(folder.components.feature_extractor?.kind, 'other');
  assert.deepEqual(folder.warnings, []);

  // The VAE component feeds the VAE builder directly.
  const model = AutoencoderKL.fromFiles(vae?.config, vae?.weightsPaths ?? [], { configSource: vae?.configPath });
  const decoded = model.decode(E.input('latent', [1, 4, 2, 2]));
  assert.deepEqual(decoded.shape, [1, 3, 4, 4]);
});

test('the folder hash is stable, ignores mtimes and location, and changes with configs and weight values', () => {
  const root = makeFolder();
  const first = loadDiffusersFolder(root).hash;
  assert.match(first, /^[0-9a-f]{64}$/);
  assert.equal(loadDiffusersFolder(root).hash, first);
  utimesSync(join(root, 'unet/diffusion_pytorch_model.safetensors'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  assert.equal(loadDiffusersFolder(root).hash, first, 'touching a file keeps the id');
  const copy = join(base, `copy-${count++}`);
  cpSync(root, copy, { recursive: true });
  assert.equal(loadDiffusersFolder(copy).hash, first, 'a copied folder keeps the id');
  // Same shapes, different values (a fine-tune) -> different id.
  E.writeSafetensors(join(copy, 'unet/diffusion_pytorch_model.safetensors'), { 'conv_in.weight': tensor([1, 2, 3, 5], [4]) });
  const tuned = loadDiffusersFolder(copy).hash;
  assert.notEqual(tuned, first);
  writeFileSync(join(copy, 'scheduler/scheduler_config.json'), JSON.stringify({ _class_name: 'PNDMScheduler', num_train_timesteps: 999 }));
  assert.notEqual(loadDiffusersFolder(copy).hash, tuned);
});

test('folder errors name the missing or invalid file', () => {
  throwsLoad(join(base, 'nowhere'), /nowhere: missing \(expected a diffusers pipeline folder\)/);

  let root = makeFolder();
  unlinkSync(join(root, 'model_index.json'));
  throwsLoad(root, new RegExp(`${root}/model_index\\.json: missing$`));

  root = makeFolder();
  unlinkSync(join(root, 'unet/config.json'));
  throwsLoad(root, new RegExp(`^${root}/unet/config\\.json: missing$`));

  root = makeFolder();
  writeFileSync(join(root, 'vae/config.json'), '{\n  "in_channels": 3,\n  "out_channels": 3\n  "latent_channels": 4\n}');
  throwsLoad(root, new RegExp(`^${root}/vae/config\\.json is not JSON at line 4 column 3`));

  root = makeFolder();
  writeFileSync(join(root, 'model_index.json'), '');
  throwsLoad(root, /model_index\.json is not JSON \(the file is empty\)/);

  root = makeFolder();
  writeFileSync(join(root, 'model_index.json'), JSON.stringify({ unet: ['diffusers', 'UNet2DConditionModel'] }));
  throwsLoad(root, /model_index\.json: "_class_name" missing/);

  root = makeFolder();
  rmSync(join(root, 'text_encoder'), { recursive: true });
  throwsLoad(root, new RegExp(`${root}/text_encoder: missing \\(model_index\\.json lists text_encoder as transformers CLIPTextModel\\)`));

  root = makeFolder();
  unlinkSync(join(root, 'unet/diffusion_pytorch_model.safetensors'));
  writeFileSync(join(root, 'unet/diffusion_pytorch_model.bin'), 'pickle');
  throwsLoad(root, /unet\/diffusion_pytorch_model\.bin is a PyTorch pickle file.*convert it to \.safetensors/);

  root = makeFolder();
  unlinkSync(join(root, 'unet/diffusion_pytorch_model.safetensors'));
  throwsLoad(root, new RegExp(`^${root}/unet: no weights \\(looked for diffusion_pytorch_model\\.safetensors, diffusion_pytorch_model\\.safetensors\\.index\\.json, model\\.safetensors`));

  root = makeFolder();
  rmSync(join(root, 'scheduler/scheduler_config.json'));
  throwsLoad(root, /scheduler\/scheduler_config\.json: missing/);

  root = makeFolder();
  rmSync(join(root, 'tokenizer/vocab.json'));
  rmSync(join(root, 'tokenizer/merges.txt'));
  throwsLoad(root, /tokenizer: no tokenizer files/);
});

test('sharded checkpoints list their shards from the index and merge on read; a missing shard fails', () => {
  const root = makeFolder();
  const dir = join(root, 'unet');
  unlinkSync(join(dir, 'diffusion_pytorch_model.safetensors'));
  E.writeSafetensors(join(dir, 'diffusion_pytorch_model-00001-of-00002.safetensors'), { a: tensor([1], [1]), b: tensor([2], [1]) });
  E.writeSafetensors(join(dir, 'diffusion_pytorch_model-00002-of-00002.safetensors'), { c: tensor([3], [1]) });
  writeFileSync(join(dir, 'diffusion_pytorch_model.safetensors.index.json'), JSON.stringify({
    metadata: { total_size: 12 },
    weight_map: { a: 'diffusion_pytorch_model-00001-of-00002.safetensors', c: 'diffusion_pytorch_model-00002-of-00002.safetensors', b: 'diffusion_pytorch_model-00001-of-00002.safetensors' },
  }));
  const unet = loadDiffusersFolder(root).components.unet;
  assert.deepEqual(unet?.weightsPaths, [join(dir, 'diffusion_pytorch_model-00001-of-00002.safetensors'), join(dir, 'diffusion_pytorch_model-00002-of-00002.safetensors')]);
  assert.equal(unet?.weightsIndexPath, join(dir, 'diffusion_pytorch_model.safetensors.index.json'));
  const tensors = readComponentTensors(unet as NonNullable<typeof unet>);
  assert.deepEqual([...tensors.keys()].sort(), ['a', 'b', 'c']);
  unlinkSync(join(dir, 'diffusion_pytorch_model-00002-of-00002.safetensors'));
  throwsLoad(root, /diffusion_pytorch_model-00002-of-00002\.safetensors: missing \(named by .*diffusion_pytorch_model\.safetensors\.index\.json\)/);
  writeFileSync(join(dir, 'diffusion_pytorch_model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'pytorch_model-00001.bin' } }));
  throwsLoad(root, /weight_map\["a"\] names pytorch_model-00001\.bin, not a \.safetensors file/);
});

test('fp16 variants are found, preferred only when asked; optional components with problems are warnings', () => {
  const root = makeFolder();
  const unetDir = join(root, 'unet');
  const full = readFileSync(join(unetDir, 'diffusion_pytorch_model.safetensors'));
  writeFileSync(join(unetDir, 'diffusion_pytorch_model.fp16.safetensors'), full);
  assert.equal(loadDiffusersFolder(root).components.unet?.variant, null);
  const fp16 = loadDiffusersFolder(root, { variant: 'fp16' }).components.unet;
  assert.equal(fp16?.variant, 'fp16');
  assert.deepEqual(fp16?.weightsPaths, [join(unetDir, 'diffusion_pytorch_model.fp16.safetensors')]);
  unlinkSync(join(unetDir, 'diffusion_pytorch_model.safetensors'));
  assert.equal(loadDiffusersFolder(root).components.unet?.variant, 'fp16', 'falls back to the variant when it is all there is');

  const index = JSON.parse(readFileSync(join(root, 'model_index.json'), 'utf8')) as Record<string, unknown>;
  index.safety_checker = ['stable_diffusion', 'StableDiffusionSafetyChecker'];
  writeFileSync(join(root, 'model_index.json'), JSON.stringify(index));
  mkdirSync(join(root, 'safety_checker'));
  writeFileSync(join(root, 'safety_checker/config.json'), '{}');
  writeFileSync(join(root, 'safety_checker/pytorch_model.bin'), 'pickle');
  const folder = loadDiffusersFolder(root);
  assert.equal(folder.components.safety_checker?.kind, 'other');
  assert.equal(folder.warnings.length, 1);
  assert.match(folder.warnings[0] as string, /^safety_checker: .*pytorch_model\.bin is a PyTorch pickle file/);
  assert.throws(() => loadDiffusersFolder(root, { required: ['unet', 'safety_checker'] }), /pytorch_model\.bin is a PyTorch pickle file/);
});
