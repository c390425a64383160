import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HostTensor } from '../../engine/index.ts';
import { ModelLoadError } from '../weights.ts';
import { canonicalJson, hashSafetensors, isPickleFile, pickleRefusal, readJsonObject, readTensors } from './files.ts';

/** A component that is a network: its config.json (raw; the builder validates it) and safetensors files. */
export interface ModelComponent {
  kind: 'model';
  name: string;
  dir: string;
  /** From model_index.json, e.g. ["diffusers", "UNet2DConditionModel"]. */
  library: string | null;
  className: string | null;
  configPath: string;
  config: Record<string, unknown>;
  /** One file, or the shards of a sharded checkpoint in index order. */
  weightsPaths: string[];
  /** The sharded index used, if any. */
  weightsIndexPath?: string;
  /** 'fp16' when the variant files were picked. */
  variant: string | null;
}

export interface TokenizerComponent {
  kind: 'tokenizer';
  name: string;
  dir: string;
  library: string | null;
  className: string | null;
}

export interface SchedulerComponent {
  kind: 'scheduler';
  name: string;
  dir: string;
  library: string | null;
  className: string | null;
  configPath: string;
  config: Record<string, unknown>;
}

/** Anything else model_index.json lists (feature_extractor, safety_checker, ...): described, not required. */
export interface OtherComponent {
  kind: 'other';
  name: string;
  dir: string;
  library: string | null;
  className: string | null;
  /** Why it could not be described as a model, when it looked like one. */
  problem?: string;
}

export type Component = ModelComponent | TokenizerComponent | SchedulerComponent | OtherComponent;

export interface DiffusersIndex {
  _class_name: string;
  _diffusers_version?: string;
  [key: string]: unknown;
}

export interface DiffusersFolder {
  root: string;
  index: DiffusersIndex;
  /** The pipeline class, e.g. "StableDiffusionPipeline". */
  className: string;
  components: {
    unet?: ModelComponent;
    vae?: ModelComponent;
    text_encoder?: ModelComponent;
    tokenizer?: TokenizerComponent;
    scheduler?: SchedulerComponent;
    [name: string]: Component | undefined;
  };
  /** Stable content id: sha256 of model_index, configs, tokenizer files and fingerprints of the weights. */
  hash: string;
  /** Non-fatal findings (optional components that could not be described). */
  warnings: string[];
}

export interface LoadFolderOptions {
  /** Prefer these weight variants ("fp16") over full precision when both exist. Default: full precision first. */
  variant?: string;
  /** Components that must be present and complete (default: unet, vae, text_encoder, tokenizer, scheduler, of those the index lists). */
  required?: readonly string[];
}

const DEFAULT_REQUIRED = ['unet', 'vae', 'text_encoder', 'tokenizer', 'scheduler'];
const WEIGHT_STEMS = ['diffusion_pytorch_model', 'model'];

/** Candidate weight file names, in preference order, for a component folder. */
function weightCandidates(variant: string | undefined): Array<{ file: string; sharded: boolean; variant: string | null }> {
  const variants: Array<string | null> = variant ? [variant, null] : [null, 'fp16'];
  const out: Array<{ file: string; sharded: boolean; variant: string | null }> = [];
  for (const v of variants) {
    for (const stem of WEIGHT_STEMS) {
      out.push({ file: v ? `${stem}.${v}.safetensors` : `${stem}.safetensors`, sharded: false, variant: v });
      out.push({ file: v ? `${stem}.safetensors.index.${v}.json` : `${stem}.safetensors.index.json`, sharded: true, variant: v });
    }
  }
  return out;
}

/** The shards named by a `*.safetensors.index.json` (its weight_map values), in first-use order. */
function shardsOf(indexPath: string): string[] {
  const index = readJsonObject(indexPath);
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new ModelLoadError(`${indexPath}: no "weight_map" object`);
  const shards: string[] = [];
  for (const [key, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== 'string') throw new ModelLoadError(`${indexPath}: weight_map["${key}"] is not a file name`);
    if (!file.endsWith('.safetensors')) throw new ModelLoadError(`${indexPath}: weight_map["${key}"] names ${file}, not a .safetensors file`);
    const path = join(dirname(indexPath), file);
    if (!shards.includes(path)) shards.push(path);
  }
  if (shards.length === 0) throw new ModelLoadError(`${indexPath}: weight_map is empty`);
  for (const shard of shards) if (!existsSync(shard)) throw new ModelLoadError(`${shard}: missing (named by ${indexPath})`);
  return shards;
}

/** Finds a component's safetensors weights; refuses pickle-only folders; fails naming what it looked for. */
export function findWeights(dir: string, variant?: string): { paths: string[]; indexPath?: string; variant: string | null } {
  const candidates = weightCandidates(variant);
  for (const candidate of candidates) {
    const path = join(dir, candidate.file);
    if (!existsSync(path)) continue;
    if (candidate.sharded) return { paths: shardsOf(path), indexPath: path, variant: candidate.variant };
    return { paths: [path], variant: candidate.variant };
  }
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const pickles = files.filter(isPickleFile);
  if (pickles.length > 0) throw new ModelLoadError(pickleRefusal(join(dir, pickles[0] as string)));
  const others = files.filter((f) => f.endsWith('.safetensors'));
  const found = others.length ? `; found ${others.join(', ')}` : '';
  throw new ModelLoadError(`${dir}: no weights (looked for ${candidates.map((c) => c.file).join(', ')}${found})`);
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function describeEntry(name: string, value: unknown, indexPath: string): { library: string | null; className: string | null } | undefined {
  if (name.startsWith('_')) return undefined;
  if (!Array.isArray(value)) return undefined; // a pipeline setting such as "requires_safety_checker": true
  const [library, className] = value as unknown[];
  if (value.length !== 2 || (library !== null && typeof library !== 'string') || (className !== null && typeof className !== 'string')) {
    throw new ModelLoadError(`${indexPath}: "${name}" should be [library, class name], found ${JSON.stringify(value)}`);
  }
  return { library: library as string | null, className: className as string | null };
}

function kindOf(name: string, className: string): Component['kind'] {
  if (name === 'scheduler' || className.endsWith('Scheduler')) return 'scheduler';
  if (name.startsWith('tokenizer') || className.includes('Tokenizer')) return 'tokenizer';
  if (className.includes('FeatureExtractor') || className.includes('ImageProcessor') || name === 'feature_extractor') return 'other';
  return 'model';
}

function describeComponent(root: string, name: string, library: string | null, className: string, variant: string | undefined): Component {
  const dir = join(root, name);
  if (!isDirectory(dir)) throw new ModelLoadError(`${dir}: missing (model_index.json lists ${name} as ${library ?? '?'} ${className})`);
  const kind = kindOf(name, className);
  if (kind === 'scheduler') {
    const configPath = join(dir, 'scheduler_config.json');
    return { kind, name, dir, library, className, configPath, config: readJsonObject(configPath) };
  }
  if (kind === 'tokenizer') {
    const known = ['tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'spiece.model'];
    if (!known.some((f) => existsSync(join(dir, f)))) throw new ModelLoadError(`${dir}: no tokenizer files (looked for ${known.join(', ')})`);
    return { kind, name, dir, library, className };
  }
  if (kind === 'other') return { kind, name, dir, library, className };
  const configPath = join(dir, 'config.json');
  const config = readJsonObject(configPath);
  const weights = findWeights(dir, variant);
  return {
    kind, name, dir, library, className, configPath, config,
    weightsPaths: weights.paths,
    ...(weights.indexPath ? { weightsIndexPath: weights.indexPath } : {}),
    variant: weights.variant,
  };
}

function hashFolder(indexText: unknown, components: readonly Component[]): string {
  const hash = createHash('sha256');
  hash.update('retouch-diffusers-folder-v1\n');
  hash.update(canonicalJson(indexText));
  for (const component of [...components].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    hash.update(`\ncomponent ${component.name} ${component.kind}\n`);
    if (component.kind === 'model' || component.kind === 'scheduler') hash.update(canonicalJson(component.config));
    if (component.kind === 'model') {
      for (const path of component.weightsPaths) {
        hash.update(`\nweights ${path.slice(component.dir.length)}\n`);
        hashSafetensors(hash, path);
      }
    }
    if (component.kind === 'tokenizer') {
      for (const file of readdirSync(component.dir).sort()) {
        const path = join(component.dir, file);
        if (statSync(path).isFile() && statSync(path).size < 64 * 1024 * 1024) {
          hash.update(`\nfile ${file}\n`);
          hash.update(readFileSync(path));
        }
      }
    }
  }
  return hash.digest('hex');
}

/**
 * Describes a diffusers pipeline folder (model_index.json, one folder per component) without
 * loading weights: configs are parsed as JSON only (the builders own their schemas).
 */
export function loadDiffusersFolder(root: string, options: LoadFolderOptions = {}): DiffusersFolder {
  if (!isDirectory(root)) throw new ModelLoadError(`${root}: missing (expected a diffusers pipeline folder)`);
  const indexPath = join(root, 'model_index.json');
  if (!existsSync(indexPath)) {
    const hint = existsSync(join(root, 'config.json')) ? ' (the folder has a config.json: is it a single component rather than a pipeline?)' : '';
    throw new ModelLoadError(`${indexPath}: missing${hint}`);
  }
  const index = readJsonObject(indexPath);
  if (typeof index._class_name !== 'string') throw new ModelLoadError(`${indexPath}: "_class_name" missing or not a string`);
  const required = new Set(options.required ?? DEFAULT_REQUIRED);
  const components: DiffusersFolder['components'] = {};
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(index)) {
    const entry = describeEntry(name, value, indexPath);
    if (!entry || entry.className === null) continue; // e.g. "safety_checker": [null, null]
    try {
      components[name] = describeComponent(root, name, entry.library, entry.className, options.variant);
    } catch (error) {
      if (required.has(name) || !(error instanceof ModelLoadError)) throw error;
      warnings.push(`${name}: ${error.message}`);
      components[name] = { kind: 'other', name, dir: join(root, name), library: entry.library, className: entry.className, problem: error.message };
    }
  }
  for (const name of options.required ?? []) {
    if (!components[name]) throw new ModelLoadError(`${indexPath}: no "${name}" component`);
  }
  const hash = hashFolder(index, Object.values(components).filter((c): c is Component => c !== undefined));
  return { root, index: index as DiffusersIndex, className: index._class_name, components, hash, warnings };
}

/** The tensors of a model component (shards merged). */
export function readComponentTensors(component: ModelComponent): Map<string, HostTensor> {
  return readTensors(component.weightsPaths);
}
