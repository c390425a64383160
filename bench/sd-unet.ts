// A UNet with Stable Diffusion 1.5's architecture and sizes (diffusers' UNet2DConditionModel with
// SD-1.5's config), built on the engine from random weights, for the benchmark.
import * as E from '../src/engine/index.ts';

export interface UNetConfig {
  channels: readonly number[];
  layersPerBlock: number;
  crossAttentionDim: number;
  heads: number;
  groups: number;
}

export const SD15: UNetConfig = { channels: [320, 640, 1280, 1280], layersPerBlock: 2, crossAttentionDim: 768, heads: 8, groups: 32 };

/** Fast uniform(-bound, bound) weights (PyTorch's default scale), from a 32-bit LCG. */
class WeightFactory {
  private state: number;
  count = 0;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  uniform(name: string, shape: number[], fanIn: number): E.Tensor {
    const data = new Float32Array(E.numel(shape));
    const scale = (2 / fanIn ** 0.5) / 4294967296;
    const bound = 1 / fanIn ** 0.5;
    let s = this.state;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] = s * scale - bound;
    }
    this.state = s;
    this.count += data.length;
    return E.param(name, shape, 'float32', data);
  }
  constant(name: string, size: number, value: number): E.Tensor {
    this.count += size;
    return E.param(name, [size], 'float32', new Float32Array(size).fill(value));
  }
}

export function buildUNet(config: UNetConfig, shapes: { batch: number; latent: number; tokens: number }, seed = 1) {
  const w = new WeightFactory(seed);
  const conv = (name: string, x: E.Tensor, out: number, kernel: number, stride = 1) => {
    const inChannels = x.shape[1] as number;
    const fanIn = inChannels * kernel * kernel;
    return E.conv2dBias(x, w.uniform(`${name}.weight`, [out, inChannels, kernel, kernel], fanIn), w.uniform(`${name}.bias`, [out], fanIn), {
      padding: (kernel - 1) / 2,
      stride,
    });
  };
  const linear = (name: string, x: E.Tensor, out: number, bias = true) => {
    const inFeatures = x.shape[x.rank - 1] as number;
    return E.linear(x, w.uniform(`${name}.weight`, [out, inFeatures], inFeatures), bias ? w.uniform(`${name}.bias`, [out], inFeatures) : undefined);
  };
  const groupNorm = (name: string, x: E.Tensor, eps = 1e-5) => {
    const c = x.shape[1] as number;
    return E.groupNorm(x, config.groups, w.constant(`${name}.weight`, c, 1), w.constant(`${name}.bias`, c, 0), eps);
  };
  const layerNorm = (name: string, x: E.Tensor) => {
    const c = x.shape[x.rank - 1] as number;
    return E.layerNorm(x, w.constant(`${name}.weight`, c, 1), w.constant(`${name}.bias`, c, 0));
  };

  const resnet = (name: string, x: E.Tensor, temb: E.Tensor, out: number) =>
    E.scope(name, () => {
      let h = conv(`${name}.conv1`, E.silu(groupNorm(`${name}.norm1`, x)), out, 3);
      h = E.add(h, E.reshape(linear(`${name}.time_emb_proj`, E.silu(temb), out), [shapes.batch, out, 1, 1]));
      h = conv(`${name}.conv2`, E.silu(groupNorm(`${name}.norm2`, h)), out, 3);
      const skip = (x.shape[1] as number) === out ? x : conv(`${name}.conv_shortcut`, x, out, 1);
      return E.add(skip, h);
    });

  const attention = (name: string, x: E.Tensor, context: E.Tensor) => {
    const c = x.shape[2] as number;
    const q = linear(`${name}.to_q`, x, c, false);
    const k = linear(`${name}.to_k`, context, c, false);
    const v = linear(`${name}.to_v`, context, c, false);
    return linear(`${name}.to_out.0`, E.multiHeadAttention(q, k, v, config.heads), c);
  };

  const transformer = (name: string, x: E.Tensor, context: E.Tensor) =>
    E.scope(name, () => {
      const [b, c, h, wd] = x.shape as [number, number, number, number];
      let t = conv(`${name}.proj_in`, groupNorm(`${name}.norm`, x, 1e-6), c, 1);
      t = E.reshape(E.transpose(t, [0, 2, 3, 1]), [b, h * wd, c]);
      const block = `${name}.transformer_blocks.0`;
      let n = layerNorm(`${block}.norm1`, t);
      t = E.add(t, attention(`${block}.attn1`, n, n));
      n = layerNorm(`${block}.norm2`, t);
      t = E.add(t, attention(`${block}.attn2`, n, context));
      n = layerNorm(`${block}.norm3`, t);
      const [value, gate] = E.split(linear(`${block}.ff.net.0.proj`, n, 8 * c), -1, [4 * c, 4 * c]) as [E.Tensor, E.Tensor];
      t = E.add(t, linear(`${block}.ff.net.2`, E.mul(value, E.gelu(gate)), c));
      t = E.transpose(E.reshape(t, [b, h, wd, c]), [0, 3, 1, 2]);
      return E.add(x, conv(`${name}.proj_out`, t, c, 1));
    });

  const sample = E.input('sample', [shapes.batch, 4, shapes.latent, shapes.latent]);
  const timestep = E.input('timestep', [shapes.batch]);
  const context = E.input('encoder_hidden_states', [shapes.batch, shapes.tokens, config.crossAttentionDim]);
  const first = config.channels[0] as number;

  // Sinusoidal timestep features (flip_sin_to_cos, shift 0), computed in the graph.
  const half = first / 2;
  const frequencies = E.constant(Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half)), [1, half]);
  const angles = E.mul(E.reshape(timestep, [shapes.batch, 1]), frequencies);
  const features = E.concat([E.cos(angles), E.sin(angles)], 1);
  const temb = linear('time_embedding.linear_2', E.silu(linear('time_embedding.linear_1', features, 4 * first)), 4 * first);

  let h = conv('conv_in', sample, first, 3);
  const skips: E.Tensor[] = [h];
  config.channels.forEach((channels, i) => {
    const last = i === config.channels.length - 1;
    for (let j = 0; j < config.layersPerBlock; j++) {
      h = resnet(`down_blocks.${i}.resnets.${j}`, h, temb, channels);
      if (!last) h = transformer(`down_blocks.${i}.attentions.${j}`, h, context);
      skips.push(h);
    }
    if (!last) {
      h = conv(`down_blocks.${i}.downsamplers.0.conv`, h, channels, 3, 2);
      skips.push(h);
    }
  });
  const top = config.channels.at(-1) as number;
  h = resnet('mid_block.resnets.0', h, temb, top);
  h = transformer('mid_block.attentions.0', h, context);
  h = resnet('mid_block.resnets.1', h, temb, top);
  [...config.channels].reverse().forEach((channels, i) => {
    const first = i === 0;
    const last = i === config.channels.length - 1;
    for (let j = 0; j <= config.layersPerBlock; j++) {
      h = resnet(`up_blocks.${i}.resnets.${j}`, E.concat([h, skips.pop() as E.Tensor], 1), temb, channels);
      if (!first) h = transformer(`up_blocks.${i}.attentions.${j}`, h, context);
    }
    if (!last) h = conv(`up_blocks.${i}.upsamplers.0.conv`, E.upsampleNearest2d(h, 2), channels, 3);
  });
  const out = conv('conv_out', E.silu(groupNorm('conv_norm_out', h)), 4, 3);
  return { out, sample, timestep, context, parameterCount: w.count };
}
