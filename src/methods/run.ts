// One edit from an image to an image: check the request against the method, encode the source,
// get its inversion when the method needs one, run the method, decode. The chat, the CLI, the
// benchmark and the job workers all edit through here.
import { GUIDANCE, SEED, STEPS } from '../config/limits.ts';
import type { HostTensor } from '../engine/index.ts';
import { rgbToTensor, tensorToRgb } from '../models/vae/index.ts';
import type { ConceptDictionary } from '../models/sae/dictionary.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { invert, type InversionMethod, type InversionResult, type InvertOptions } from '../pipeline/inversion/index.ts';
import type { StepProgress } from '../pipeline/sampler.ts';
import type { SchedulerKind } from '../pipeline/schedulers/index.ts';
import type { RgbImage } from '../support/image.ts';
import { checkParams } from './params.ts';
import { decodeCanvas } from './shared/canvas.ts';
import { toEditMask, type MaskImage } from './shared/mask.ts';
import { pasteOutside } from './shared/paste.ts';
import { EditRequestError, type EditMethod, type EditOutput } from './types.ts';
import { samplingProblem } from '../pipeline/sampling-checks.ts';

export const EDIT_DEFAULTS = { steps: STEPS.default, guidance: GUIDANCE.default, seed: SEED.default };

export type EditPhase = 'encode' | 'invert' | 'edit' | 'decode';

export interface EditRequest {
  method: EditMethod;
  params?: Record<string, unknown>;
  /** The image to edit, at the model's size, and what it shows (absent for a method that `generates`). */
  source?: { image: RgbImage; prompt: string };
  targetPrompt: string;
  negativePrompt?: string;
  mask?: MaskImage;
  /** Which inversion to use: one the method accepts, or 'none' (default: the method's first choice). */
  inversion?: InversionMethod | 'none';
  /** Which scheduler to sample with: one the method lists (default: its first, DDIM for most). */
  scheduler?: SchedulerKind;
  steps?: number;
  guidance?: number;
  seed?: number;
  /** Gets the inversion (e.g. from the per-user store); default: computes it. */
  invert?: (method: InversionMethod, options: InvertOptions) => Promise<InversionResult>;
  /** The model's concept dictionary, for methods that steer with it (`needs.concepts`). */
  concepts?: ConceptDictionary;
  /**
   * For a method that edits locally: put the source's pixels back outside its mask after decoding
   * (default true; false shows what the decoder made of the untouched latents).
   */
  pasteOutside?: boolean;
  /**
   * Pixels (0–255, at the image's size) where the source is put back over the decoded result, softly:
   * the objects kept by an edit that redraws everything around them (a new background).
   */
  keepSource?: MaskImage;
  onPhase?: (phase: EditPhase) => void | Promise<void>;
  onStep?: (progress: StepProgress) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface EditRun {
  image: RgbImage;
  output: EditOutput;
  params: Record<string, unknown>;
  inversion?: InversionMethod;
  timings: { encodeMs: number; inversionMs: number; editMs: number; decodeMs: number };
}

export async function runEdit(diffusion: Diffusion, request: EditRequest): Promise<EditRun> {
  const { method } = request;
  const params = checkParams(method, request.params);
  const steps = request.steps ?? EDIT_DEFAULTS.steps;
  const guidance = request.guidance ?? EDIT_DEFAULTS.guidance;
  const seed = request.seed ?? EDIT_DEFAULTS.seed;
  const sampling = samplingProblem({ steps, guidance, seed });
  if (sampling) throw new EditRequestError(sampling);
  const [, , latentHeight, latentWidth] = diffusion.latentShape;
  const size = { width: diffusion.width, height: diffusion.height };

  const { source } = request;
  if (!source && !method.needs.generates) throw new EditRequestError(`${method.id} edits an image; give one`);
  if (source && (source.image.width !== size.width || source.image.height !== size.height)) {
    throw new EditRequestError(`the image is ${source.image.width}×${source.image.height}; this model edits ${size.width}×${size.height} (resize it first)`);
  }
  if (method.needs.mask === 'required' && !request.mask) throw new EditRequestError(`${method.id} needs a mask of the area to change`);
  if (method.needs.concepts && !request.concepts) throw new EditRequestError(`${method.id} needs the model's concept dictionary, and there is none yet; build it with 'retouch concepts build'`);
  const mask = request.mask ? toEditMask(request.mask, size, { width: latentWidth, height: latentHeight }) : undefined;
  const inversionChoices = method.needs.inversion ?? [];
  const problem = inversionProblem(method, request.inversion) ?? schedulerProblem(method, request.scheduler);
  if (problem) throw new EditRequestError(problem);
  const scheduler = request.scheduler ?? schedulersOf(method)[0]!;

  const t0 = performance.now();
  await request.onPhase?.('encode');
  const sourceLatent = source
    ? await diffusion.encode(rgbToTensor(source.image.rgb, source.image.width, source.image.height))
    : new Float32Array(diffusion.latentShape.reduce((a, b) => a * b, 1));
  const sourcePrompt = source?.prompt ?? '';
  const t1 = performance.now();

  let inversion: InversionResult | undefined;
  const chosen = request.inversion ?? inversionChoices[0];
  const inversionMethod = source && chosen !== 'none' ? chosen : undefined;
  if (inversionMethod) {
    await request.onPhase?.('invert');
    const options: InvertOptions = { latent: sourceLatent, prompt: sourcePrompt, steps, guidance, signal: request.signal };
    inversion = await (request.invert ?? ((m, o) => invert(diffusion, m, o)))(inversionMethod, options);
  }
  const t2 = performance.now();

  await request.onPhase?.('edit');
  const output = await method.run(
    {
      diffusion,
      source: { latent: sourceLatent, prompt: sourcePrompt },
      target: { prompt: request.targetPrompt, negativePrompt: request.negativePrompt },
      mask,
      scheduler,
      steps,
      guidance,
      seed,
      inversion,
      concepts: request.concepts,
      onStep: request.onStep,
      signal: request.signal,
    },
    params,
  );
  const t3 = performance.now();

  await request.onPhase?.('decode');
  let image = output.canvas
    ? await decodeCanvas(diffusion, output.canvas.latent, output.canvas.latentWidth, output.canvas.latentHeight)
    : asRgb(await diffusion.decode(output.latent));
  const editedArea = output.mask ?? mask?.latent;
  if (method.needs.local && source && !output.canvas && editedArea && request.pasteOutside !== false) {
    const pasted = pasteOutside(image, source.image, editedArea, latentWidth, latentHeight);
    image = pasted.image;
    output.metrics = { ...output.metrics, sourcePixelsKept: pasted.keptFraction };
  }
  if (request.keepSource && source) image = keepPixels(image, source.image, request.keepSource);
  const t4 = performance.now();
  return {
    image,
    output,
    params,
    inversion: inversionMethod,
    timings: { encodeMs: t1 - t0, inversionMs: t2 - t1, editMs: t3 - t2, decodeMs: t4 - t3 },
  };
}

/** The schedulers a method samples with, its default first. */
export function schedulersOf(method: EditMethod): readonly SchedulerKind[] {
  return method.schedulers ?? ['ddim'];
}

/** Why the method can't use this inversion, or undefined when it can ('none' for a method that takes one: it then gets none). */
export function inversionProblem(method: EditMethod, inversion: InversionMethod | 'none' | undefined): string | undefined {
  const choices = method.needs.inversion ?? [];
  if (inversion === undefined || inversion === 'none' || choices.includes(inversion)) return undefined;
  return choices.length ? `${method.id} works with ${choices.join(' or ')}, not ${inversion}` : `${method.id} does not use an inversion (asked for ${inversion})`;
}

export function schedulerProblem(method: EditMethod, scheduler: SchedulerKind | undefined): string | undefined {
  const choices = schedulersOf(method);
  if (scheduler === undefined || choices.includes(scheduler)) return undefined;
  return `${method.id} samples with ${choices.join(' or ')}, not ${scheduler}`;
}

/** The source's pixels over `image` where `keep` says, in proportion (soft edges blend). */
function keepPixels(image: RgbImage, source: RgbImage, keep: MaskImage): RgbImage {
  if (keep.width !== image.width || keep.height !== image.height) throw new EditRequestError(`the area to keep is ${keep.width}×${keep.height} and the image ${image.width}×${image.height}`);
  const scale = keep.data instanceof Uint8Array ? 1 / 255 : 1;
  const rgb = new Uint8Array(image.rgb.length);
  for (let p = 0; p < keep.width * keep.height; p++) {
    const a = Math.min(1, Math.max(0, keep.data[p]! * scale));
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round(a * source.rgb[p * 3 + c]! + (1 - a) * image.rgb[p * 3 + c]!);
  }
  return { ...image, rgb };
}

function asRgb(tensor: HostTensor): RgbImage {
  const { pixels, width, height } = tensorToRgb(tensor);
  return { rgb: pixels, width, height };
}
