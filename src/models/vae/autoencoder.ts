import * as E from '../../engine/index.ts';
import { activation, conv2d, groupNorm, linear } from '../layers.ts';
import { ModelLoadError, Weights } from '../weights.ts';
import { parseVaeConfig, vaeScaleFactor, type VaeConfig } from './config.ts';

/** diffusers' AutoencoderKL blocks use GroupNorm eps 1e-6 everywhere. */
const EPS = 1e-6;

const LEGACY_ATTENTION = new Map([
  ['query', 'to_q'],
  ['key', 'to_k'],
  ['value', 'to_v'],
  ['proj_attn', 'to_out.0'],
]);

/**
 * Renames the legacy attention names of old diffusers VAE checkpoints
 * (`mid_block.attentions.0.query|key|value|proj_attn`) to `to_q|to_k|to_v|to_out.0`, and reshapes
 * attention projections stored as 1x1 convolutions [C, C, 1, 1] to linear weights [C, C].
 */
export function normalizeVaeTensors(tensors: ReadonlyMap<string, E.HostTensor>): Map<string, E.HostTensor> {
  const out = new Map<string, E.HostTensor>();
  for (const [key, tensor] of tensors) {
    const match = /^(.*\.attentions\.\d+)\.(query|key|value|proj_attn|to_q|to_k|to_v|to_out\.0)\.(weight|bias)$/.exec(key);
    if (!match) {
      out.set(key, tensor);
      continue;
    }
    const [, prefix, name, kind] = match as unknown as [string, string, string, string];
    const renamed = `${prefix}.${LEGACY_ATTENTION.get(name) ?? name}.${kind}`;
    const shape = tensor.shape;
    const asLinear = kind === 'weight' && shape.length === 4 && shape[2] === 1 && shape[3] === 1
      ? { ...tensor, shape: [shape[0] as number, shape[1] as number] }
      : tensor;
    if (out.has(renamed) || (renamed !== key && tensors.has(renamed))) {
      throw new ModelLoadError(`VAE weights hold both '${key}' and '${renamed}'`);
    }
    out.set(renamed, asLinear);
  }
  return out;
}

function conv(w: Weights, x: E.Tensor, cin: number, cout: number, kernel: number, options: E.Conv2dOptions = {}): E.Tensor {
  w.get('weight', [cout, cin, kernel, kernel]);
  if (w.has('bias')) w.get('bias', [cout]);
  return conv2d(w, x, options);
}

function norm(w: Weights, x: E.Tensor, channels: number, groups: number): E.Tensor {
  w.get('weight', [channels]);
  w.get('bias', [channels]);
  return groupNorm(w, x, groups, EPS);
}

/** diffusers ResnetBlock2D without a time embedding (output_scale_factor 1, dropout is the identity). */
function resnet(w: Weights, x: E.Tensor, cin: number, cout: number, config: VaeConfig): E.Tensor {
  return E.scope('resnet', () => {
    const groups = config.norm_num_groups;
    let h = activation(config.act_fn, norm(w.at('norm1'), x, cin, groups));
    h = conv(w.at('conv1'), h, cin, cout, 3, { padding: 1 });
    h = activation(config.act_fn, norm(w.at('norm2'), h, cout, groups));
    h = conv(w.at('conv2'), h, cout, cout, 3, { padding: 1 });
    const skip = cin !== cout ? conv(w.at('conv_shortcut'), x, cin, cout, 1) : x;
    return E.add(skip, h);
  });
}

function projection(w: Weights, x: E.Tensor, channels: number): E.Tensor {
  w.get('weight', [channels, channels]);
  if (w.has('bias')) w.get('bias', [channels]);
  return linear(w, x);
}

/**
 * The mid-block attention: GroupNorm, q/k/v projections over the H*W positions, one head of all
 * channels (diffusers: heads = channels / attention_head_dim with attention_head_dim = channels),
 * softmax(q k^T / sqrt(C)) v, output projection, residual.
 */
function attention(w: Weights, x: E.Tensor, channels: number, config: VaeConfig): E.Tensor {
  return E.scope('attention', () => {
    const [b, c, h, wd] = x.shape as [number, number, number, number];
    const normed = norm(w.at('group_norm'), x, channels, config.norm_num_groups);
    const tokens = E.transpose(E.reshape(normed, [b, c, h * wd]), [0, 2, 1]);
    const q = projection(w.at('to_q'), tokens, c);
    const k = projection(w.at('to_k'), tokens, c);
    const v = projection(w.at('to_v'), tokens, c);
    const attended = E.multiHeadAttention(q, k, v, 1, 1 / Math.sqrt(c));
    const out = projection(w.at('to_out.0'), attended, c);
    return E.add(E.reshape(E.transpose(out, [0, 2, 1]), [b, c, h, wd]), x);
  });
}

function midBlock(w: Weights, x: E.Tensor, channels: number, config: VaeConfig): E.Tensor {
  return E.scope('mid_block', () => {
    let h = resnet(w.at('resnets.0'), x, channels, channels, config);
    if (config.mid_block_add_attention) h = attention(w.at('attentions.0'), h, channels, config);
    return resnet(w.at('resnets.1'), h, channels, channels, config);
  });
}

function checkInput(what: string, x: E.Tensor, channels: number): void {
  if (x.rank !== 4 || x.shape[1] !== channels) {
    throw new E.GraphError(`vae ${what}: needs [batch, ${channels}, height, width], got ${E.formatShape(x.shape)}`);
  }
}

/** The encoder moments of an image: mean and log-variance (clamped to [-30, 20]) of the latent Gaussian. */
export interface LatentDistribution {
  mean: E.Tensor;
  logvar: E.Tensor;
}

/** Encoder + quant_conv: image [B, in_channels, H, W] in [-1, 1] -> moments at H/8, W/8 (for 4 levels). */
export function buildEncoder(config: VaeConfig, weights: Weights, image: E.Tensor): LatentDistribution {
  checkInput('encode', image, config.in_channels);
  const x = image.dtype === weights.dtype ? image : E.cast(image, weights.dtype);
  return E.scope('vae_encoder', () => {
    const w = weights.at('encoder');
    const channels = config.block_out_channels;
    const levels = channels.length;
    const first = channels[0] as number;
    const last = channels[levels - 1] as number;
    let h = conv(w.at('conv_in'), x, config.in_channels, first, 3, { padding: 1 });
    let cin = first;
    for (let i = 0; i < levels; i++) {
      const cout = channels[i] as number;
      const block = w.at(`down_blocks.${i}`);
      h = E.scope(`down.${i}`, () => {
        let y = h;
        for (let j = 0; j < config.layers_per_block; j++) y = resnet(block.at(`resnets.${j}`), y, j === 0 ? cin : cout, cout, config);
        // diffusers Downsample2D with padding 0: pad right and bottom by one, 3x3 stride-2 conv.
        if (i < levels - 1) y = conv(block.at('downsamplers.0.conv'), y, cout, cout, 3, { stride: 2, padding: [0, 0, 1, 1] });
        return y;
      });
      cin = cout;
    }
    h = midBlock(w.at('mid_block'), h, last, config);
    h = activation(config.act_fn, norm(w.at('conv_norm_out'), h, last, config.norm_num_groups));
    const moments = 2 * config.latent_channels;
    h = conv(w.at('conv_out'), h, last, moments, 3, { padding: 1 });
    if (config.use_quant_conv) h = conv(weights.at('quant_conv'), h, moments, moments, 1);
    const [mean, rawLogvar] = E.split(h, 1, [config.latent_channels, config.latent_channels]) as [E.Tensor, E.Tensor];
    return { mean, logvar: clamp(rawLogvar, -30, 20) };
  });
}

/** post_quant_conv + decoder: latent [B, latent_channels, h, w] (unscaled) -> image [B, out_channels, 8h, 8w] in about [-1, 1]. */
export function buildDecoder(config: VaeConfig, weights: Weights, latent: E.Tensor): E.Tensor {
  checkInput('decode', latent, config.latent_channels);
  let z = latent.dtype === weights.dtype ? latent : E.cast(latent, weights.dtype);
  return E.scope('vae_decoder', () => {
    const lc = config.latent_channels;
    if (config.use_post_quant_conv) z = conv(weights.at('post_quant_conv'), z, lc, lc, 1);
    const w = weights.at('decoder');
    const reversed = [...config.block_out_channels].reverse();
    const levels = reversed.length;
    let cin = reversed[0] as number;
    let h = conv(w.at('conv_in'), z, lc, cin, 3, { padding: 1 });
    h = midBlock(w.at('mid_block'), h, cin, config);
    for (let i = 0; i < levels; i++) {
      const cout = reversed[i] as number;
      const block = w.at(`up_blocks.${i}`);
      h = E.scope(`up.${i}`, () => {
        let y = h;
        for (let j = 0; j <= config.layers_per_block; j++) y = resnet(block.at(`resnets.${j}`), y, j === 0 ? cin : cout, cout, config);
        if (i < levels - 1) y = conv(block.at('upsamplers.0.conv'), E.upsampleNearest2d(y, 2), cout, cout, 3, { padding: 1 });
        return y;
      });
      cin = cout;
    }
    const first = reversed[levels - 1] as number;
    h = activation(config.act_fn, norm(w.at('conv_norm_out'), h, first, config.norm_num_groups));
    return conv(w.at('conv_out'), h, first, config.out_channels, 3, { padding: 1 });
  });
}

function clamp(x: E.Tensor, low: number, high: number): E.Tensor {
  return E.where(E.less(x, low), low, E.where(E.greater(x, high), high, x));
}

/**
 * A sample of the latent Gaussian (mean when `noise` is absent: the deterministic "mode"),
 * shifted by shift_factor and multiplied by scaling_factor: the UNet's latent space.
 */
export function toLatent(config: VaeConfig, mean: E.Tensor, logvar: E.Tensor, noise?: E.Tensor): E.Tensor {
  let z = noise ? E.add(mean, E.mul(E.exp(E.mul(logvar, 0.5)), noise)) : mean;
  if (config.shift_factor !== null) z = E.sub(z, config.shift_factor);
  return E.mul(z, config.scaling_factor);
}

/** The inverse of toLatent's scaling: UNet latent -> the decoder's input. */
export function fromLatent(config: VaeConfig, latent: E.Tensor): E.Tensor {
  const z = E.div(latent, config.scaling_factor);
  return config.shift_factor !== null ? E.add(z, config.shift_factor) : z;
}

/** An AutoencoderKL: config plus weights (diffusers key names), building encoder and decoder graphs. */
export class AutoencoderKL {
  constructor(readonly config: VaeConfig, readonly weights: Weights) {}

  /** From a parsed or raw config and tensors in diffusers names (legacy attention names accepted). */
  static fromTensors(
    config: VaeConfig | unknown,
    tensors: ReadonlyMap<string, E.HostTensor>,
    options: { source?: string; configSource?: string; dtype?: E.DType; namespace?: string } = {},
  ): AutoencoderKL {
    const parsed = parseVaeConfig(config, options.configSource ?? 'vae/config.json');
    const weights = new Weights(normalizeVaeTensors(tensors), options.source ?? 'vae', options.dtype ?? 'float32', options.namespace ?? 'vae.');
    return new AutoencoderKL(parsed, weights);
  }

  /** From safetensors files (several for a sharded checkpoint). */
  static fromFiles(config: unknown, weightPaths: readonly string[], options: { configSource?: string; dtype?: E.DType; namespace?: string } = {}): AutoencoderKL {
    const tensors = new Map<string, E.HostTensor>();
    for (const path of weightPaths) {
      let file: E.SafetensorsFile;
      try {
        file = E.readSafetensors(path);
      } catch (error) {
        throw new ModelLoadError(`cannot read weights ${path}: ${(error as Error).message}`);
      }
      for (const [key, tensor] of file.tensors) tensors.set(key, tensor);
    }
    return AutoencoderKL.fromTensors(config, tensors, { ...options, source: weightPaths.join(', ') });
  }

  get scaleFactor(): number {
    return vaeScaleFactor(this.config);
  }

  encode(image: E.Tensor): LatentDistribution {
    return buildEncoder(this.config, this.weights, image);
  }

  decode(latent: E.Tensor): E.Tensor {
    return buildDecoder(this.config, this.weights, latent);
  }

  toLatent(mean: E.Tensor, logvar: E.Tensor, noise?: E.Tensor): E.Tensor {
    return toLatent(this.config, mean, logvar, noise);
  }

  fromLatent(latent: E.Tensor): E.Tensor {
    return fromLatent(this.config, latent);
  }

  /** Checkpoint tensors no built graph has read (call after building both encode and decode). */
  unusedWeights(): string[] {
    return this.weights.unused();
  }
}
