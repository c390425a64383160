// The shipped models are committed (models/world-sd, models/world-clip), so a checkout without them
// is broken: the suites that run them call these first and fail, naming the missing folder, instead
// of skipping and letting a broken checkout pass.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SHIPPED_CLIP_DIR, SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';

/** Throws unless models/world-sd has its UNet weights. */
export function requireShippedModel(): void {
  requireFile('models/world-sd', SHIPPED_MODEL_DIR, 'unet/diffusion_pytorch_model.safetensors');
}

/** Throws unless models/world-clip has its weights. */
export function requireShippedClip(): void {
  requireFile('models/world-clip', SHIPPED_CLIP_DIR, 'model.safetensors');
}

function requireFile(name: string, folder: string, file: string): void {
  if (existsSync(join(folder, file))) return;
  throw new Error(`${name} is missing (no ${file} in ${folder}): the tests that run the shipped model need it, and it is committed: restore it with \`git checkout -- ${name}\``);
}
