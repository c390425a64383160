import { Random, type HostTensor } from '../../../src/engine/index.ts';
import type { VaeConfig } from '../../../src/models/vae/index.ts';

/** A tiny AutoencoderKL config (two levels, 8 and 16 channels, 4 groups). */
export const TINY_VAE_CONFIG = {
  _class_name: 'AutoencoderKL',
  in_channels: 3,
  out_channels: 3,
  down_block_types: ['DownEncoderBlock2D', 'DownEncoderBlock2D'],
  up_block_types: ['UpDecoderBlock2D', 'UpDecoderBlock2D'],
  block_out_channels: [8, 16],
  layers_per_block: 1,
  act_fn: 'silu',
  latent_channels: 4,
  norm_num_groups: 4,
  sample_size: 16,
  scaling_factor: 0.18215,
};

/** Random weights in diffusers key names for `config` (weights ~ N(0, 1/fan_in), norms near 1). */
export function randomVaeTensors(config: Pick<VaeConfig, 'in_channels' | 'out_channels' | 'block_out_channels' | 'layers_per_block' | 'latent_channels'> & { mid_block_add_attention?: boolean }, seed = 1): Map<string, HostTensor> {
  const random = new Random(seed);
  const tensors = new Map<string, HostTensor>();
  const tensor = (name: string, shape: number[], scale: number, offset = 0) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = offset + random.normal() * scale;
    tensors.set(name, { dtype: 'float32', shape, data });
  };
  const conv = (name: string, cin: number, cout: number, k: number) => {
    tensor(`${name}.weight`, [cout, cin, k, k], 1 / Math.sqrt(cin * k * k));
    tensor(`${name}.bias`, [cout], 0.1);
  };
  const norm = (name: string, c: number) => {
    tensor(`${name}.weight`, [c], 0.1, 1);
    tensor(`${name}.bias`, [c], 0.1);
  };
  const lin = (name: string, cin: number, cout: number) => {
    tensor(`${name}.weight`, [cout, cin], 1 / Math.sqrt(cin));
    tensor(`${name}.bias`, [cout], 0.1);
  };
  const resnet = (name: string, cin: number, cout: number) => {
    norm(`${name}.norm1`, cin);
    conv(`${name}.conv1`, cin, cout, 3);
    norm(`${name}.norm2`, cout);
    conv(`${name}.conv2`, cout, cout, 3);
    if (cin !== cout) conv(`${name}.conv_shortcut`, cin, cout, 1);
  };
  const mid = (name: string, c: number) => {
    resnet(`${name}.resnets.0`, c, c);
    if (config.mid_block_add_attention !== false) {
      norm(`${name}.attentions.0.group_norm`, c);
      for (const p of ['to_q', 'to_k', 'to_v', 'to_out.0']) lin(`${name}.attentions.0.${p}`, c, c);
    }
    resnet(`${name}.resnets.1`, c, c);
  };
  const ch = config.block_out_channels;
  const n = ch.length;
  const lc = config.latent_channels;
  conv('encoder.conv_in', config.in_channels, ch[0] as number, 3);
  let cin = ch[0] as number;
  ch.forEach((cout, i) => {
    for (let j = 0; j < config.layers_per_block; j++) resnet(`encoder.down_blocks.${i}.resnets.${j}`, j === 0 ? cin : cout, cout);
    if (i < n - 1) conv(`encoder.down_blocks.${i}.downsamplers.0.conv`, cout, cout, 3);
    cin = cout;
  });
  mid('encoder.mid_block', ch[n - 1] as number);
  norm('encoder.conv_norm_out', ch[n - 1] as number);
  conv('encoder.conv_out', ch[n - 1] as number, 2 * lc, 3);
  conv('quant_conv', 2 * lc, 2 * lc, 1);
  conv('post_quant_conv', lc, lc, 1);
  const rev = [...ch].reverse();
  conv('decoder.conv_in', lc, rev[0] as number, 3);
  mid('decoder.mid_block', rev[0] as number);
  cin = rev[0] as number;
  rev.forEach((cout, i) => {
    for (let j = 0; j <= config.layers_per_block; j++) resnet(`decoder.up_blocks.${i}.resnets.${j}`, j === 0 ? cin : cout, cout);
    if (i < n - 1) conv(`decoder.up_blocks.${i}.upsamplers.0.conv`, cout, cout, 3);
    cin = cout;
  });
  norm('decoder.conv_norm_out', ch[0] as number);
  conv('decoder.conv_out', ch[0] as number, config.out_channels, 3);
  return tensors;
}
