import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelLoadError } from './weights.ts';

/** The small SD-architecture model the project trains on its procedural world and ships (models/README.md). */
export const SHIPPED_MODEL_DIR = fileURLToPath(new URL('../../models/world-sd', import.meta.url));

/** The one command (run from the repository) that rebuilds the shipped model's concept dictionary seed, models/world-sd/concepts. */
export const SEED_REBUILD_COMMAND = 'node bin/retouch.js concepts build --model models/world-sd --export models/world-sd/concepts';

/** The project's small image–text model (transformers' CLIPModel) of the same world (models/world-clip). */
export const SHIPPED_CLIP_DIR = fileURLToPath(new URL('../../models/world-clip', import.meta.url));

/** The model to use: an explicit path, else RETOUCH_MODEL_DIR, else the shipped model. */
export function resolveModelPath(explicit?: string, environment: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? environment.RETOUCH_MODEL_DIR ?? SHIPPED_MODEL_DIR;
  if (!existsSync(chosen)) {
    const origin = explicit ? '--model' : environment.RETOUCH_MODEL_DIR ? 'RETOUCH_MODEL_DIR' : 'the shipped model';
    throw new ModelLoadError(`${chosen}: no such model folder (from ${origin}); point --model or RETOUCH_MODEL_DIR at a diffusers folder`);
  }
  return chosen;
}
