import * as E from '../../engine/index.ts';
import { activation, conv2d, groupNorm, linear, LoraSet, type LoraOptions, type LoraSite } from '../layers.ts';
import { ModelLoadError, type Weights } from '../weights.ts';
import { transformer2d, type TransformerContext } from './attention.ts';
import type { UNetConfig } from './config.ts';
import { HookWiring, type ControlInput, type Place, type UNetLayout } from './hooks.ts';
import { resnetBlock, type ResnetOptions } from './resnet.ts';

export interface UNetBuildOptions {
  batch: number;
  /** Latent height and width. */
  height: number;
  width: number;
  /** Text tokens in encoder_hidden_states (77 for SD). */
  textLength: number;
  dtype?: 'float32' | 'float16' | 'float64';
  /** Wire every hook point as a run-time control input and capture output (see hooks.ts). */
  hooks?: boolean;
  /** With hooks: capture head-averaged self-attention maps of layers with at most this many tokens. */
  selfMapTokens?: number;
  /** With hooks: self-attention key restrictions by query region (see HookOptions.keyRegions). */
  keyRegions?: boolean;
  /** Low-rank deltas on chosen linear layers, fed as `lora.<module>.down/up` inputs. */
  lora?: LoraOptions;
}

/** Inputs a caller may supply instead of the default graph inputs (to compose bigger graphs). */
export interface UNetInputs {
  sample?: E.Tensor;
  timestep?: E.Tensor;
  encoderHiddenStates?: E.Tensor;
}

export interface UNetGraph {
  sample: E.Tensor;
  timestep: E.Tensor;
  encoderHiddenStates: E.Tensor;
  /** The predicted noise (or v), [batch, out_channels, height, width]. */
  output: E.Tensor;
  /** The mid block's output ("h-space"), before any delta is added. */
  mid?: E.Tensor;
  captures: Record<string, E.Tensor>;
  controls: ControlInput[];
  layout: UNetLayout;
  lora: LoraSite[];
}

/** Sinusoidal timestep embedding as diffusers' get_timestep_embedding, computed in float32. */
export function timestepEmbedding(t: E.Tensor, dim: number, flipSinToCos: boolean, freqShift: number): E.Tensor {
  if (dim % 2 !== 0) throw new E.GraphError(`timestep embedding of odd width ${dim} is not supported`);
  const half = dim / 2;
  const freqs = Float32Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / (half - freqShift)));
  const args = E.mul(E.unsqueeze(E.cast(t, 'float32'), 1), E.constant(freqs, [1, half]));
  const parts = flipSinToCos ? [E.cos(args), E.sin(args)] : [E.sin(args), E.cos(args)];
  return E.concat(parts, 1);
}

/**
 * Builds diffusers' UNet2DConditionModel from its config and weights (keys as in
 * diffusion_pytorch_model.safetensors). Module paths in hooks and LoRA sites are the weights' own.
 */
export function buildUNet(config: UNetConfig, weights: Weights, options: UNetBuildOptions, given: UNetInputs = {}): UNetGraph {
  const dtype = options.dtype ?? 'float32';
  const { batch, height, width, textLength } = options;
  const levels = config.blockOutChannels.length;
  const factor = 2 ** (levels - 1);
  if (height % factor !== 0 || width % factor !== 0) {
    throw new ModelLoadError(`UNet: latent ${height}x${width} must be a multiple of ${factor} (${levels} levels); image sides must be multiples of ${factor * 8} pixels`);
  }
  const crossDim = config.crossAttentionDim[0] as number;
  const sample = given.sample ?? E.input('sample', [batch, config.inChannels, height, width], dtype);
  const timestep = given.timestep ?? E.input('timestep', [batch], 'float32');
  const encoderHiddenStates = given.encoderHiddenStates ?? E.input('encoder_hidden_states', [batch, textLength, crossDim], dtype);
  const hooks = new HookWiring({ enabled: options.hooks ?? false, selfMapTokens: options.selfMapTokens ?? 0, keyRegions: options.keyRegions ?? false }, batch, textLength, dtype);
  const lora = new LoraSet(options.lora, dtype);
  const resnetOptions = (outputScale = 1): ResnetOptions => ({ groups: config.groups, eps: config.eps, act: config.act, scaleShift: config.scaleShift, outputScale });

  const transformerContext = (place: Place, level: number): TransformerContext => ({
    hooks, lora, place,
    heads: config.heads[level] as number,
    groups: config.groups,
    layers: config.transformerLayersPerBlock[level] as number,
    linearProjection: config.useLinearProjection,
    upcast: config.upcastAttention,
  });

  /** A resnet's output: captured, and re-mixable across the batch (feature injection). */
  const feature = (path: string, place: Place, h: E.Tensor): E.Tensor => {
    const [, channels, fh, fw] = h.shape as [number, number, number, number];
    hooks.layout.resnets.push({ path, index: hooks.layout.resnets.length, place, channels, height: fh, width: fw });
    hooks.capture(path, undefined, h);
    return hooks.mixBatch(path, 'mix', h);
  };

  const temb = E.scope('time_embedding', () => {
    const w = weights.at('time_embedding');
    const emb = E.cast(timestepEmbedding(timestep, config.blockOutChannels[0] as number, config.flipSinToCos, config.freqShift), dtype);
    return linear(w.at('linear_2'), activation(config.act, linear(w.at('linear_1'), emb)));
  });

  let h = config.centerInputSample ? E.sub(E.mul(sample, 2), 1) : sample;
  h = conv2d(weights.at('conv_in'), h, { padding: (config.convInKernel - 1) / 2 });
  const skips: E.Tensor[] = [h];

  config.downBlockTypes.forEach((type, level) => {
    const w = weights.at(`down_blocks.${level}`);
    const path = `down_blocks.${level}`;
    for (let j = 0; j < (config.layersPerBlock[level] as number); j++) {
      h = E.scope(`${path}.resnets.${j}`, () => resnetBlock(w.at(`resnets.${j}`), h, temb, resnetOptions()));
      h = feature(`${path}.resnets.${j}`, 'down', h);
      if (type === 'CrossAttnDownBlock2D') h = transformer2d(w.at(`attentions.${j}`), `${path}.attentions.${j}`, h, encoderHiddenStates, transformerContext('down', level));
      skips.push(h);
    }
    if (level < levels - 1) {
      h = E.scope(`${path}.downsamplers.0`, () => {
        const padded = config.downsamplePadding === 0 ? E.pad(h, [[0, 0], [0, 0], [0, 1], [0, 1]]) : h;
        return conv2d(w.at('downsamplers.0.conv'), padded, { stride: 2, padding: config.downsamplePadding });
      });
      skips.push(h);
    }
  });

  let mid: E.Tensor | undefined;
  if (config.midBlock) {
    const w = weights.at('mid_block');
    const last = levels - 1;
    h = E.scope('mid_block.resnets.0', () => resnetBlock(w.at('resnets.0'), h, temb, resnetOptions(config.midBlockScaleFactor)));
    h = feature('mid_block.resnets.0', 'mid', h);
    for (let j = 0; w.has(`attentions.${j}.norm.weight`) || j === 0; j++) {
      h = transformer2d(w.at(`attentions.${j}`), `mid_block.attentions.${j}`, h, encoderHiddenStates, transformerContext('mid', last));
      h = E.scope(`mid_block.resnets.${j + 1}`, () => resnetBlock(w.at(`resnets.${j + 1}`), h, temb, resnetOptions(config.midBlockScaleFactor)));
      h = feature(`mid_block.resnets.${j + 1}`, 'mid', h);
    }
    mid = h;
    const [, channels, mh, mw] = h.shape as [number, number, number, number];
    hooks.layout.mid = { path: 'mid_block', index: 0, place: 'mid', channels, height: mh, width: mw };
    hooks.capture('mid_block', undefined, h);
    h = hooks.addDelta('mid_block', h);
  }

  config.upBlockTypes.forEach((type, i) => {
    const level = levels - 1 - i;
    const w = weights.at(`up_blocks.${i}`);
    const path = `up_blocks.${i}`;
    for (let j = 0; j < (config.layersPerBlock[level] as number) + 1; j++) {
      const skip = skips.pop();
      if (!skip) throw new ModelLoadError(`UNet: up_blocks.${i} needs more skip connections than the down blocks made (check layers_per_block)`);
      h = E.concat([h, skip], 1);
      h = E.scope(`${path}.resnets.${j}`, () => resnetBlock(w.at(`resnets.${j}`), h, temb, resnetOptions()));
      h = feature(`${path}.resnets.${j}`, 'up', h);
      if (type === 'CrossAttnUpBlock2D') h = transformer2d(w.at(`attentions.${j}`), `${path}.attentions.${j}`, h, encoderHiddenStates, transformerContext('up', level));
    }
    if (i < levels - 1) {
      h = E.scope(`${path}.upsamplers.0`, () => conv2d(w.at('upsamplers.0.conv'), E.upsampleNearest2d(h, 2), { padding: 1 }));
    }
  });

  const output = E.scope('conv_out', () => {
    const normed = activation(config.act, groupNorm(weights.at('conv_norm_out'), h, config.groups, config.eps));
    return conv2d(weights.at('conv_out'), normed, { padding: (config.convOutKernel - 1) / 2 });
  });

  return {
    sample, timestep, encoderHiddenStates, output, mid,
    captures: hooks.captures,
    controls: hooks.inputs,
    layout: hooks.layout,
    lora: lora.sites,
  };
}
