// `retouch eval concepts`: how well a concept dictionary sees and steers the shipped model, on scenes
// drawn from --seed (never the build's):
// - per site: explained variance, scaled MSE and dead features of its SAE on fresh images' vectors;
// - composition: at each point of the schedule, the conceptual map (each position's active
//   features → their activation-weighted mean concept vector) segments the picture among the prompt's
//   objects and its background (compose.ts's owners, at the labeller's 32×32); IoU of each object's
//   predicted area against the object read back from the finished picture;
// - spatial steering (sae.move, the paper's protocol): a one-object prompt that names no place is
//   drawn, then drawn again from the same noise steered into another grid cell, with the steps
//   steered early, in the middle or late; hit = the object is read back in that cell, kept = with its
//   shape and colour and nothing else drawn;
// - style steering (sae.style): a flat object drawn again with a pattern's features added around the
//   middle of the schedule; success = the pattern read back, kept = shape, colour and cell unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, collectedImage, siteSource } from '../concepts/collect.ts';
import { conceptualMap, entityScores, owners } from '../concepts/compose.ts';
import { entityVectors } from '../concepts/layout.ts';
import { iou, LABEL_DEFAULTS, regionMask } from '../concepts/label.ts';
import { measureSae } from '../concepts/train.ts';
import { WordVectors } from '../concepts/word-vectors.ts';
import { worldPrompts } from '../concepts/world.ts';
import { toEditMask } from '../methods/shared/mask.ts';
import { GRID_CELLS, type GridCell } from '../methods/shared/grid.ts';
import { saeMove } from '../methods/sae/move.ts';
import { saeStyle } from '../methods/sae/style.ts';
import type { EditInput, EditMethod } from '../methods/types.ts';
import { siteName, type ConceptDictionary, type DictionarySite } from '../models/sae/dictionary.ts';
import { tensorToRgb } from '../models/vae/index.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { textToImage } from '../pipeline/text-to-image.ts';
import { readPicture, type Reading } from '../reading/index.ts';
import { createRandom } from '../support/random.ts';
import { BACKGROUNDS, COLOURS, POSITIONS, SHAPES } from '../world/index.ts';

export const CONCEPTS_EVAL_SEED = 28001;
export const STEERING_STAGES = { early: [0, 0.5], middle: [0.25, 0.75], late: [0.5, 1] } as const;
export type SteeringStage = keyof typeof STEERING_STAGES;
const PATTERNS = ['outlined', 'striped', 'dotted'] as const;

export interface ConceptsEvalOptions {
  dictionary: ConceptDictionary;
  seed?: number;
  /** Fresh images for the SAE and composition figures (default 40). */
  n?: number;
  /** Steering trials per stage, and style trials (default 20). */
  moves?: number;
  steps?: number;
  onProgress?: (what: string) => void;
}

export interface SiteFigures {
  site: string;
  block: string;
  time: number;
  branch: 'cond' | 'uncond';
  explainedVariance: number;
  scaledMse: number;
  deadFraction: number;
  /** Mean IoU of the objects' predicted areas (cond sites only). */
  compositionIoU?: number;
  labelled: number;
}

export interface SteeringFigures {
  stage: SteeringStage;
  trials: number;
  hitRate: number;
  kept: number;
}

export interface ConceptsEvalResult {
  seed: number;
  images: number;
  sites: SiteFigures[];
  moves: SteeringFigures[];
  style: { trials: number; success: number; kept: number; perPattern: Record<string, { trials: number; success: number }> };
  summary: { block: string; explainedVariance: number; deadFraction: number; compositionIoU: number; moveHitRate: number; moveKept: number; styleSuccess: number; styleKept: number };
}

export async function evaluateConcepts(diffusion: Diffusion, options: ConceptsEvalOptions): Promise<ConceptsEvalResult> {
  const { dictionary } = options;
  const seed = options.seed ?? CONCEPTS_EVAL_SEED;
  const n = options.n ?? 40;
  const steps = options.steps ?? 50;
  const progress = options.onProgress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'retouch-concepts-eval-'));
  try {
    const prompts = worldPrompts(n, seed);
    const blocks = [...new Set(dictionary.sites.map((s) => s.block))];
    const manifest = await collect(diffusion, dir, { prompts, blocks, times: [...new Set(dictionary.sites.map((s) => s.time))], steps: 25, seed, onProgress: (done, total) => progress(`collect ${done}/${total}`) });
    const readings: (Reading | undefined)[] = [];
    for (let i = 0; i < manifest.images; i++) {
      const { pixels, width, height } = collectedImage(dir, manifest, i);
      const reading = await readPicture({ width, height, rgb: pixels });
      readings.push(reading.inWorld ? reading : undefined);
    }
    const words = new WordVectors(diffusion);
    const sites: SiteFigures[] = [];
    for (const site of dictionary.sites) {
      const source = siteSource(dir, manifest, site);
      const quality = measureSae(site.sae, source);
      const figures: SiteFigures = {
        site: siteName(site), block: site.block, time: site.time, branch: site.branch,
        explainedVariance: quality.explainedVariance, scaledMse: quality.scaledMse, deadFraction: quality.deadFraction,
        labelled: site.features.filter((f) => f.words.length > 0).length,
      };
      if (site.branch === 'cond') figures.compositionIoU = await compositionIoU(site, source, readings, words);
      sites.push(figures);
      progress(`measured ${siteName(site)}`);
    }

    const bestBlock = bestCondBlock(sites);
    const moves: SteeringFigures[] = [];
    for (const stage of Object.keys(STEERING_STAGES) as SteeringStage[]) {
      moves.push(await steeringTrials(diffusion, dictionary, stage, options.moves ?? 20, seed, steps, progress));
    }
    const style = await styleTrials(diffusion, dictionary, options.moves ?? 20, seed, steps, progress);
    const first = sites.find((s) => s.block === bestBlock && s.branch === 'cond' && s.time === 1) ?? sites.find((s) => s.block === bestBlock);
    // The summary is sae.move as it ships: the stage whose window is its default one.
    const defaults = saeMove.params.parse({ object: 'any', region: 'center' }) as { from: number; until: number };
    const shipped = moves.find((m) => STEERING_STAGES[m.stage][0] === defaults.from && STEERING_STAGES[m.stage][1] === defaults.until);
    if (!shipped) throw new Error(`eval concepts: no steering stage has sae.move's default window ${defaults.from}–${defaults.until}`);
    return {
      seed,
      images: manifest.images,
      sites,
      moves,
      style,
      summary: {
        block: bestBlock,
        explainedVariance: mean(sites.filter((s) => s.block === bestBlock && s.branch === 'cond').map((s) => s.explainedVariance)),
        deadFraction: mean(sites.filter((s) => s.block === bestBlock && s.branch === 'cond').map((s) => s.deadFraction)),
        compositionIoU: first?.compositionIoU ?? 0,
        moveHitRate: shipped.hitRate,
        moveKept: shipped.kept,
        styleSuccess: style.success,
        styleKept: style.kept,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The block whose conditional SAEs explain the most variance on average. */
function bestCondBlock(sites: readonly SiteFigures[]): string {
  const blocks = [...new Set(sites.map((s) => s.block))];
  const score = (b: string) => mean(sites.filter((s) => s.block === b && s.branch === 'cond').map((s) => s.explainedVariance));
  return blocks.sort((a, b) => score(b) - score(a))[0] ?? '';
}

export async function compositionIoU(site: DictionarySite, source: ReturnType<typeof siteSource>, readings: readonly (Reading | undefined)[], words: WordVectors): Promise<number> {
  const side = LABEL_DEFAULTS.side;
  const positions = site.height * site.width;
  if (!site.features.some((f) => f.vector.length > 0)) return 0;
  const ious: number[] = [];
  for (const [image, reading] of readings.entries()) {
    if (!reading || reading.objects.length === 0) continue;
    const entities = [...reading.objects.map((o) => [o.shape, o.colour]), [reading.background]];
    const scores = entityScores(conceptualMap(site, source.read(image * positions, positions)), await entityVectors(words, entities), entities.length - 1);
    const owner = owners(scores, site.height, site.width, side);
    for (const [o, object] of reading.objects.entries()) {
      const truth = regionMask(object.mask, 128, 128, side);
      ious.push(iou(Uint8Array.from(owner, (e) => (e === o ? 1 : 0)), truth));
    }
  }
  return mean(ious);
}

interface Trial {
  prompt: string;
  shape: (typeof SHAPES)[number];
  colour: (typeof COLOURS)[number];
  seed: number;
  probe: Reading;
  pixels: Uint8Array;
}

/** One-object prompts naming no place, drawn once; those drawn as exactly that one object are kept. */
async function probes(diffusion: Diffusion, count: number, seed: number, steps: number, salt: number): Promise<Trial[]> {
  const random = createRandom(seed * 31 + salt);
  const trials: Trial[] = [];
  for (let attempt = 0; trials.length < count && attempt < count * 3; attempt++) {
    const shape = random.pick(SHAPES), colour = random.pick(COLOURS), background = random.pick(BACKGROUNDS);
    const prompt = `a medium ${colour} ${shape} on ${background}`;
    const imageSeed = (seed * 1000 + salt * 100_000 + attempt) >>> 0;
    const drawn = await textToImage(diffusion, { prompt, seed: imageSeed, steps });
    const probe = await readPicture({ width: drawn.width, height: drawn.height, rgb: drawn.pixels });
    const only = probe.objects.length === 1 ? probe.objects[0] : undefined;
    if (only?.shape === shape && only.colour === colour) trials.push({ prompt, shape, colour, seed: imageSeed, probe, pixels: drawn.pixels });
  }
  return trials;
}

function input(diffusion: Diffusion, dictionary: ConceptDictionary, trial: Trial, steps: number, mask?: Uint8Array): EditInput {
  const [, , lh, lw] = diffusion.latentShape;
  return {
    diffusion,
    source: { latent: new Float32Array(diffusion.latentShape.reduce((a, b) => a * b, 1)), prompt: trial.prompt },
    target: { prompt: trial.prompt },
    mask: mask ? toEditMask({ data: mask, width: diffusion.width, height: diffusion.height }, { width: diffusion.width, height: diffusion.height }, { width: lw, height: lh }) : undefined,
    scheduler: 'ddim',
    steps,
    guidance: 7.5,
    seed: trial.seed,
    concepts: dictionary,
  };
}

async function drawWith(method: EditMethod, edit: EditInput, params: Record<string, unknown>): Promise<Reading> {
  const out = await method.run(edit, method.params.parse(params));
  const { pixels, width, height } = tensorToRgb(await edit.diffusion.decode(out.latent));
  return readPicture({ width, height, rgb: pixels });
}

export async function steeringTrials(diffusion: Diffusion, dictionary: ConceptDictionary, stage: SteeringStage, count: number, seed: number, steps: number, progress: (what: string) => void, window: readonly [number, number] = STEERING_STAGES[stage]): Promise<SteeringFigures> {
  const trials = await probes(diffusion, count, seed, steps, 1);
  const random = createRandom(seed * 17 + 3);
  let hits = 0, kept = 0;
  const [from, until] = window;
  for (const trial of trials) {
    const object = trial.probe.objects[0]!;
    const cell = random.pick(GRID_CELLS.filter((_, i) => POSITIONS[i] !== object.position)) as GridCell;
    const after = await drawWith(saeMove, input(diffusion, dictionary, trial, steps, object.mask), { object: trial.shape, region: cell, from, until });
    const moved = after.objects.find((o) => o.shape === trial.shape);
    const hit = moved !== undefined && GRID_CELLS[POSITIONS.indexOf(moved.position)] === cell;
    hits += hit ? 1 : 0;
    kept += hit && moved.colour === trial.colour && after.objects.length === 1 ? 1 : 0;
    progress(`move ${stage}: ${hits}/${trials.length} so far`);
  }
  return { stage, trials: trials.length, hitRate: hits / Math.max(1, trials.length), kept: kept / Math.max(1, trials.length) };
}

async function styleTrials(diffusion: Diffusion, dictionary: ConceptDictionary, count: number, seed: number, steps: number, progress: (what: string) => void): Promise<ConceptsEvalResult['style']> {
  const trials = (await probes(diffusion, count, seed, steps, 2)).filter((t) => t.probe.objects[0]?.style === 'flat');
  const perPattern: Record<string, { trials: number; success: number }> = {};
  let success = 0, kept = 0;
  for (const [i, trial] of trials.entries()) {
    const pattern = PATTERNS[i % PATTERNS.length] as string;
    const row = (perPattern[pattern] ??= { trials: 0, success: 0 });
    row.trials += 1;
    let after: Reading;
    try {
      after = await drawWith(saeStyle, input(diffusion, dictionary, trial, steps), { style: pattern });
    } catch {
      continue; // no feature labelled with this pattern: a miss
    }
    const object = trial.probe.objects[0]!;
    const same = after.objects.length === 1 ? after.objects[0] : undefined;
    const restyled = same?.style === pattern;
    const keptHere = same !== undefined && same.shape === object.shape && same.colour === object.colour && same.position === object.position;
    success += restyled ? 1 : 0;
    row.success += restyled ? 1 : 0;
    kept += restyled && keptHere ? 1 : 0;
    progress(`style: ${success}/${trials.length} so far`);
  }
  return { trials: trials.length, success: success / Math.max(1, trials.length), kept: kept / Math.max(1, trials.length), perPattern };
}

export function conceptsTable(result: ConceptsEvalResult): string {
  const pct = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
  const lines = [
    '| site | explained variance | scaled MSE | dead | composition IoU | labelled features |',
    '|---|---|---|---|---|---|',
    ...result.sites.map((s) => `| ${s.site} | ${pct(s.explainedVariance)} | ${s.scaledMse.toFixed(3)} | ${pct(s.deadFraction)} | ${s.compositionIoU === undefined ? '—' : s.compositionIoU.toFixed(3)} | ${s.labelled} |`),
    '',
    '| sae.move stage | trials | hit rate | kept (shape, colour, alone) |',
    '|---|---|---|---|',
    ...result.moves.map((m) => `| ${m.stage} (${STEERING_STAGES[m.stage].map((v) => `${v * 100}%`).join('–')} of the steps) | ${m.trials} | ${pct(m.hitRate)} | ${pct(m.kept)} |`),
    '',
    `sae.style: ${result.style.trials} trials, success ${pct(result.style.success)}, kept ${pct(result.style.kept)} (${Object.entries(result.style.perPattern).map(([p, r]) => `${p} ${r.success}/${r.trials}`).join(', ')})`,
  ];
  return lines.join('\n');
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
