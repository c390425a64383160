// The one loaded model of a bot or worker process, and the rule that only one piece of GPU work runs
// in it at a time (onnxruntime's WebGPU sessions must not run concurrently in one process, and on a
// CPU two runs would only slow each other down).
import type { Logger } from '../log.ts';
import { resolveModelPath } from '../models/shipped.ts';
import { openStableDiffusion, type StableDiffusionModel } from '../models/stable-diffusion.ts';
import { Diffusion } from '../pipeline/diffusion.ts';

export interface StudioModels {
  model: StableDiffusionModel;
  /** The model's networks for its native size, with or without hook points. */
  diffusion(options: { hooks: boolean }): Diffusion;
}

export class Studio {
  private model: StableDiffusionModel | undefined;
  /** Compiled networks without and with the hook points (the hooks cost a little per step). */
  private readonly compiled = new Map<boolean, Diffusion>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: { modelDir?: string; logger: Logger },
  ) {}

  /** Runs `work` after everything submitted before it has finished. */
  exclusive<T>(work: (models: StudioModels) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      const model = this.open();
      return work({ model, diffusion: (options) => this.diffusion(model, options.hooks) });
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private open(): StableDiffusionModel {
    if (!this.model) {
      const path = resolveModelPath(this.options.modelDir);
      this.model = openStableDiffusion(path);
      this.options.logger.info({ path, model: this.model.hash }, 'model opened');
    }
    return this.model;
  }

  private diffusion(model: StableDiffusionModel, hooks: boolean): Diffusion {
    let diffusion = this.compiled.get(hooks);
    if (!diffusion) {
      diffusion = new Diffusion(model, { hooks });
      this.compiled.set(hooks, diffusion);
    }
    return diffusion;
  }

  async close(): Promise<void> {
    await this.tail;
    for (const diffusion of this.compiled.values()) await diffusion.release();
    this.compiled.clear();
    this.model = undefined;
  }
}
