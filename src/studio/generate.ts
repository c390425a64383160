// /imagine's work: a plan whose one step is `sample.*` from a prompt (or `multidiffusion` for a wide
// shape) → an image of the requester.
import type { DrawnWith, EditPlan, PlanStep } from '../plan/index.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import type { RgbImage } from '../support/image.ts';
import type { StepProgress } from '../pipeline/sampler.ts';
import { textToImage, TEXT_TO_IMAGE_DEFAULTS } from '../pipeline/text-to-image.ts';
import type { PrismaClient } from '../store/database.ts';
import { EditRequestError, runEdit } from '../methods/index.ts';
import { multidiffusion } from '../methods/multidiffusion.ts';
import { previewMaker } from './preview.ts';
import { layoutPreview, type LayoutPreview } from './layout-preview.ts';
import type { ConceptDictionary } from '../models/sae/dictionary.ts';
import { checkDrawing, hasReader, readPicture, readPrompt } from '../reading/index.ts';
import { completedPrompt } from '../plan/world.ts';
import { saveResult, type Owner, type SavedResult } from './results.ts';
import type { Studio } from './studio.ts';

export interface GenerateWork {
  plan: EditPlan;
  owner: Owner;
  /** After each step; `preview` (a thumbnail data URL) every few steps when `previews` is on. */
  onStep?: (progress: StepProgress, preview?: string) => void | Promise<void>;
  previews?: boolean;
  signal?: AbortSignal;
  /** The model's ready shared concept dictionary, if any: with previews on, the first one is its layout of the prompt. */
  concepts?: (modelHash: string) => Promise<ConceptDictionary | undefined>;
}

export interface GenerateOutcome extends SavedResult {
  seed: number;
  seconds: number;
  truncated: boolean;
  /** What the read-back found, on a model that has one and a prompt of its world. */
  check?: DrawingReport;
}

/** Drawings per /imagine at most: the first, and redraws with the next seeds when the read-back finds it wrong. */
export const MAX_DRAWS = 3;

export interface DrawingReport {
  /** The kept drawing shows everything the prompt named. */
  done: boolean;
  /** What the read-back found wrong with the kept drawing. */
  problems: string[];
  /** Each drawing made, in order: its seed and what was wrong with it. */
  tries: { seed: number; problems: string[] }[];
  /** The whole caption the kept drawing was drawn from, where the prompt left words open. */
  drawnFrom?: string;
}

export interface Drawing {
  image: RgbImage;
  seed: number;
  /** The words the model drew from. */
  prompt: string;
  truncated: boolean;
  check?: DrawingReport;
}

/**
 * /imagine's drawing without a database: the plan's prompt drawn (MultiDiffusion for a wide shape)
 * and, where the model has a read-back and the prompt is in its world's words, drawn from the whole
 * caption that completes it and read back; a drawing that misses what the prompt named is drawn
 * again with the next seed (and that seed's completion), and the best one is kept.
 */
export async function drawPicture(diffusion: (options: { hooks: boolean }) => Diffusion, plan: EditPlan, modelName: string, options: Pick<GenerateWork, 'onStep' | 'previews' | 'signal' | 'concepts'> = {}): Promise<Drawing> {
  const step = plan.steps[0];
  if (!step || step.edit !== 'generate' || !step.params.prompt) throw new Error('generate: the plan has no generate step with a prompt');
  const prompt = step.params.prompt;
  const seed = plan.output.seed ?? Math.floor(Math.random() * 2 ** 31);
  const steps = plan.output.steps ?? TEXT_TO_IMAGE_DEFAULTS.steps;
  const guidance = plan.output.guidance ?? TEXT_TO_IMAGE_DEFAULTS.guidance;
  const compiled = diffusion({ hooks: false });
  const dictionary = options.previews && step.method !== 'multidiffusion' ? await options.concepts?.(compiled.model.hash) : undefined;
  let layout: LayoutPreview | undefined;
  const preview = options.previews ? previewMaker(compiled, undefined, () => layout?.take()) : undefined;
  const onStep = async (progress: StepProgress) => options.onStep?.(progress, await preview?.(progress));
  let drawn = 0;
  const draw = async (drawSeed: number, prompt: string): Promise<Drawing> => {
    // Only the first drawing's layout: a redraw's previews are its decoded pictures.
    layout = dictionary && drawn++ === 0 ? await layoutPreview(diffusion({ hooks: true }), dictionary, prompt, steps) : undefined;
    if (step.method === 'multidiffusion') {
      // A wider picture than the model draws: MultiDiffusion fuses model-sized windows across it.
      const ratio = step.params.ratio ?? { width: 1, height: 1 };
      if (ratio.width < ratio.height) throw new EditRequestError(`tall pictures (${ratio.width}:${ratio.height}) are not available yet; MultiDiffusion here widens, so choose a wide or square shape`);
      const run = await runEdit(compiled, {
        method: multidiffusion,
        params: { widthFactor: ratio.width / ratio.height },
        targetPrompt: prompt,
        negativePrompt: step.params.negativePrompt,
        steps, guidance, seed: drawSeed, onStep, signal: options.signal,
      });
      return { image: run.image, seed: drawSeed, prompt, truncated: compiled.tokenize(prompt).truncated };
    }
    const made = await textToImage(compiled, { prompt, negativePrompt: step.params.negativePrompt, seed: drawSeed, steps, guidance, onStep, signal: options.signal, ...layout?.sampling });
    return { image: { rgb: made.pixels, width: made.width, height: made.height }, seed: drawSeed, prompt, truncated: made.truncated };
  };
  const named = namedScene(step, modelName);
  if (!named) return draw(seed, prompt);
  const tries: DrawingReport['tries'] = [];
  let best: { drawing: Drawing; problems: string[] } | undefined;
  for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
    const drawSeed = (seed + attempt) >>> 0;
    const drawing = await draw(drawSeed, completedPrompt(named, drawSeed));
    const found = checkDrawing(named, await readPicture(drawing.image));
    tries.push({ seed: drawing.seed, problems: found.problems });
    if (!best || found.problems.length < best.problems.length) best = { drawing, problems: found.problems };
    if (found.done) break;
  }
  const kept = best!.drawing;
  const drawnFrom = kept.prompt !== prompt ? { drawnFrom: kept.prompt } : {};
  return { ...kept, check: { done: best!.problems.length === 0, problems: best!.problems, tries, ...drawnFrom } };
}

/** What the shipped model's drawing of a prompt must show: the prompt read as a scene of its world, where it is one. */
function namedScene(step: PlanStep, modelName: string) {
  return step.method !== 'multidiffusion' && hasReader(modelName) && step.params.prompt ? readPrompt(step.params.prompt) : undefined;
}

/**
 * How /imagine drew a picture, from the plan stored with it: the words drawn from (the whole
 * caption that completed the prompt, where it did) and the sampling settings. Undefined for
 * anything a redraw would not reproduce: an edit's result, a MultiDiffusion panorama, a plan
 * without its seed. The drawing's sampler is DDIM whatever the plan's scheduler says (drawPicture).
 */
export function drawnWith(plan: EditPlan, modelName: string): DrawnWith | undefined {
  const [step, ...rest] = plan.steps;
  const seed = plan.output.seed;
  if (!step || rest.length > 0 || step.edit !== 'generate' || step.method !== 'sample.ddim' || !step.params.prompt || seed === undefined) return undefined;
  const named = namedScene(step, plan.output.model ?? modelName);
  return {
    prompt: named ? completedPrompt(named, seed) : step.params.prompt,
    ...(step.params.negativePrompt ? { negativePrompt: step.params.negativePrompt } : {}),
    seed,
    steps: plan.output.steps ?? TEXT_TO_IMAGE_DEFAULTS.steps,
    guidance: plan.output.guidance ?? TEXT_TO_IMAGE_DEFAULTS.guidance,
    ...(plan.output.model ? { model: plan.output.model } : {}),
  };
}

export async function generate(studio: Studio, prisma: PrismaClient, work: GenerateWork): Promise<GenerateOutcome> {
  const started = performance.now();
  const modelName = work.plan.output.model ?? studio.catalog.defaultName;
  const drawing = await studio.exclusive(({ diffusion }) => drawPicture(diffusion, work.plan, modelName, work), work.plan.output.model);
  const plan: EditPlan = { ...work.plan, output: { ...work.plan.output, seed: drawing.seed } };
  const saved = await saveResult(prisma, drawing.image, work.owner, { plan, methods: plan.steps.map((s) => s.method) });
  return { ...saved, seed: drawing.seed, seconds: (performance.now() - started) / 1000, truncated: drawing.truncated, ...(drawing.check ? { check: drawing.check } : {}) };
}
