import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelLoadError } from '../weights.ts';

/**
 * transformers' CLIPTextConfig / CLIPVisionConfig / CLIPConfig, validated. Missing keys take
 * transformers' current defaults (nested configs of older CLIPConfig files omit them); unknown keys
 * are dropped.
 */

const positiveInt = z.number().int().positive();

export const clipTextConfigSchema = z.object({
  vocab_size: positiveInt.default(49408),
  hidden_size: positiveInt.default(512),
  intermediate_size: positiveInt.default(2048),
  projection_dim: positiveInt.default(512),
  num_hidden_layers: positiveInt.default(12),
  num_attention_heads: positiveInt.default(8),
  max_position_embeddings: positiveInt.default(77),
  hidden_act: z.string().default('quick_gelu'),
  layer_norm_eps: z.number().positive().default(1e-5),
  pad_token_id: z.number().int().nullable().default(1),
  bos_token_id: z.number().int().nullable().default(49406),
  /** 2 in legacy configs (SD 1.x, SD 2.x text encoders): the eos position is then the argmax of the ids. */
  eos_token_id: z.number().int().default(49407),
});
export type ClipTextConfig = z.infer<typeof clipTextConfigSchema>;

export const clipVisionConfigSchema = z.object({
  hidden_size: positiveInt.default(768),
  intermediate_size: positiveInt.default(3072),
  projection_dim: positiveInt.default(512),
  num_hidden_layers: positiveInt.default(12),
  num_attention_heads: positiveInt.default(12),
  num_channels: positiveInt.default(3),
  image_size: positiveInt.default(224),
  patch_size: positiveInt.default(32),
  hidden_act: z.string().default('quick_gelu'),
  layer_norm_eps: z.number().positive().default(1e-5),
});
export type ClipVisionConfig = z.infer<typeof clipVisionConfigSchema>;

export const clipConfigSchema = z.object({
  text_config: clipTextConfigSchema.default(clipTextConfigSchema.parse({})),
  vision_config: clipVisionConfigSchema.default(clipVisionConfigSchema.parse({})),
  projection_dim: positiveInt.default(512),
  logit_scale_init_value: z.number().default(2.6592),
});
export type ClipConfig = z.infer<typeof clipConfigSchema>;

/** Reads `path` (a config.json, or a folder holding one) and validates it with `schema`. */
export function readConfig<T>(path: string, schema: z.ZodType<T>): T {
  const file = existsSync(join(path, 'config.json')) ? join(path, 'config.json') : path;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new ModelLoadError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  return parseConfig(raw, schema, file);
}

export function parseConfig<T>(raw: unknown, schema: z.ZodType<T>, source: string): T {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new ModelLoadError(`${source}: invalid config: ${issues}`);
  }
  return result.data;
}

/** The text config of a CLIPTextModel config.json or of a CLIPModel one (its `text_config`). */
export function readClipTextConfig(path: string): ClipTextConfig {
  const file = existsSync(join(path, 'config.json')) ? join(path, 'config.json') : path;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new ModelLoadError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  const nested = typeof raw === 'object' && raw !== null && 'text_config' in raw ? (raw as { text_config: unknown }).text_config : raw;
  return parseConfig(nested ?? {}, clipTextConfigSchema, file);
}

export function readClipConfig(path: string): ClipConfig {
  return readConfig(path, clipConfigSchema);
}

/**
 * The safetensors file of a transformers / diffusers model folder: model.safetensors, else
 * model.fp16.safetensors; a path to a file is returned as is.
 */
export function weightsFile(path: string): string {
  for (const name of ['model.safetensors', 'model.fp16.safetensors']) {
    if (existsSync(join(path, name))) return join(path, name);
  }
  if (existsSync(path) && !existsSync(join(path, 'config.json'))) return path;
  throw new ModelLoadError(`no model.safetensors (or model.fp16.safetensors) in ${path}`);
}
