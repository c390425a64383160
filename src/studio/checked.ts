// An edit that checks itself. On a model whose pictures can be read back (the shipped model), each
// plan step's result is read and compared with the scene its target caption describes: the asked
// change must read back and nothing else may change. A step that fails is tried again, a bounded
// number of times, by the next way worth trying (Blended Diffusion inside the area the change needs,
// found from the reading; then with another seed); the best attempt is kept. A step that still fails
// ends the plan there: later steps were planned on the image it should have made.
import { EditRequestError, findMethod, getMethod } from '../methods/index.ts';
import type { EditPlan } from '../plan/index.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { changeArea, checkScene, objectsArea, readPicture, sceneOf, type Change, type Reading, type Scene } from '../reading/index.ts';
import { pasteOutsideArea } from '../methods/shared/paste.ts';
import { promptForScene, sceneOfPrompt, unplacedPrompt } from '../plan/world.ts';
import type { RgbImage } from '../support/image.ts';
import { runPlanStep, type PlanRun, type PlanRunOptions, type StepOverride } from './plan-run.ts';

/** Tries per step, the planned one included. */
export const MAX_TRIES = 3;

export interface TryReport {
  method: string;
  seed: number;
  done: boolean;
  kept: boolean;
  problems: string[];
}

export interface StepReport {
  /** The changes this step was asked to make; empty when it could not be checked. */
  asked: Change[];
  /** The step's result was read back (false: the target is not a scene the read-back knows). */
  checked: boolean;
  done: boolean;
  kept: boolean;
  /** What the read-back found wrong with the attempt kept. */
  problems: string[];
  tries: TryReport[];
}

export interface CheckReport {
  steps: StepReport[];
  /** Plan steps never run because an earlier one failed. */
  skipped: number;
  /** The world's caption of the final picture as read. */
  read: string;
}

export interface CheckedRun extends PlanRun {
  report: CheckReport;
}

interface Attempt {
  image: RgbImage;
  reading: Reading;
  report: TryReport;
  inversion: 'stored' | 'computed' | 'none';
  notes: string[];
}

/** The change area is already grown past the objects' rims: a two-pixel ramp joins it to the kept pixels. */
const KEEP_EDGE = { grow: 0, feather: 2 };

/** A latent cell covers 8×8 pixels: one pixel of the area in it is enough. */
const ONE_PIXEL_OF_A_CELL = 1 / 64;

/** Better: the change made, then nothing else changed, then fewer problems. */
const score = (t: TryReport) => (t.done ? 4 : 0) + (t.kept ? 2 : 0) - t.problems.length / 100;

/**
 * The ways to try a step, in order: as planned, then twice (two seeds) the way that holds best on
 * the shipped model. A new background: the whole picture redrawn toward the target caption, the
 * objects' own pixels put back over it (Blended Diffusion around a kept object drew sand-coloured
 * fragments into a night sky: the kept patch fights the prompt). Anything else: Blended Diffusion
 * inside the area the change needs, the rest kept to the pixel.
 */
function tries(plan: EditPlan, index: number, reading: Reading, caption: string, expected: Pick<Scene, 'background' | 'objects'>, changed: Uint8Array, width: number): StepOverride[] {
  const seed = plan.output.seed ?? 0;
  const planned = { seed, ...objectOf(plan, index, reading, caption) };
  const blended = getMethod('blended');
  const next = (n: number) => seed + n + (plan.steps[index]!.method === 'blended' ? 1 : 0);
  const mask = (data: Uint8Array) => ({ data, width, height: data.length / width });
  if (reading.background !== expected.background) {
    const everywhere = mask(new Uint8Array(width * width).fill(255));
    const redraw = (n: number): StepOverride => ({ method: blended, mask: everywhere, params: { skip: 0 }, keepSource: mask(objectsArea(reading, width)), targetPrompt: promptForScene(expected), seed: next(n) });
    return [planned, redraw(0), redraw(1)].slice(0, MAX_TRIES);
  }
  // Every latent cell the area touches is redrawn: at Blended Diffusion's half-covered cells, the
  // cells keeping a removed or moved object's rim drew its outline back (read as a ring).
  const local = (n: number): StepOverride => ({ method: blended, mask: area, params: { maskThreshold: ONE_PIXEL_OF_A_CELL }, seed: next(n) });
  const area = mask(changed);
  return [planned, local(0), local(1)].slice(0, MAX_TRIES);
}

/**
 * For a method that takes the area of the object it moves (sae.move): that object as the read-back
 * finds it, and the caption it is drawn from without its place. Nothing when it isn't found: the
 * method then finds it itself.
 */
function objectOf(plan: EditPlan, index: number, reading: Reading, caption: string): StepOverride {
  const step = plan.steps[index]!;
  const shape = step.params.object ?? step.params.target;
  const found = reading.objects.find((o) => o.shape === shape);
  if (!findMethod(step.method)?.needs.objectMask || !found) return {};
  const drawn = sceneOfPrompt(caption);
  const side = Math.sqrt(found.mask.length); // the reading's masks are square
  return {
    mask: { data: found.mask, width: side, height: side },
    ...(drawn ? { params: { steerPrompt: unplacedPrompt(drawn, found.shape) } } : {}),
  };
}

/**
 * Runs the plan on a model-sized image, reading back each step's result as it will be shown
 * (`present`: an upload's edit put back into the picture at its own size). `source` must be a
 * picture the reader understands (the caller checks `readPicture(...).inWorld` before planning).
 */
export async function applyPlanChecked(diffusion: (options: { hooks: boolean }) => Diffusion, plan: EditPlan, source: RgbImage, options: PlanRunOptions = {}, present: (image: RgbImage) => Promise<RgbImage> = async (image) => image): Promise<CheckedRun> {
  const inversions: CheckedRun['inversions'] = [];
  const notes: string[] = [];
  const steps: StepReport[] = [];
  let image = source;
  let reading = await readPicture(source);
  let caption = plan.source.caption ?? reading.caption;
  for (let index = 0; index < plan.steps.length; index++) {
    const step = plan.steps[index]!;
    const expected = sceneOfPrompt(step.params.prompt ?? '');
    if (!expected) {
      // Nothing to compare with: run as planned and say it was not checked.
      const run = await runPlanStep(diffusion, plan, index, image, caption, options);
      inversions.push(run.inversion);
      notes.push(...run.notes);
      image = run.image;
      caption = run.targetPrompt;
      reading = await readPicture(image);
      steps.push({ asked: [], checked: false, done: false, kept: false, problems: [], tries: [{ method: step.method, seed: plan.output.seed ?? 0, done: false, kept: false, problems: [] }] });
      continue;
    }
    let best: Attempt | undefined;
    const made: TryReport[] = [];
    const attempts: Attempt['inversion'][] = [];
    const changed = changeArea(reading, expected, image.width);
    for (const override of tries(plan, index, reading, caption, expected, changed, image.width)) {
      let run: Awaited<ReturnType<typeof runPlanStep>>;
      try {
        run = await runPlanStep(diffusion, plan, index, image, caption, options, override);
      } catch (error) {
        // A method that refuses this request (a word swap between prompts of different lengths) is a
        // try that failed, not the end of the edit: the next way is tried.
        if (!(error instanceof EditRequestError)) throw error;
        made.push({ method: override.method?.id ?? step.method, seed: override.seed ?? 0, done: false, kept: true, problems: [`it could not run: ${error.message}`] });
        continue;
      }
      attempts.push(run.inversion);
      // What the change needs is taken from the try; everything else stays the picture's own pixels,
      // whatever the method did there (MasaCtrl redraws it all, and an untouched ring lost its pattern).
      const area = reading.background === expected.background ? changeArea(reading, expected, image.width, await readPicture(run.image)) : changed;
      const { image: composed } = pasteOutsideArea(run.image, image, area, KEEP_EDGE);
      const after = await readPicture(await present(composed));
      const check = checkScene(sceneOf(reading), expected, after);
      const report: TryReport = { method: override.method?.id ?? step.method, seed: override.seed ?? 0, done: check.done, kept: check.kept, problems: check.problems };
      made.push(report);
      if (!best || score(report) > score(best.report)) best = { image: composed, reading: after, report, inversion: run.inversion, notes: run.notes };
      if (check.done && check.kept) break;
    }
    if (!best) throw new EditRequestError(`no way of making this change could run: ${made.map((t) => t.problems.join('; ')).join(' / ')}`);
    const kept = best;
    const asked = checkScene(sceneOf(reading), expected, kept.reading).asked;
    steps.push({ asked, checked: true, done: kept.report.done, kept: kept.report.kept, problems: kept.report.problems, tries: made });
    // The stored inversion counts as reused when any try started from it.
    inversions.push(attempts.some((a) => a === 'stored') ? 'stored' : kept.inversion);
    notes.push(...kept.notes);
    image = kept.image;
    reading = kept.reading;
    caption = step.params.prompt!;
    if (!kept.report.done) {
      return { image, inversions, notes, report: { steps, skipped: plan.steps.length - index - 1, read: reading.caption } };
    }
  }
  return { image, inversions, notes, report: { steps, skipped: 0, read: reading.caption } };
}
