import { GUIDANCE, STEPS } from '../config/limits.ts';
import type { HostTensor } from '../engine/index.ts';
import { tensorToRgb } from '../models/vae/index.ts';
import type { Diffusion } from './diffusion.ts';
import { sample, type SampleOptions, type StepProgress } from './sampler.ts';
import type { SchedulerKind } from './schedulers/index.ts';
import { samplingProblem } from './sampling-checks.ts';

export interface TextToImageOptions {
  prompt: string;
  /** What to steer away from; '' (the default) is plain classifier-free guidance. */
  negativePrompt?: string;
  steps?: number;
  guidance?: number;
  guidanceRescale?: number;
  seed: number;
  scheduler?: SchedulerKind;
  /** DDIM's eta (0: deterministic). */
  eta?: number;
  onStep?: (progress: StepProgress) => void | Promise<void>;
  signal?: AbortSignal;
  /** Outputs captured at chosen steps (see `sampleBranches`); they need hooks, which `diffusion` may lack. */
  captures?: SampleOptions['captures'];
  onCaptures?: SampleOptions['onCaptures'];
  /** The same model compiled with hooks: the steps that capture run on its UNet. */
  captureWith?: Diffusion;
}

export interface TextToImageResult {
  /** Interleaved RGB bytes. */
  pixels: Uint8Array;
  width: number;
  height: number;
  latent: Float32Array;
  image: HostTensor;
  /** The prompt was longer than the text encoder's context and was cut. */
  truncated: boolean;
  timings: { textMs: number; samplingMs: number; decodeMs: number };
}

export const TEXT_TO_IMAGE_DEFAULTS = { steps: STEPS.default, guidance: GUIDANCE.default, scheduler: 'ddim' as SchedulerKind };

/** `sample.*` from a prompt: text embeddings, the sampling loop, the VAE decoder. */
export async function textToImage(diffusion: Diffusion, options: TextToImageOptions): Promise<TextToImageResult> {
  const steps = options.steps ?? TEXT_TO_IMAGE_DEFAULTS.steps;
  const guidance = options.guidance ?? TEXT_TO_IMAGE_DEFAULTS.guidance;
  const problem = samplingProblem({ steps, guidance, seed: options.seed });
  if (problem) throw new RangeError(problem);
  const guided = guidance !== 1;

  const t0 = performance.now();
  const cond = await diffusion.encodePrompt(options.prompt);
  const uncond = guided ? await diffusion.encodePrompt(options.negativePrompt ?? '') : undefined;
  const t1 = performance.now();
  const unet = await diffusion.unet(guided ? 2 : 1);
  const captureUnet = options.captures && options.captureWith ? await options.captureWith.unet(guided ? 2 : 1) : undefined;
  const scheduler = diffusion.scheduler(options.scheduler ?? TEXT_TO_IMAGE_DEFAULTS.scheduler, { eta: options.eta ?? 0 });
  const t2 = performance.now();
  const { latent } = await sample({
    unet,
    scheduler,
    steps,
    guidance,
    guidanceRescale: options.guidanceRescale,
    cond,
    uncond,
    seed: options.seed,
    captures: options.captures,
    onCaptures: options.onCaptures,
    captureUnet,
    onStep: options.onStep,
    signal: options.signal,
  });
  const t3 = performance.now();
  const image = await diffusion.decode(latent);
  const { pixels, width, height } = tensorToRgb(image);
  const t4 = performance.now();
  return {
    pixels,
    width,
    height,
    latent,
    image,
    truncated: diffusion.tokenize(options.prompt).truncated,
    timings: { textMs: t1 - t0, samplingMs: t3 - t2, decodeMs: t4 - t3 },
  };
}
