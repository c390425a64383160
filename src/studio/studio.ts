// The models of a bot or worker process (one open at a time: the one the current job names), and the
// rule that only one piece of GPU work runs at a time (onnxruntime's WebGPU sessions must not run
// concurrently in one process, and on a CPU two runs would only slow each other down).
import type { Logger } from '../log.ts';
import { modelCatalog, type ModelCatalog } from '../models/catalog.ts';
import { openStableDiffusion, type StableDiffusionModel } from '../models/stable-diffusion.ts';
import { Diffusion } from '../pipeline/diffusion.ts';

export interface StudioModels {
  model: StableDiffusionModel;
  /** The model's networks for its native size, with or without hook points. */
  diffusion(options: { hooks: boolean }): Diffusion;
}

export class Studio {
  readonly catalog: ModelCatalog;
  private open: { name: string; model: StableDiffusionModel } | undefined;
  /** The open model's compiled networks without and with the hook points (the hooks cost a little per step). */
  private readonly compiled = new Map<boolean, Diffusion>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { catalog?: ModelCatalog; modelDir?: string | undefined; logger: Logger }) {
    this.catalog = options.catalog ?? modelCatalog({ modelDir: options.modelDir });
  }

  /**
   * Runs `work` on model `name` (default: the catalog's default) after everything submitted before it
   * has finished. An unknown name rejects with UnknownModelError before any work.
   */
  exclusive<T>(work: (models: StudioModels) => Promise<T>, name?: string): Promise<T> {
    const run = this.tail.then(async () => {
      const model = await this.openModel(name ?? this.catalog.defaultName);
      return work({ model, diffusion: (options) => this.diffusion(model, options.hooks) });
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async openModel(name: string): Promise<StableDiffusionModel> {
    const path = this.catalog.pathOf(name);
    if (this.open?.name !== name) {
      // One model's graphs in memory at a time: an SD model's take gigabytes.
      await this.releaseCompiled();
      this.open = { name, model: openStableDiffusion(path) };
      this.options.logger.info({ name, path, model: this.open.model.hash }, 'model opened');
    }
    return this.open.model;
  }

  private diffusion(model: StableDiffusionModel, hooks: boolean): Diffusion {
    let diffusion = this.compiled.get(hooks);
    if (!diffusion) {
      diffusion = new Diffusion(model, { hooks });
      this.compiled.set(hooks, diffusion);
    }
    return diffusion;
  }

  private async releaseCompiled(): Promise<void> {
    for (const diffusion of this.compiled.values()) await diffusion.release();
    this.compiled.clear();
  }

  async close(): Promise<void> {
    await this.tail;
    await this.releaseCompiled();
    this.open = undefined;
  }
}
