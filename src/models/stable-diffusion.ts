import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DType, HostTensor } from '../engine/index.ts';
import { ClipTokenizer, clipTextConfigSchema, parseConfig, type ClipTextConfig } from './clip/index.ts';
import { loadDiffusersFolder, readComponentTensors, type ModelComponent } from './load/diffusers-folder.ts';
import { loadSingleFile, type SingleFileOptions } from './load/single-file.ts';
import { parseUNetConfig, type UNetConfig } from './unet/config.ts';
import { normalizeVaeTensors, parseVaeConfig, type VaeConfig } from './vae/index.ts';
import { ModelLoadError, Weights } from './weights.ts';

/** The networks of one Stable-Diffusion-family model, configs parsed and weights ready to build from. */
export interface StableDiffusionModel {
  /** The folder or file it was opened from. */
  source: string;
  /** Content id (configs + weight fingerprints): keys compiled graphs and stored inversions. */
  hash: string;
  unet: { config: UNetConfig; weights: Weights };
  vae: { config: VaeConfig; weights: Weights };
  textEncoder: { config: ClipTextConfig; weights: Weights };
  tokenizer: ClipTokenizer;
  /** scheduler/scheduler_config.json as written (the pipeline's schedulers parse it). */
  schedulerConfig: Record<string, unknown> | undefined;
  warnings: string[];
}

export interface OpenOptions {
  /** Float type of the weights as built (default float32). */
  dtype?: DType;
  /** For a single-file checkpoint: the tokenizer folder (single files carry none). */
  tokenizerDir?: string;
  /** For a single-file checkpoint: config values the tensors don't carry. */
  singleFile?: SingleFileOptions;
}

const REQUIRED_COMPONENTS = ['unet', 'vae', 'text_encoder', 'tokenizer'];

/** The content id `openStableDiffusion(path).hash` gives a diffusers folder, from its configs and weight fingerprints, without reading the weights. */
export function modelContentId(path: string): string {
  return loadDiffusersFolder(path, { required: REQUIRED_COMPONENTS }).hash;
}

/**
 * Opens a diffusers-layout folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/,
 * scheduler/) or a single-file SD-1.x .safetensors checkpoint with original key names.
 */
export function openStableDiffusion(path: string, options: OpenOptions = {}): StableDiffusionModel {
  if (!existsSync(path)) throw new ModelLoadError(`${path}: no such file or folder`);
  const dtype = options.dtype ?? 'float32';
  if (statSync(path).isFile()) {
    const checkpoint = loadSingleFile(path, options.singleFile);
    const tokenizerDir = options.tokenizerDir;
    if (!tokenizerDir) throw new ModelLoadError(`${path}: a single-file checkpoint has no tokenizer; give the folder of an SD-1.x tokenizer (vocab.json + merges.txt)`);
    return {
      source: path,
      hash: checkpoint.hash,
      unet: { config: parseUNetConfig(checkpoint.unet.config, `${path} (unet)`), weights: new Weights(checkpoint.unet.tensors, `${path} (unet)`, dtype, 'unet.') },
      vae: { config: parseVaeConfig(checkpoint.vae.config, `${path} (vae)`), weights: new Weights(normalizeVaeTensors(checkpoint.vae.tensors), `${path} (vae)`, dtype, 'vae.') },
      textEncoder: {
        config: parseConfig(checkpoint.text_encoder.config, clipTextConfigSchema, `${path} (text_encoder)`),
        weights: new Weights(checkpoint.text_encoder.tensors, `${path} (text_encoder)`, dtype, 'text_encoder.'),
      },
      tokenizer: ClipTokenizer.fromFolder(tokenizerDir),
      schedulerConfig: undefined,
      warnings: checkpoint.warnings.map((key) => `${path}: unconverted key '${key}'`),
    };
  }
  const folder = loadDiffusersFolder(path, { required: REQUIRED_COMPONENTS });
  const model = (name: 'unet' | 'vae' | 'text_encoder'): ModelComponent => {
    const component = folder.components[name];
    if (!component) throw new ModelLoadError(`${join(path, name)}: missing (model_index.json lists no ${name})`);
    return component;
  };
  const weightsOf = (component: ModelComponent, tensors: Map<string, HostTensor> = readComponentTensors(component)) =>
    new Weights(tensors, component.weightsPaths.join(', '), dtype, `${component.name}.`);
  const unet = model('unet');
  const vae = model('vae');
  const text = model('text_encoder');
  const tokenizer = folder.components.tokenizer;
  if (!tokenizer) throw new ModelLoadError(`${join(path, 'tokenizer')}: missing`);
  return {
    source: path,
    hash: folder.hash,
    unet: { config: parseUNetConfig(unet.config, unet.configPath), weights: weightsOf(unet) },
    vae: { config: parseVaeConfig(vae.config, vae.configPath), weights: weightsOf(vae, normalizeVaeTensors(readComponentTensors(vae))) },
    textEncoder: { config: parseConfig(text.config, clipTextConfigSchema, text.configPath), weights: weightsOf(text) },
    tokenizer: ClipTokenizer.fromFolder(tokenizer.dir),
    schedulerConfig: folder.components.scheduler?.config,
    warnings: folder.warnings,
  };
}
