import * as E from '../engine/index.ts';
import { buildClipText } from '../models/clip/index.ts';
import type { StableDiffusionModel } from '../models/stable-diffusion.ts';
import { CompiledUNet } from '../models/unet/model.ts';
import type { UNetBuildOptions } from '../models/unet/unet.ts';
import { buildDecoder, buildEncoder, fromLatent, toLatent, vaeScaleFactor } from '../models/vae/index.ts';
import { createScheduler, parseSchedulerConfig, SD_SCHEDULER_CONFIG, type SchedulerConfig, type SchedulerKind } from './schedulers/index.ts';
import type { Scheduler } from './schedulers/index.ts';

export interface DiffusionOptions {
  /** Image size in pixels (default: the UNet's sample_size times the VAE's factor). */
  height?: number;
  width?: number;
  /** Compile UNets with every hook point wired (attention-control methods need it). */
  hooks?: boolean;
  compile?: E.CompileOptions;
}

/** What a method may need compiled into a hooked UNet beyond the usual controls (each a separate graph). */
export interface UNetVariant {
  /** Capture head-averaged self-attention maps of layers with at most this many tokens. */
  selfMapTokens?: number;
  /** Self-attention key restriction by query region (MasaCtrl's mask guidance). */
  keyRegions?: boolean;
}

/**
 * One model's networks compiled for one image size: the text encoder, UNets (batch 1 for a single
 * branch, batch 2 for [unconditional, conditional]), the VAE encoder and decoder. Each part is
 * compiled on first use and kept; prompt embeddings are cached by text.
 */
export class Diffusion {
  readonly height: number;
  readonly width: number;
  readonly latentShape: readonly [number, number, number, number];
  readonly schedulerConfig: SchedulerConfig;
  private readonly programs = new Map<string, Promise<E.Program>>();
  private readonly unets = new Map<string, Promise<CompiledUNet>>();
  private readonly prompts = new Map<string, Promise<E.HostTensor>>();

  constructor(
    readonly model: StableDiffusionModel,
    readonly options: DiffusionOptions = {},
  ) {
    const factor = vaeScaleFactor(model.vae.config);
    const sampleSize = model.unet.config.sampleSize ?? 64;
    this.height = options.height ?? sampleSize * factor;
    this.width = options.width ?? sampleSize * factor;
    if (this.height % factor !== 0 || this.width % factor !== 0) {
      throw new RangeError(`image size ${this.width}×${this.height} must be a multiple of ${factor} (the VAE's downsampling)`);
    }
    this.latentShape = [1, model.unet.config.inChannels, this.height / factor, this.width / factor];
    this.schedulerConfig = parseSchedulerConfig(model.schedulerConfig ?? SD_SCHEDULER_CONFIG, `${model.source} (scheduler)`);
  }

  /** Tokens the text encoder reads: the tokenizer's context, or fewer if the encoder has fewer positions. */
  get textLength(): number {
    return Math.min(this.model.tokenizer.maxLength, this.model.textEncoder.config.max_position_embeddings);
  }

  scheduler(kind?: SchedulerKind, options: { eta?: number } = {}): Scheduler {
    return createScheduler(this.schedulerConfig, kind, options);
  }

  /** Text embeddings [1, tokens, width] for one prompt ('' is the unconditional prompt). */
  encodePrompt(text: string): Promise<E.HostTensor> {
    let cached = this.prompts.get(text);
    if (!cached) {
      cached = this.runText(text);
      cached.catch(() => this.prompts.delete(text));
      this.prompts.set(text, cached);
    }
    return cached;
  }

  /** Token ids as the text encoder sees them (bos, tokens, eos, padding), truncated to the context. */
  tokenize(text: string): { ids: BigInt64Array; truncated: boolean } {
    const padded = this.model.tokenizer.encodePadded([text], this.textLength);
    const full = this.model.tokenizer.encode(text).length + 2;
    return { ids: padded.ids, truncated: full > this.textLength };
  }

  private async runText(text: string): Promise<E.HostTensor> {
    const program = await this.program('text', () => {
      const { config, weights } = this.model.textEncoder;
      return { embeds: E.cast(buildClipText(weights, config, { batch: 1, length: this.textLength }).promptEmbeds, 'float32') };
    });
    const { ids } = this.tokenize(text);
    const out = await program.run({ input_ids: { dtype: 'int64', shape: [1, this.textLength], data: ids } }, ['embeds']);
    return out.embeds as E.HostTensor;
  }

  /** The UNet for `batch` branches at this size; a variant needs hooks on. */
  unet(batch: number, variant: UNetVariant = {}): Promise<CompiledUNet> {
    const hooks = this.options.hooks ?? false;
    if (!hooks && (variant.selfMapTokens || variant.keyRegions)) throw new Error('a UNet variant needs a Diffusion built with hooks');
    const key = `${batch}:${variant.selfMapTokens ?? 0}:${variant.keyRegions ? 'regions' : ''}`;
    let cached = this.unets.get(key);
    if (!cached) {
      const [, , height, width] = this.latentShape;
      const options: UNetBuildOptions = { batch, height, width, textLength: this.textLength, dtype: 'float32', hooks, ...variant };
      cached = CompiledUNet.compile(this.model.unet.config, this.model.unet.weights, options, this.options.compile);
      cached.catch(() => this.unets.delete(key));
      this.unets.set(key, cached);
    }
    return cached;
  }

  /** UNet latent [1, C, h, w] → image tensor [1, 3, H, W] in [-1, 1]. */
  async decode(latent: Float32Array): Promise<E.HostTensor> {
    const program = await this.program('decode', () => {
      const { config, weights } = this.model.vae;
      const z = E.input('latent', [...this.latentShape], 'float32');
      return { image: E.cast(buildDecoder(config, weights, fromLatent(config, z)), 'float32') };
    });
    const out = await program.run({ latent: { dtype: 'float32', shape: [...this.latentShape], data: latent } }, ['image']);
    return out.image as E.HostTensor;
  }

  /** Image tensor [1, 3, H, W] in [-1, 1] → the scaled latent mean (deterministic, as editing wants). */
  async encode(image: E.HostTensor): Promise<Float32Array> {
    const expected = [1, 3, this.height, this.width];
    if (image.shape.join() !== expected.join()) {
      throw new RangeError(`encode: the image must be ${this.width}×${this.height} (tensor [${expected.join(', ')}]), got [${image.shape.join(', ')}]`);
    }
    const program = await this.program('encode', () => {
      const { config, weights } = this.model.vae;
      const x = E.input('image', expected, 'float32');
      const { mean, logvar } = buildEncoder(config, weights, x);
      return { latent: E.cast(toLatent(config, mean, logvar), 'float32') };
    });
    const out = await program.run({ image }, ['latent']);
    return (out.latent as E.HostTensor).data as Float32Array;
  }

  private program(name: string, build: () => Record<string, E.Tensor>): Promise<E.Program> {
    let cached = this.programs.get(name);
    if (!cached) {
      cached = Promise.resolve().then(() => E.Program.compile(build(), this.options.compile));
      cached.catch(() => this.programs.delete(name));
      this.programs.set(name, cached);
    }
    return cached;
  }

  async release(): Promise<void> {
    const all = [...this.programs.values(), ...this.unets.values()];
    this.programs.clear();
    this.unets.clear();
    this.prompts.clear();
    for (const pending of all) {
      const program = await pending.catch(() => undefined);
      await program?.release();
    }
  }
}
