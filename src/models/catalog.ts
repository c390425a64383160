// The models a deployment offers, by name: the shipped model (`world-sd`), the folder
// RETOUCH_MODEL_DIR names (the default when set), and the named folders of RETOUCH_MODELS. Plans
// and settings name a model; workers open it from here.
import { basename } from 'node:path';
import { SHIPPED_MODEL_DIR } from './shipped.ts';

export const SHIPPED_MODEL_NAME = 'world-sd';
/** Lowercase, starts with a letter or digit, up to 64 of a–z, 0–9, `.`, `_`, `-`. */
export const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface ModelCatalog {
  /** In the order they were configured, the default first. */
  readonly names: readonly string[];
  readonly defaultName: string;
  has(name: string): boolean;
  /** The folder of `name` (default: the default model); throws UnknownModelError naming the choices. */
  pathOf(name?: string): string;
}

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

/** A folder's name as a model name: lowercased, other characters as `-` ("SD v1.5" → "sd-v1.5"). */
export function modelNameOf(path: string): string {
  const name = basename(path).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64);
  return name || 'model';
}

export function modelCatalog(options: { modelDir?: string | undefined; models?: Readonly<Record<string, string>> | undefined } = {}): ModelCatalog {
  const paths = new Map<string, string>();
  if (options.modelDir) paths.set(modelNameOf(options.modelDir), options.modelDir);
  for (const [name, path] of Object.entries(options.models ?? {})) {
    if (!MODEL_NAME.test(name)) throw new UnknownModelError(`'${name}' can't name a model: use lowercase letters, digits, '.', '_' and '-'`);
    if (paths.has(name) && paths.get(name) !== path) throw new UnknownModelError(`two models are named '${name}'`);
    paths.set(name, path);
  }
  if (!paths.has(SHIPPED_MODEL_NAME)) paths.set(SHIPPED_MODEL_NAME, SHIPPED_MODEL_DIR);
  const names = [...paths.keys()];
  const defaultName = names[0] as string;
  return {
    names,
    defaultName,
    has: (name) => paths.has(name),
    pathOf(name = defaultName) {
      const path = paths.get(name);
      if (path === undefined) throw new UnknownModelError(`this bot has no model '${name}' (it has ${names.map((n) => `'${n}'`).join(', ')})`);
      return path;
    },
  };
}
