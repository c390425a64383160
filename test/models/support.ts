import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, toFloat32, type HostTensor } from '../../src/engine/index.ts';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface Fixture {
  dir: string;
  config: unknown;
  io: Map<string, HostTensor>;
  get(name: string): HostTensor;
}

/** A fixture made by scripts/reference (see test/models/fixtures/README.md). */
export function loadFixture(name: string): Fixture {
  const dir = join(FIXTURES, name);
  const io = readSafetensors(join(dir, 'io.safetensors')).tensors;
  return {
    dir,
    config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    io,
    get(key: string): HostTensor {
      const value = io.get(key);
      if (!value) throw new Error(`fixture ${name} has no '${key}'`);
      return value;
    },
  };
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: HostTensor, expected: HostTensor): number {
  if (actual.shape.join() !== expected.shape.join()) throw new Error(`shapes differ: [${actual.shape}] vs [${expected.shape}]`);
  const a = toFloat32(actual.dtype, actual.data);
  const b = toFloat32(expected.dtype, expected.data);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return worst / (scale || 1);
}

/** [batch * heads, ...] per-head maps (diffusers' layout) averaged over heads: [batch, ...]. */
export function averageHeads(maps: HostTensor, heads: number): HostTensor {
  const [bh, ...rest] = maps.shape as [number, ...number[]];
  const size = rest.reduce((a, b) => a * b, 1);
  const data = toFloat32(maps.dtype, maps.data);
  const out = new Float32Array((bh / heads) * size);
  for (let b = 0; b < bh / heads; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < size; i++) out[b * size + i] = (out[b * size + i] as number) + (data[(b * heads + h) * size + i] as number) / heads;
    }
  }
  return { dtype: 'float32', shape: [bh / heads, ...rest], data: out };
}

/** A diffusers-layout folder assembled from the reference fixtures. */
export function assembleDiffusersFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'retouch-sd-'));
  const place = (component: string, from: string, files: string[]) => {
    mkdirSync(join(root, component));
    for (const file of files) copyFileSync(join(FIXTURES, from, file), join(root, component, file));
  };
  place('unet', 'unet-sd1', ['config.json', 'diffusion_pytorch_model.safetensors']);
  place('vae', 'vae', ['config.json', 'diffusion_pytorch_model.safetensors']);
  place('text_encoder', 'clip-text', ['config.json', 'model.safetensors']);
  place('tokenizer', 'tokenizer', ['vocab.json', 'merges.txt']);
  mkdirSync(join(root, 'scheduler'));
  writeFileSync(join(root, 'scheduler', 'scheduler_config.json'), JSON.stringify({ _class_name: 'DDIMScheduler', beta_schedule: 'scaled_linear' }));
  writeFileSync(join(root, 'model_index.json'), JSON.stringify({
    _class_name: 'StableDiffusionPipeline',
    unet: ['diffusers', 'UNet2DConditionModel'],
    vae: ['diffusers', 'AutoencoderKL'],
    text_encoder: ['transformers', 'CLIPTextModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    scheduler: ['diffusers', 'DDIMScheduler'],
  }));
  return root;
}
