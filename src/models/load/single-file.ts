import { existsSync, statSync } from 'node:fs';
import { readSafetensors, type HostTensor } from '../../engine/index.ts';
import { ModelLoadError } from '../weights.ts';
import { fileHash, isPickleFile, pickleRefusal } from './files.ts';

/**
 * A single-file Stable Diffusion 1.x checkpoint in the original CompVis / LDM key names
 * (`model.diffusion_model.*`, `first_stage_model.*`, `cond_stage_model.transformer[.text_model].*`),
 * converted into the three diffusers components with diffusers / transformers key names and configs
 * inferred from the tensor shapes.
 */

export interface ConvertedComponent {
  /** A diffusers / transformers config.json, as the component's builder expects it. */
  config: Record<string, unknown>;
  /** Tensors by diffusers / transformers key; data is shared with the file read, not copied. */
  tensors: Map<string, HostTensor>;
}

export interface SingleFileCheckpoint {
  path: string;
  unet: ConvertedComponent;
  vae: ConvertedComponent;
  text_encoder: ConvertedComponent;
  /** The same fingerprint scheme as diffusers folders (size, header, sampled data). */
  hash: string;
  /** Original keys that were not converted and are not known to be safely ignorable. */
  warnings: string[];
  /** Known non-weight keys that were dropped (EMA copies, noise-schedule buffers, position_ids, VAE loss). */
  ignored: string[];
}

export interface SingleFileOptions {
  /**
   * Config values that cannot be read off the tensors, overriding the SD-1.x defaults: e.g.
   * `{ unet: { attention_head_dim: 8, norm_num_groups: 32, sample_size: 64 }, vae: { norm_num_groups: 32 },
   * text_encoder: { num_attention_heads: 12 } }`.
   */
  overrides?: { unet?: Record<string, unknown>; vae?: Record<string, unknown>; text_encoder?: Record<string, unknown> };
}

const UNET_PREFIX = 'model.diffusion_model.';
const VAE_PREFIX = 'first_stage_model.';
const TEXT_PREFIXES = ['cond_stage_model.transformer.text_model.', 'cond_stage_model.transformer.'];

/** Buffers of the LDM training wrapper, not weights. */
const SCHEDULE_BUFFERS = new Set([
  'betas', 'alphas_cumprod', 'alphas_cumprod_prev', 'sqrt_alphas_cumprod', 'sqrt_one_minus_alphas_cumprod',
  'log_one_minus_alphas_cumprod', 'sqrt_recip_alphas_cumprod', 'sqrt_recipm1_alphas_cumprod', 'posterior_variance',
  'posterior_log_variance_clipped', 'posterior_mean_coef1', 'posterior_mean_coef2', 'logvar', 'model_ema.decay', 'model_ema.num_updates',
]);

class Converter {
  readonly out = new Map<string, HostTensor>();
  readonly consumed = new Set<string>();

  constructor(readonly source: Map<string, HostTensor>, readonly prefix: string, readonly file: string, readonly component: string) {}

  has(key: string): boolean {
    return this.source.has(this.prefix + key);
  }

  shape(key: string): readonly number[] {
    const tensor = this.source.get(this.prefix + key);
    if (!tensor) throw new ModelLoadError(`${this.file}: missing '${this.prefix}${key}' (needed for the ${this.component})`);
    return tensor.shape;
  }

  /** Keys (without the prefix) under `sub.` */
  keys(sub = ''): string[] {
    const start = this.prefix + sub;
    return [...this.source.keys()].filter((k) => k.startsWith(start)).map((k) => k.slice(this.prefix.length));
  }

  /** Moves every tensor under original module `from` to `to` (all of its parameters), renaming sub-paths with `rename`. */
  module(from: string, to: string, rename: (rest: string) => string = (r) => r, transform?: (key: string, t: HostTensor) => HostTensor): void {
    const keys = this.keys(`${from}.`);
    if (keys.length === 0) throw new ModelLoadError(`${this.file}: missing '${this.prefix}${from}.*' (needed for the ${this.component})`);
    for (const key of keys) {
      const rest = key.slice(from.length + 1);
      const target = `${to}.${rename(rest)}`;
      const tensor = this.source.get(this.prefix + key) as HostTensor;
      if (this.out.has(target)) throw new ModelLoadError(`${this.file}: two tensors map to ${this.component} '${target}'`);
      this.out.set(target, transform ? transform(target, tensor) : tensor);
      this.consumed.add(this.prefix + key);
    }
  }

  /** Fails naming the first missing keys of `expected`. */
  require(expected: readonly string[]): void {
    const missing = expected.filter((k) => !this.out.has(k));
    if (missing.length) {
      throw new ModelLoadError(`${this.file}: the ${this.component} lacks ${missing.length} tensor(s) the inferred architecture needs, e.g. ${missing.slice(0, 5).map((k) => `'${k}'`).join(', ')}`);
    }
  }
}

function indices(keys: readonly string[], pattern: RegExp): number[] {
  const found = new Set<number>();
  for (const key of keys) {
    const m = pattern.exec(key);
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

function dim(shape: readonly number[], axis: number): number {
  return shape[axis] as number;
}

// ---------------------------------------------------------------------------------------------
// UNet

const RESNET_NAMES: Record<string, string> = {
  'in_layers.0': 'norm1',
  'in_layers.2': 'conv1',
  'emb_layers.1': 'time_emb_proj',
  'out_layers.0': 'norm2',
  'out_layers.3': 'conv2',
  skip_connection: 'conv_shortcut',
};

function renameResnet(file: string, component: string): (rest: string) => string {
  return (rest) => {
    const m = /^(in_layers\.\d+|emb_layers\.\d+|out_layers\.\d+|skip_connection)\.(weight|bias)$/.exec(rest);
    const name = m ? RESNET_NAMES[m[1] as string] : undefined;
    if (!m || !name) throw new ModelLoadError(`${file}: unexpected ResBlock tensor '${rest}' in the ${component}`);
    return `${name}.${m[2]}`;
  };
}

function resnetKeys(path: string, shortcut: boolean, time: boolean): string[] {
  const modules = ['norm1', 'conv1', 'norm2', 'conv2', ...(time ? ['time_emb_proj'] : []), ...(shortcut ? ['conv_shortcut'] : [])];
  return modules.flatMap((m) => [`${path}.${m}.weight`, `${path}.${m}.bias`]);
}

function transformerKeys(path: string, layers: number): string[] {
  const keys = [`${path}.norm.weight`, `${path}.norm.bias`, `${path}.proj_in.weight`, `${path}.proj_in.bias`, `${path}.proj_out.weight`, `${path}.proj_out.bias`];
  for (let t = 0; t < layers; t++) {
    const b = `${path}.transformer_blocks.${t}`;
    for (const n of ['norm1', 'norm2', 'norm3', 'attn1.to_out.0', 'attn2.to_out.0', 'ff.net.0.proj', 'ff.net.2']) keys.push(`${b}.${n}.weight`, `${b}.${n}.bias`);
    for (const a of ['attn1', 'attn2']) for (const p of ['to_q', 'to_k', 'to_v']) keys.push(`${b}.${a}.${p}.weight`);
  }
  return keys;
}

function convertUnet(tensors: Map<string, HostTensor>, file: string, overrides: Record<string, unknown>): { component: ConvertedComponent; consumed: Set<string> } {
  const c = new Converter(tensors, UNET_PREFIX, file, 'UNet');
  const keys = c.keys();
  if (keys.length === 0) throw new ModelLoadError(`${file}: no UNet tensors ('${UNET_PREFIX}*'); is this an SD-1.x checkpoint in the original key names?`);
  if (keys.some((k) => k.startsWith('label_emb.'))) throw new ModelLoadError(`${file}: class-conditional UNets (label_emb) are not supported`);

  const inputs = indices(keys, /^input_blocks\.(\d+)\./);
  const blockCount = (inputs[inputs.length - 1] ?? -1) + 1;
  if (inputs.length !== blockCount || blockCount < 2) throw new ModelLoadError(`${file}: UNet input_blocks are not numbered 0..${blockCount - 1}`);
  const downsamples = inputs.filter((i) => c.has(`input_blocks.${i}.0.op.weight`));
  const levels = downsamples.length + 1;
  const perLevel = (blockCount - 1 - downsamples.length) / levels;
  if (!Number.isInteger(perLevel) || perLevel < 1) {
    throw new ModelLoadError(`${file}: cannot infer the UNet layout: ${blockCount} input blocks with ${downsamples.length} downsamplers`);
  }
  const L = perLevel;
  const at = (k: number, j: number) => k * (L + 1) + 1 + j;
  downsamples.forEach((i, k) => {
    if (i !== at(k, L)) throw new ModelLoadError(`${file}: UNet downsampler at input_blocks.${i}, expected input_blocks.${at(k, L)}`);
  });

  const blockOut: number[] = [];
  const attention: boolean[] = [];
  for (let k = 0; k < levels; k++) {
    blockOut.push(dim(c.shape(`input_blocks.${at(k, 0)}.0.out_layers.3.weight`), 0));
    attention.push(c.has(`input_blocks.${at(k, 0)}.1.proj_in.weight`));
  }
  const firstAttention = keys.find((k) => /^input_blocks\.\d+\.1\.proj_in\.weight$/.test(k)) ?? (c.has('middle_block.1.proj_in.weight') ? 'middle_block.1.proj_in.weight' : undefined);
  if (!firstAttention) throw new ModelLoadError(`${file}: the UNet has no attention blocks (not an SD-1.x UNet)`);
  const attentionPath = firstAttention.slice(0, -'.proj_in.weight'.length);
  const crossDim = dim(c.shape(`${attentionPath}.transformer_blocks.0.attn2.to_k.weight`), 1);
  const transformerLayers = indices(c.keys(`${attentionPath}.transformer_blocks.`), /^.*?\.transformer_blocks\.(\d+)\./).length;
  const linearProjection = c.shape(firstAttention).length === 2;
  const outputs = indices(keys, /^output_blocks\.(\d+)\./);
  if (outputs.length !== levels * (L + 1)) throw new ModelLoadError(`${file}: ${outputs.length} UNet output_blocks, expected ${levels * (L + 1)} for ${levels} levels of ${L}`);
  const upAttention = Array.from({ length: levels }, (_, i) => c.has(`output_blocks.${i * (L + 1)}.1.proj_in.weight`));
  const hasMidAttention = c.has('middle_block.1.proj_in.weight');
  const sd2 = crossDim === 1024;

  const config: Record<string, unknown> = {
    _class_name: 'UNet2DConditionModel',
    _diffusers_version: '0.30.0',
    act_fn: 'silu',
    attention_head_dim: sd2 ? blockOut.map((ch) => ch / 64) : 8,
    block_out_channels: blockOut,
    center_input_sample: false,
    cross_attention_dim: crossDim,
    down_block_types: attention.map((a) => (a ? 'CrossAttnDownBlock2D' : 'DownBlock2D')),
    downsample_padding: 1,
    flip_sin_to_cos: true,
    freq_shift: 0,
    in_channels: dim(c.shape('input_blocks.0.0.weight'), 1),
    layers_per_block: L,
    mid_block_scale_factor: 1,
    mid_block_type: hasMidAttention ? 'UNetMidBlock2DCrossAttn' : 'UNetMidBlock2D',
    norm_eps: 1e-5,
    norm_num_groups: 32,
    out_channels: dim(c.shape('out.2.weight'), 0),
    sample_size: sd2 ? 96 : 64,
    transformer_layers_per_block: transformerLayers,
    up_block_types: upAttention.map((a) => (a ? 'CrossAttnUpBlock2D' : 'UpBlock2D')),
    upcast_attention: false,
    use_linear_projection: linearProjection,
    ...overrides,
  };

  // Mapping.
  const rn = renameResnet(file, 'UNet');
  c.module('time_embed.0', 'time_embedding.linear_1');
  c.module('time_embed.2', 'time_embedding.linear_2');
  c.module('input_blocks.0.0', 'conv_in');
  const expected: string[] = ['time_embedding.linear_1', 'time_embedding.linear_2', 'conv_in', 'conv_norm_out', 'conv_out'].flatMap((m) => [`${m}.weight`, `${m}.bias`]);
  let channels = blockOut[0] as number;
  for (let k = 0; k < levels; k++) {
    for (let j = 0; j < L; j++) {
      const i = at(k, j);
      const resnet = `down_blocks.${k}.resnets.${j}`;
      c.module(`input_blocks.${i}.0`, resnet, rn);
      expected.push(...resnetKeys(resnet, channels !== blockOut[k], true));
      channels = blockOut[k] as number;
      if (attention[k]) {
        c.module(`input_blocks.${i}.1`, `down_blocks.${k}.attentions.${j}`);
        expected.push(...transformerKeys(`down_blocks.${k}.attentions.${j}`, transformerLayers));
      } else if (c.keys(`input_blocks.${i}.1.`).length) {
        throw new ModelLoadError(`${file}: input_blocks.${i}.1 has tensors but level ${k} has no attention in input_blocks.${at(k, 0)}`);
      }
    }
    if (k < levels - 1) {
      c.module(`input_blocks.${at(k, L)}.0.op`, `down_blocks.${k}.downsamplers.0.conv`);
      expected.push(`down_blocks.${k}.downsamplers.0.conv.weight`, `down_blocks.${k}.downsamplers.0.conv.bias`);
    }
  }
  c.module('middle_block.0', 'mid_block.resnets.0', rn);
  if (hasMidAttention) c.module('middle_block.1', 'mid_block.attentions.0');
  c.module(hasMidAttention ? 'middle_block.2' : 'middle_block.1', 'mid_block.resnets.1', rn);
  expected.push(...resnetKeys('mid_block.resnets.0', false, true), ...resnetKeys('mid_block.resnets.1', false, true));
  if (hasMidAttention) expected.push(...transformerKeys('mid_block.attentions.0', transformerLayers));

  for (let i = 0; i < levels; i++) {
    for (let j = 0; j <= L; j++) {
      const o = i * (L + 1) + j;
      const resnet = `up_blocks.${i}.resnets.${j}`;
      c.module(`output_blocks.${o}.0`, resnet, rn);
      expected.push(...resnetKeys(resnet, true, true));
      let next = 1;
      if (upAttention[i]) {
        c.module(`output_blocks.${o}.1`, `up_blocks.${i}.attentions.${j}`);
        expected.push(...transformerKeys(`up_blocks.${i}.attentions.${j}`, transformerLayers));
        next = 2;
      }
      const upsampler = `output_blocks.${o}.${next}`;
      if (j === L && i < levels - 1) {
        if (!c.has(`${upsampler}.conv.weight`)) throw new ModelLoadError(`${file}: missing '${UNET_PREFIX}${upsampler}.conv.weight' (the upsampler of up_blocks.${i})`);
        c.module(`${upsampler}.conv`, `up_blocks.${i}.upsamplers.0.conv`);
        expected.push(`up_blocks.${i}.upsamplers.0.conv.weight`, `up_blocks.${i}.upsamplers.0.conv.bias`);
      }
    }
  }
  c.module('out.0', 'conv_norm_out');
  c.module('out.2', 'conv_out');
  c.require(expected);
  return { component: { config, tensors: c.out }, consumed: c.consumed };
}

// ---------------------------------------------------------------------------------------------
// VAE

function vaeResnetRename(file: string): (rest: string) => string {
  return (rest) => {
    const m = /^(norm1|conv1|norm2|conv2|nin_shortcut)\.(weight|bias)$/.exec(rest);
    if (!m) throw new ModelLoadError(`${file}: unexpected VAE ResnetBlock tensor '${rest}'`);
    return `${m[1] === 'nin_shortcut' ? 'conv_shortcut' : m[1]}.${m[2]}`;
  };
}

const VAE_ATTENTION: Record<string, string> = { norm: 'group_norm', q: 'to_q', k: 'to_k', v: 'to_v', proj_out: 'to_out.0' };

function vaeAttentionRename(file: string): (rest: string) => string {
  return (rest) => {
    const m = /^(norm|q|k|v|proj_out)\.(weight|bias)$/.exec(rest);
    if (!m) throw new ModelLoadError(`${file}: unexpected VAE attention tensor '${rest}'`);
    return `${VAE_ATTENTION[m[1] as string]}.${m[2]}`;
  };
}

/** The 1x1-conv q/k/v/proj_out weights [C, C, 1, 1] become linear weights [C, C] (same data, same order). */
function squeezeConv1x1(_key: string, tensor: HostTensor): HostTensor {
  const s = tensor.shape;
  if (s.length === 4 && s[2] === 1 && s[3] === 1) return { ...tensor, shape: [s[0] as number, s[1] as number] };
  return tensor;
}

function vaeMid(c: Converter, side: 'encoder' | 'decoder', expected: string[], file: string): boolean {
  const hasAttention = c.has(`${side}.mid.attn_1.q.weight`);
  c.module(`${side}.mid.block_1`, `${side}.mid_block.resnets.0`, vaeResnetRename(file));
  c.module(`${side}.mid.block_2`, `${side}.mid_block.resnets.1`, vaeResnetRename(file));
  expected.push(...resnetKeys(`${side}.mid_block.resnets.0`, false, false), ...resnetKeys(`${side}.mid_block.resnets.1`, false, false));
  if (hasAttention) {
    c.module(`${side}.mid.attn_1`, `${side}.mid_block.attentions.0`, vaeAttentionRename(file), (key, t) => (key.endsWith('.weight') ? squeezeConv1x1(key, t) : t));
    for (const m of ['group_norm', 'to_q', 'to_k', 'to_v', 'to_out.0']) expected.push(`${side}.mid_block.attentions.0.${m}.weight`, `${side}.mid_block.attentions.0.${m}.bias`);
  }
  return hasAttention;
}

function convertVae(tensors: Map<string, HostTensor>, file: string, overrides: Record<string, unknown>): { component: ConvertedComponent; consumed: Set<string> } {
  const c = new Converter(tensors, VAE_PREFIX, file, 'VAE');
  const keys = c.keys().filter((k) => !k.startsWith('loss.'));
  if (keys.length === 0) throw new ModelLoadError(`${file}: no VAE tensors ('${VAE_PREFIX}*')`);
  const levels = indices(keys, /^encoder\.down\.(\d+)\./);
  const n = levels.length;
  if (n === 0 || levels[n - 1] !== n - 1) throw new ModelLoadError(`${file}: VAE encoder.down.* are not numbered 0..${n - 1}`);
  const L = indices(keys, /^encoder\.down\.0\.block\.(\d+)\./).length;
  const channels = levels.map((i) => dim(c.shape(`encoder.down.${i}.block.0.conv1.weight`), 0));
  const decoderLevels = indices(keys, /^decoder\.up\.(\d+)\./);
  if (decoderLevels.length !== n) throw new ModelLoadError(`${file}: the VAE has ${n} encoder levels but ${decoderLevels.length} decoder levels`);
  const expected: string[] = [];
  const rn = vaeResnetRename(file);

  c.module('encoder.conv_in', 'encoder.conv_in');
  let cin = channels[0] as number;
  for (let i = 0; i < n; i++) {
    const cout = channels[i] as number;
    for (let j = 0; j < L; j++) {
      c.module(`encoder.down.${i}.block.${j}`, `encoder.down_blocks.${i}.resnets.${j}`, rn);
      expected.push(...resnetKeys(`encoder.down_blocks.${i}.resnets.${j}`, cin !== cout && j === 0, false));
    }
    if (i < n - 1) {
      c.module(`encoder.down.${i}.downsample.conv`, `encoder.down_blocks.${i}.downsamplers.0.conv`);
      expected.push(`encoder.down_blocks.${i}.downsamplers.0.conv.weight`, `encoder.down_blocks.${i}.downsamplers.0.conv.bias`);
    }
    cin = cout;
  }
  const midAttention = vaeMid(c, 'encoder', expected, file);
  c.module('encoder.norm_out', 'encoder.conv_norm_out');
  c.module('encoder.conv_out', 'encoder.conv_out');

  c.module('decoder.conv_in', 'decoder.conv_in');
  vaeMid(c, 'decoder', expected, file);
  const reversed = [...channels].reverse();
  cin = reversed[0] as number;
  for (let i = 0; i < n; i++) {
    const original = n - 1 - i; // decoder.up is stored deepest-last
    const cout = reversed[i] as number;
    for (let j = 0; j <= L; j++) {
      c.module(`decoder.up.${original}.block.${j}`, `decoder.up_blocks.${i}.resnets.${j}`, rn);
      expected.push(...resnetKeys(`decoder.up_blocks.${i}.resnets.${j}`, cin !== cout && j === 0, false));
    }
    if (i < n - 1) {
      c.module(`decoder.up.${original}.upsample.conv`, `decoder.up_blocks.${i}.upsamplers.0.conv`);
      expected.push(`decoder.up_blocks.${i}.upsamplers.0.conv.weight`, `decoder.up_blocks.${i}.upsamplers.0.conv.bias`);
    }
    cin = cout;
  }
  c.module('decoder.norm_out', 'decoder.conv_norm_out');
  c.module('decoder.conv_out', 'decoder.conv_out');
  const quant = c.has('quant_conv.weight');
  const postQuant = c.has('post_quant_conv.weight');
  if (quant) c.module('quant_conv', 'quant_conv');
  if (postQuant) c.module('post_quant_conv', 'post_quant_conv');
  for (const m of ['encoder.conv_in', 'encoder.conv_norm_out', 'encoder.conv_out', 'decoder.conv_in', 'decoder.conv_norm_out', 'decoder.conv_out']) {
    expected.push(`${m}.weight`, `${m}.bias`);
  }
  c.require(expected);

  const config: Record<string, unknown> = {
    _class_name: 'AutoencoderKL',
    _diffusers_version: '0.30.0',
    act_fn: 'silu',
    block_out_channels: channels,
    down_block_types: channels.map(() => 'DownEncoderBlock2D'),
    force_upcast: true,
    in_channels: dim(c.shape('encoder.conv_in.weight'), 1),
    latent_channels: dim(c.shape('decoder.conv_in.weight'), 1),
    layers_per_block: L,
    mid_block_add_attention: midAttention,
    norm_num_groups: 32,
    out_channels: dim(c.shape('decoder.conv_out.weight'), 0),
    sample_size: 512,
    scaling_factor: 0.18215,
    up_block_types: channels.map(() => 'UpDecoderBlock2D'),
    use_quant_conv: quant,
    use_post_quant_conv: postQuant,
    ...overrides,
  };
  if (dim(c.shape('encoder.conv_out.weight'), 0) !== 2 * (config.latent_channels as number)) {
    throw new ModelLoadError(`${file}: VAE encoder.conv_out has ${dim(c.shape('encoder.conv_out.weight'), 0)} channels, expected 2 x ${String(config.latent_channels)} latent channels`);
  }
  for (const key of keys.filter((k) => k.startsWith('loss.'))) c.consumed.add(VAE_PREFIX + key);
  return { component: { config, tensors: c.out }, consumed: c.consumed };
}

// ---------------------------------------------------------------------------------------------
// CLIP text encoder

function convertTextEncoder(tensors: Map<string, HostTensor>, file: string, overrides: Record<string, unknown>): { component: ConvertedComponent; consumed: Set<string> } {
  const prefix = TEXT_PREFIXES.find((p) => tensors.has(`${p}embeddings.token_embedding.weight`));
  if (!prefix) {
    const openClip = [...tensors.keys()].some((k) => k.startsWith('cond_stage_model.model.'));
    throw new ModelLoadError(openClip
      ? `${file}: the text encoder is OpenCLIP (cond_stage_model.model.*, SD 2.x), not supported in single files; use a diffusers folder`
      : `${file}: no CLIP text encoder ('${TEXT_PREFIXES[0]}embeddings.token_embedding.weight' or '${TEXT_PREFIXES[1]}embeddings.token_embedding.weight')`);
  }
  const c = new Converter(tensors, prefix, file, 'text encoder');
  const keys = c.keys();
  const layers = indices(keys, /^encoder\.layers\.(\d+)\./);
  if (layers.length === 0 || layers[layers.length - 1] !== layers.length - 1) throw new ModelLoadError(`${file}: text encoder layers are not numbered 0..${layers.length - 1}`);
  const [vocab, hidden] = c.shape('embeddings.token_embedding.weight') as [number, number];
  const positions = dim(c.shape('embeddings.position_embedding.weight'), 0);
  const intermediate = dim(c.shape('encoder.layers.0.mlp.fc1.weight'), 0);
  const expected: string[] = ['embeddings.token_embedding.weight', 'embeddings.position_embedding.weight', 'final_layer_norm.weight', 'final_layer_norm.bias'];
  for (const l of layers) {
    for (const m of ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj', 'layer_norm1', 'mlp.fc1', 'mlp.fc2', 'layer_norm2']) {
      expected.push(`encoder.layers.${l}.${m}.weight`, `encoder.layers.${l}.${m}.bias`);
    }
  }
  for (const key of expected) {
    const tensor = tensors.get(prefix + key);
    if (!tensor) throw new ModelLoadError(`${file}: missing '${prefix}${key}' (needed for the text encoder)`);
    c.out.set(`text_model.${key}`, tensor);
    c.consumed.add(prefix + key);
  }
  const positionIds = `${prefix}embeddings.position_ids`;
  const ignored = tensors.has(positionIds) ? [positionIds] : [];
  const config: Record<string, unknown> = {
    architectures: ['CLIPTextModel'],
    attention_dropout: 0,
    bos_token_id: 0,
    dropout: 0,
    eos_token_id: 2,
    hidden_act: 'quick_gelu',
    hidden_size: hidden,
    initializer_factor: 1,
    initializer_range: 0.02,
    intermediate_size: intermediate,
    layer_norm_eps: 1e-5,
    max_position_embeddings: positions,
    model_type: 'clip_text_model',
    num_attention_heads: Math.max(1, Math.round(hidden / 64)),
    num_hidden_layers: layers.length,
    pad_token_id: 1,
    projection_dim: 768,
    torch_dtype: 'float32',
    vocab_size: vocab,
    ...overrides,
  };
  for (const key of ignored) c.consumed.add(key);
  return { component: { config, tensors: c.out }, consumed: c.consumed };
}

function isIgnorable(key: string): boolean {
  return SCHEDULE_BUFFERS.has(key)
    || key.startsWith('model_ema.')
    || key.startsWith('first_stage_model.loss.')
    || /^cond_stage_model\.transformer\.(text_model\.)?embeddings\.position_ids$/.test(key);
}

/** Reads and converts a single-file SD-1.x checkpoint (.safetensors only). */
export function loadSingleFile(path: string, options: SingleFileOptions = {}): SingleFileCheckpoint {
  if (isPickleFile(path)) throw new ModelLoadError(pickleRefusal(path));
  if (!path.toLowerCase().endsWith('.safetensors')) throw new ModelLoadError(`${path}: not a .safetensors file`);
  if (!existsSync(path) || !statSync(path).isFile()) throw new ModelLoadError(`${path}: missing`);
  let tensors: Map<string, HostTensor>;
  try {
    tensors = readSafetensors(path).tensors;
  } catch (error) {
    throw new ModelLoadError(`cannot read weights ${path}: ${(error as Error).message}`);
  }
  return { ...convertSingleFile(tensors, path, options), path, hash: fileHash(path) };
}

/** Converts original-named tensors (as read from a single-file checkpoint) into diffusers components. */
export function convertSingleFile(tensors: Map<string, HostTensor>, file: string, options: SingleFileOptions = {}): Omit<SingleFileCheckpoint, 'path' | 'hash'> {
  const unet = convertUnet(tensors, file, options.overrides?.unet ?? {});
  const vae = convertVae(tensors, file, options.overrides?.vae ?? {});
  const text = convertTextEncoder(tensors, file, options.overrides?.text_encoder ?? {});
  const consumed = new Set([...unet.consumed, ...vae.consumed, ...text.consumed]);
  const warnings: string[] = [];
  const ignored: string[] = [];
  for (const key of tensors.keys()) {
    if (consumed.has(key) && !isIgnorable(key)) continue;
    if (isIgnorable(key)) ignored.push(key);
    else warnings.push(`unconverted tensor '${key}'`);
  }
  return { unet: unet.component, vae: vae.component, text_encoder: text.component, warnings, ignored };
}
