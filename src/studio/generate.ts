// /imagine's work: a plan whose one step is `sample.*` from a prompt (or `multidiffusion` for a wide
// shape) → an image of the requester.
import type { EditPlan } from '../plan/index.ts';
import type { StepProgress } from '../pipeline/sampler.ts';
import { textToImage, TEXT_TO_IMAGE_DEFAULTS } from '../pipeline/text-to-image.ts';
import type { PrismaClient } from '../store/database.ts';
import { EditRequestError, runEdit } from '../methods/index.ts';
import { multidiffusion } from '../methods/multidiffusion.ts';
import { previewMaker } from './preview.ts';
import { saveResult, type Owner, type SavedResult } from './results.ts';
import type { Studio } from './studio.ts';

export interface GenerateWork {
  plan: EditPlan;
  owner: Owner;
  /** After each step; `preview` (a thumbnail data URL) every few steps when `previews` is on. */
  onStep?: (progress: StepProgress, preview?: string) => void | Promise<void>;
  previews?: boolean;
  signal?: AbortSignal;
}

export interface GenerateOutcome extends SavedResult {
  seed: number;
  seconds: number;
  truncated: boolean;
}

export async function generate(studio: Studio, prisma: PrismaClient, work: GenerateWork): Promise<GenerateOutcome> {
  const step = work.plan.steps[0];
  if (!step || step.edit !== 'generate' || !step.params.prompt) throw new Error('generate: the plan has no generate step with a prompt');
  const prompt = step.params.prompt;
  const seed = work.plan.output.seed ?? Math.floor(Math.random() * 2 ** 31);
  const plan: EditPlan = { ...work.plan, output: { ...work.plan.output, seed } };
  const steps = plan.output.steps ?? TEXT_TO_IMAGE_DEFAULTS.steps;
  const guidance = plan.output.guidance ?? TEXT_TO_IMAGE_DEFAULTS.guidance;
  const started = performance.now();
  const result = await studio.exclusive(async ({ diffusion }): Promise<{ pixels: Uint8Array; width: number; height: number; truncated: boolean }> => {
    const compiled = diffusion({ hooks: false });
    const preview = work.previews ? previewMaker(compiled) : undefined;
    const onStep = async (progress: StepProgress) => work.onStep?.(progress, await preview?.(progress));
    if (step.method === 'multidiffusion') {
      // A wider picture than the model draws: MultiDiffusion fuses model-sized windows across it.
      const ratio = step.params.ratio ?? { width: 1, height: 1 };
      if (ratio.width < ratio.height) throw new EditRequestError(`tall pictures (${ratio.width}:${ratio.height}) are not available yet; MultiDiffusion here widens, so choose a wide or square shape`);
      const run = await runEdit(compiled, {
        method: multidiffusion,
        params: { widthFactor: ratio.width / ratio.height },
        targetPrompt: prompt,
        negativePrompt: step.params.negativePrompt,
        steps, guidance, seed, onStep, signal: work.signal,
      });
      return { pixels: run.image.rgb, width: run.image.width, height: run.image.height, truncated: compiled.tokenize(prompt).truncated };
    }
    return textToImage(compiled, { prompt, negativePrompt: step.params.negativePrompt, seed, steps, guidance, onStep, signal: work.signal });
  }, plan.output.model);
  const saved = await saveResult(prisma, { rgb: result.pixels, width: result.width, height: result.height }, work.owner, { plan, methods: [step.method] });
  return { ...saved, seed, seconds: (performance.now() - started) / 1000, truncated: result.truncated };
}
