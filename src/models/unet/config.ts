import { z } from 'zod';
import { ModelLoadError } from '../weights.ts';

/** The parts of diffusers' UNet2DConditionModel config this implementation reads. */
const perBlock = <T extends z.ZodTypeAny>(item: T) => z.union([item, z.array(item)]);

const schema = z.object({
  in_channels: z.number().int().positive().default(4),
  out_channels: z.number().int().positive().default(4),
  center_input_sample: z.boolean().default(false),
  flip_sin_to_cos: z.boolean().default(true),
  freq_shift: z.number().default(0),
  down_block_types: z.array(z.string()).min(1),
  mid_block_type: z.string().nullable().default('UNetMidBlock2DCrossAttn'),
  up_block_types: z.array(z.string()).min(1),
  only_cross_attention: perBlock(z.boolean()).default(false),
  block_out_channels: z.array(z.number().int().positive()).min(1),
  layers_per_block: perBlock(z.number().int().positive()).default(2),
  downsample_padding: z.number().int().nonnegative().default(1),
  mid_block_scale_factor: z.number().default(1),
  act_fn: z.string().default('silu'),
  norm_num_groups: z.number().int().positive().default(32),
  norm_eps: z.number().positive().default(1e-5),
  cross_attention_dim: perBlock(z.number().int().positive()).default(1280),
  transformer_layers_per_block: perBlock(z.number().int().positive()).default(1),
  encoder_hid_dim: z.number().nullable().default(null),
  attention_head_dim: perBlock(z.number().int().positive()).default(8),
  num_attention_heads: perBlock(z.number().int().positive()).nullable().default(null),
  dual_cross_attention: z.boolean().default(false),
  use_linear_projection: z.boolean().default(false),
  class_embed_type: z.string().nullable().default(null),
  addition_embed_type: z.string().nullable().default(null),
  num_class_embeds: z.number().nullable().default(null),
  upcast_attention: z.boolean().nullable().default(false),
  resnet_time_scale_shift: z.enum(['default', 'scale_shift']).default('default'),
  time_embedding_type: z.string().default('positional'),
  time_embedding_dim: z.number().int().positive().nullable().default(null),
  time_cond_proj_dim: z.number().nullable().default(null),
  conv_in_kernel: z.number().int().positive().default(3),
  conv_out_kernel: z.number().int().positive().default(3),
  attention_type: z.string().default('default'),
  cross_attention_norm: z.string().nullable().default(null),
  sample_size: z.number().int().positive().nullable().default(null),
  // Newer keys whose non-default values change the architecture.
  resnet_out_scale_factor: z.number().default(1),
  resnet_skip_time_act: z.boolean().default(false),
  time_embedding_act_fn: z.string().nullable().default(null),
  timestep_post_act: z.string().nullable().default(null),
  class_embeddings_concat: z.boolean().default(false),
  mid_block_only_cross_attention: z.boolean().nullable().default(null),
  reverse_transformer_layers_per_block: z.unknown().nullable().default(null),
});

export type RawUNetConfig = z.infer<typeof schema>;

/** A validated config with every per-block setting spelled out per block. */
export interface UNetConfig {
  inChannels: number;
  outChannels: number;
  centerInputSample: boolean;
  flipSinToCos: boolean;
  freqShift: number;
  downBlockTypes: DownBlockType[];
  upBlockTypes: UpBlockType[];
  midBlock: boolean;
  blockOutChannels: number[];
  layersPerBlock: number[];
  transformerLayersPerBlock: number[];
  /** Heads per down block (diffusers' `attention_head_dim` is the head count when num_attention_heads is unset). */
  heads: number[];
  crossAttentionDim: number[];
  downsamplePadding: number;
  midBlockScaleFactor: number;
  act: string;
  groups: number;
  eps: number;
  useLinearProjection: boolean;
  upcastAttention: boolean;
  scaleShift: boolean;
  timeEmbedDim: number;
  convInKernel: number;
  convOutKernel: number;
  sampleSize: number | null;
}

export const DOWN_BLOCK_TYPES = ['CrossAttnDownBlock2D', 'DownBlock2D'] as const;
export const UP_BLOCK_TYPES = ['CrossAttnUpBlock2D', 'UpBlock2D'] as const;
export type DownBlockType = (typeof DOWN_BLOCK_TYPES)[number];
export type UpBlockType = (typeof UP_BLOCK_TYPES)[number];

/** Parses diffusers' unet/config.json; `source` names the file in messages. */
export function parseUNetConfig(json: unknown, source = 'unet/config.json'): UNetConfig {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelLoadError(`${source}: ${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  const unsupported = (key: string, value: unknown, supported: string) => {
    throw new ModelLoadError(`${source}: ${key} ${JSON.stringify(value)} is not supported (supported: ${supported})`);
  };
  const levels = c.block_out_channels.length;
  if (c.down_block_types.length !== levels || c.up_block_types.length !== levels) {
    throw new ModelLoadError(`${source}: ${levels} block_out_channels but ${c.down_block_types.length} down_block_types and ${c.up_block_types.length} up_block_types`);
  }
  c.down_block_types.forEach((type, i) => {
    if (!(DOWN_BLOCK_TYPES as readonly string[]).includes(type)) unsupported(`down_block_types[${i}]`, type, DOWN_BLOCK_TYPES.join(', '));
  });
  c.up_block_types.forEach((type, i) => {
    if (!(UP_BLOCK_TYPES as readonly string[]).includes(type)) unsupported(`up_block_types[${i}]`, type, UP_BLOCK_TYPES.join(', '));
  });
  if (c.mid_block_type !== null && c.mid_block_type !== 'UNetMidBlock2DCrossAttn') unsupported('mid_block_type', c.mid_block_type, 'UNetMidBlock2DCrossAttn, null');
  const mustBe = (key: string, value: unknown, ok: boolean, supported: string) => {
    if (!ok) unsupported(key, value, supported);
  };
  mustBe('only_cross_attention', c.only_cross_attention, [c.only_cross_attention].flat().every((v) => !v), 'false');
  mustBe('dual_cross_attention', c.dual_cross_attention, !c.dual_cross_attention, 'false');
  mustBe('class_embed_type', c.class_embed_type, c.class_embed_type === null, 'null');
  mustBe('addition_embed_type', c.addition_embed_type, c.addition_embed_type === null, 'null (SDXL-style added embeddings are not built)');
  mustBe('encoder_hid_dim', c.encoder_hid_dim, c.encoder_hid_dim === null, 'null');
  mustBe('time_embedding_type', c.time_embedding_type, c.time_embedding_type === 'positional', 'positional');
  mustBe('time_cond_proj_dim', c.time_cond_proj_dim, c.time_cond_proj_dim === null, 'null');
  mustBe('attention_type', c.attention_type, c.attention_type === 'default', 'default');
  mustBe('cross_attention_norm', c.cross_attention_norm, c.cross_attention_norm === null, 'null');
  mustBe('num_class_embeds', c.num_class_embeds, c.num_class_embeds === null, 'null');
  mustBe('resnet_out_scale_factor', c.resnet_out_scale_factor, c.resnet_out_scale_factor === 1, '1');
  mustBe('resnet_skip_time_act', c.resnet_skip_time_act, !c.resnet_skip_time_act, 'false');
  mustBe('time_embedding_act_fn', c.time_embedding_act_fn, c.time_embedding_act_fn === null, 'null');
  mustBe('timestep_post_act', c.timestep_post_act, c.timestep_post_act === null, 'null');
  mustBe('reverse_transformer_layers_per_block', c.reverse_transformer_layers_per_block, c.reverse_transformer_layers_per_block === null, 'null');
  mustBe('transformer_layers_per_block', c.transformer_layers_per_block, [c.transformer_layers_per_block].flat().every((v) => typeof v === 'number'), 'a number or one number per block');
  if (c.conv_in_kernel % 2 === 0 || c.conv_out_kernel % 2 === 0) unsupported('conv_in_kernel/conv_out_kernel', [c.conv_in_kernel, c.conv_out_kernel], 'odd sizes');

  const expand = <T>(key: string, value: T | T[]): T[] => {
    if (!Array.isArray(value)) return Array.from({ length: levels }, () => value);
    if (value.length !== levels) throw new ModelLoadError(`${source}: ${key} has ${value.length} entries for ${levels} blocks`);
    return value;
  };
  const heads = expand('num_attention_heads', c.num_attention_heads ?? c.attention_head_dim);
  c.block_out_channels.forEach((channels, i) => {
    const h = heads[i] as number;
    if (channels % h !== 0) throw new ModelLoadError(`${source}: block ${i} has ${channels} channels, not divisible into ${h} attention heads`);
    if (channels % c.norm_num_groups !== 0) throw new ModelLoadError(`${source}: block ${i} has ${channels} channels, not divisible into ${c.norm_num_groups} norm groups`);
  });
  return {
    inChannels: c.in_channels,
    outChannels: c.out_channels,
    centerInputSample: c.center_input_sample,
    flipSinToCos: c.flip_sin_to_cos,
    freqShift: c.freq_shift,
    downBlockTypes: c.down_block_types as DownBlockType[],
    upBlockTypes: c.up_block_types as UpBlockType[],
    midBlock: c.mid_block_type !== null,
    blockOutChannels: c.block_out_channels,
    layersPerBlock: expand('layers_per_block', c.layers_per_block),
    transformerLayersPerBlock: expand('transformer_layers_per_block', c.transformer_layers_per_block),
    heads,
    crossAttentionDim: expand('cross_attention_dim', c.cross_attention_dim),
    downsamplePadding: c.downsample_padding,
    midBlockScaleFactor: c.mid_block_scale_factor,
    act: c.act_fn,
    groups: c.norm_num_groups,
    eps: c.norm_eps,
    useLinearProjection: c.use_linear_projection,
    upcastAttention: c.upcast_attention ?? false,
    scaleShift: c.resnet_time_scale_shift === 'scale_shift',
    timeEmbedDim: c.time_embedding_dim ?? (c.block_out_channels[0] as number) * 4,
    convInKernel: c.conv_in_kernel,
    convOutKernel: c.conv_out_kernel,
    sampleSize: c.sample_size,
  };
}
