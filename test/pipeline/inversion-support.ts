import { join } from 'node:path';
import { Random, type HostTensor } from '../../src/engine/index.ts';
import { parseUNetConfig } from '../../src/models/unet/config.ts';
import { CompiledUNet } from '../../src/models/unet/model.ts';
import { Weights } from '../../src/models/weights.ts';
import type { InversionModel } from '../../src/pipeline/inversion/index.ts';
import { createScheduler, parseSchedulerConfig, SD_SCHEDULER_CONFIG, type SchedulerKind } from '../../src/pipeline/schedulers/index.ts';
import { loadFixture } from '../models/support.ts';

// The inversions on the reference fixture's small UNet (random weights, [B,4,8,8] latents, [B,7,32]
// text): what is checked is each method's defining property, not image quality.
const fixture = loadFixture('unet-sd1');
const config = parseUNetConfig(fixture.config);
const SD = parseSchedulerConfig(SD_SCHEDULER_CONFIG);
export const STEPS = 10;

function embedding(seed: number): HostTensor {
  const random = new Random(seed);
  return { dtype: 'float32', shape: [1, 7, 32], data: Float32Array.from({ length: 7 * 32 }, () => random.normal() * 0.5) };
}

/** A stand-in for Diffusion around the fixture UNet; prompts map to seeded embeddings. */
export class FixtureModel implements InversionModel {
  readonly latentShape = [1, 4, 8, 8] as const;
  readonly options = { compile: { threads: 1 } };
  readonly model = { unet: { config, weights: Weights.fromFile(join(fixture.dir, 'diffusion_pytorch_model.safetensors')) } };
  private readonly unets = new Map<number, Promise<CompiledUNet>>();
  scheduler(kind?: SchedulerKind, options: { eta?: number } = {}) {
    return createScheduler(SD, kind ?? 'ddim', options);
  }
  unet(batch: number): Promise<CompiledUNet> {
    let unet = this.unets.get(batch);
    if (!unet) {
      unet = CompiledUNet.compile(config, this.model.unet.weights, { batch, height: 8, width: 8, textLength: 7 }, { threads: 1 });
      this.unets.set(batch, unet);
    }
    return unet;
  }
  async encodePrompt(text: string): Promise<HostTensor> {
    return text === '' ? embedding(2) : embedding(1000 + text.length);
  }
  async release(): Promise<void> {
    for (const unet of this.unets.values()) await (await unet).release();
  }
}

export const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - (b[i] as number))), 0);
export const rms = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((sum, v, i) => sum + (v - (b[i] as number)) ** 2, 0) / a.length);

const random = new Random(7);
export const x0 = Float32Array.from({ length: 4 * 8 * 8 }, () => random.normal() * 0.8);
export const PROMPT = 'a red circle';
