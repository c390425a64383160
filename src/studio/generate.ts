// /imagine's work: a plan whose one step is `sample.*` from a prompt → an image of the requester.
import type { EditPlan } from '../plan/index.ts';
import type { StepProgress } from '../pipeline/sampler.ts';
import { textToImage, TEXT_TO_IMAGE_DEFAULTS } from '../pipeline/text-to-image.ts';
import type { PrismaClient } from '../store/database.ts';
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
  const seed = work.plan.output.seed ?? Math.floor(Math.random() * 2 ** 31);
  const plan: EditPlan = { ...work.plan, output: { ...work.plan.output, seed } };
  const started = performance.now();
  const result = await studio.exclusive(({ diffusion }) => {
    const compiled = diffusion({ hooks: false });
    const preview = work.previews ? previewMaker(compiled) : undefined;
    return textToImage(compiled, {
      prompt: step.params.prompt as string,
      negativePrompt: step.params.negativePrompt,
      seed,
      steps: plan.output.steps ?? TEXT_TO_IMAGE_DEFAULTS.steps,
      guidance: plan.output.guidance ?? TEXT_TO_IMAGE_DEFAULTS.guidance,
      onStep: async (progress) => work.onStep?.(progress, await preview?.(progress)),
      signal: work.signal,
    });
  });
  const saved = await saveResult(prisma, { rgb: result.pixels, width: result.width, height: result.height }, work.owner, { plan, methods: [step.method] });
  return { ...saved, seed, seconds: (performance.now() - started) / 1000, truncated: result.truncated };
}
