import { z } from 'zod';
import { ModelLoadError } from '../weights.ts';

/** The activations the VAE builders support (diffusers' `act_fn` names). */
const ACTIVATIONS = ['silu', 'swish', 'gelu', 'relu'] as const;

const schema = z.object({
  in_channels: z.number().int().positive().default(3),
  out_channels: z.number().int().positive().default(3),
  down_block_types: z.array(z.string()).min(1).default(['DownEncoderBlock2D']),
  up_block_types: z.array(z.string()).min(1).default(['UpDecoderBlock2D']),
  block_out_channels: z.array(z.number().int().positive()).min(1).default([64]),
  layers_per_block: z.number().int().positive().default(1),
  act_fn: z.string().default('silu'),
  latent_channels: z.number().int().positive().default(4),
  norm_num_groups: z.number().int().positive().default(32),
  sample_size: z.union([z.number().int().positive(), z.array(z.number().int().positive())]).default(32),
  scaling_factor: z.number().positive().default(0.18215),
  shift_factor: z.number().nullable().default(null),
  latents_mean: z.array(z.number()).nullable().default(null),
  latents_std: z.array(z.number()).nullable().default(null),
  force_upcast: z.boolean().default(true),
  use_quant_conv: z.boolean().default(true),
  use_post_quant_conv: z.boolean().default(true),
  mid_block_add_attention: z.boolean().default(true),
});

/** diffusers' AutoencoderKL config (`vae/config.json`), defaults filled in. */
export type VaeConfig = z.infer<typeof schema>;

function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(root)';
}

/**
 * Validates a raw `vae/config.json` object. `source` names the file in messages:
 * `models/sd/vae/config.json: down_block_types[1]: 'AttnDownEncoderBlock2D' is not supported ...`.
 */
export function parseVaeConfig(raw: unknown, source = 'vae/config.json'): VaeConfig {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelLoadError(`${source}: ${issue ? `${keyPath(issue.path)}: ${issue.message}` : parsed.error.message}`);
  }
  const config = parsed.data;
  const fail = (key: string, message: string): never => {
    throw new ModelLoadError(`${source}: ${key}: ${message}`);
  };
  const levels = config.block_out_channels.length;
  config.down_block_types.forEach((type, i) => {
    if (type !== 'DownEncoderBlock2D') fail(`down_block_types[${i}]`, `'${type}' is not supported (only DownEncoderBlock2D)`);
  });
  config.up_block_types.forEach((type, i) => {
    if (type !== 'UpDecoderBlock2D') fail(`up_block_types[${i}]`, `'${type}' is not supported (only UpDecoderBlock2D)`);
  });
  if (config.down_block_types.length !== levels) {
    fail('down_block_types', `${config.down_block_types.length} blocks for ${levels} block_out_channels`);
  }
  if (config.up_block_types.length !== levels) fail('up_block_types', `${config.up_block_types.length} blocks for ${levels} block_out_channels`);
  if (!(ACTIVATIONS as readonly string[]).includes(config.act_fn)) {
    fail('act_fn', `'${config.act_fn}' is not supported (one of ${ACTIVATIONS.join(', ')})`);
  }
  config.block_out_channels.forEach((channels, i) => {
    if (channels % config.norm_num_groups !== 0) {
      fail(`block_out_channels[${i}]`, `${channels} channels are not divisible into norm_num_groups = ${config.norm_num_groups} groups`);
    }
  });
  for (const key of ['latents_mean', 'latents_std'] as const) {
    const values = config[key];
    if (values && values.length !== config.latent_channels) fail(key, `${values.length} values for ${config.latent_channels} latent channels`);
  }
  return config;
}

/** Spatial downsampling factor between an image and its latent (8 for SD). */
export function vaeScaleFactor(config: VaeConfig): number {
  return 2 ** (config.block_out_channels.length - 1);
}
