import { GUIDANCE } from '../config/limits.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { textToImage } from '../pipeline/text-to-image.ts';
import {
  analyseImage, captionOf, describeObject, OBJECT_ATTRIBUTES, sampleScene, scoreScene, type DetectedObject,
  type ObjectAttribute, type Scene,
} from '../world/index.ts';
import { createRandom } from '../support/random.ts';

/** Seed of the evaluation scenes: a different stream from the training export (scripts/train). */
export const T2I_EVAL_SEED = 7_000_001;

export interface T2iEvalOptions {
  /** Scenes per object count (one-object and two-object captions). */
  n: number;
  steps?: number;
  guidance?: number;
  seed?: number;
  onImage?: (done: number, total: number) => void;
}

export interface AttributeAccuracy {
  scenes: number;
  /** Fraction of expected objects whose attribute reads back right, per attribute. */
  accuracy: Record<ObjectAttribute, number>;
  background: number;
  /** Scenes where every object and the background read back right. */
  allCorrect: number;
  /** Objects that analysis found with no counterpart in the caption, per scene. */
  extraObjects: number;
}

/** Prompts that name one object and nothing else ("a small striped red star"): where it goes and on what is the model's choice. */
export interface ShortPromptAccuracy {
  scenes: number;
  /** Fraction of images whose object reads back with the named attribute. */
  accuracy: Record<Exclude<ObjectAttribute, 'position'>, number>;
  /** Images in which analysis finds exactly one object. */
  oneObjectFound: number;
  /** How many of the 9 grid cells the objects were drawn in, and how many backgrounds (of 5) were chosen. */
  placesUsed: number;
  backgroundsUsed: number;
}

export interface T2iEvalResult {
  oneObject: AttributeAccuracy;
  twoObjects: AttributeAccuracy;
  shortPrompts: ShortPromptAccuracy;
  steps: number;
  guidance: number;
  secondsPerImage: number;
}

/** The evaluation scenes with `objects` objects: deterministic, never the training stream. */
export function evaluationScenes(n: number, objects: number, seed = T2I_EVAL_SEED): Scene[] {
  const random = createRandom(seed + objects);
  return Array.from({ length: n }, () => sampleScene(random, { minObjects: objects, maxObjects: objects }));
}

/**
 * Generates one image per caption and reads it back with the world's analysis: what fraction of
 * shapes, colours, positions, sizes and styles came out as the caption said.
 */
export async function evaluateTextToImage(diffusion: Diffusion, options: T2iEvalOptions): Promise<T2iEvalResult> {
  const steps = options.steps ?? 50;
  const guidance = options.guidance ?? GUIDANCE.default;
  const groups = [evaluationScenes(options.n, 1), evaluationScenes(options.n, 2)];
  const total = groups[0]!.length + groups[1]!.length + options.n;
  let done = 0;
  const started = performance.now();
  const results: AttributeAccuracy[] = [];
  for (const scenes of groups) {
    const tally = { objects: 0, background: 0, allCorrect: 0, extra: 0, correct: Object.fromEntries(OBJECT_ATTRIBUTES.map((a) => [a, 0])) as Record<ObjectAttribute, number> };
    for (const [index, scene] of scenes.entries()) {
      const image = await textToImage(diffusion, { prompt: captionOf(scene), seed: (options.seed ?? 0) + index, steps, guidance });
      const score = scoreScene(scene, { width: image.width, height: image.height, rgb: image.pixels });
      for (const object of score.objects) {
        tally.objects++;
        for (const attribute of OBJECT_ATTRIBUTES) if (object.correct[attribute]) tally.correct[attribute]++;
      }
      if (score.background) tally.background++;
      if (score.allCorrect) tally.allCorrect++;
      tally.extra += score.extraObjects;
      options.onImage?.(++done, total);
    }
    const count = Math.max(scenes.length, 1);
    results.push({
      scenes: scenes.length,
      accuracy: Object.fromEntries(OBJECT_ATTRIBUTES.map((a) => [a, tally.correct[a] / Math.max(tally.objects, 1)])) as Record<ObjectAttribute, number>,
      background: tally.background / count,
      allCorrect: tally.allCorrect / count,
      extraObjects: tally.extra / count,
    });
  }
  const shortPrompts = await evaluateShortPrompts(diffusion, { ...options, steps, guidance, onImage: () => options.onImage?.(++done, total) });
  return { oneObject: results[0]!, twoObjects: results[1]!, shortPrompts, steps, guidance, secondsPerImage: (performance.now() - started) / 1000 / Math.max(total, 1) };
}

const SHORT_ATTRIBUTES = ['shape', 'colour', 'size', 'style'] as const;

/** One-object scenes of their own stream, prompted with the object's noun phrase alone. */
async function evaluateShortPrompts(diffusion: Diffusion, options: T2iEvalOptions & { steps: number; guidance: number }): Promise<ShortPromptAccuracy> {
  const scenes = evaluationScenes(options.n, 1, T2I_EVAL_SEED + 100);
  const correct = Object.fromEntries(SHORT_ATTRIBUTES.map((a) => [a, 0])) as Record<(typeof SHORT_ATTRIBUTES)[number], number>;
  let oneObjectFound = 0;
  const places = new Set<string>();
  const backgrounds = new Set<string>();
  for (const [index, scene] of scenes.entries()) {
    const object = scene.objects[0]!;
    const image = await textToImage(diffusion, { prompt: describeObject(object), seed: (options.seed ?? 0) + index, steps: options.steps, guidance: options.guidance });
    // Scored against the detected object that agrees best, wherever it was drawn, on whatever background.
    const analysis = analyseImage({ width: image.width, height: image.height, rgb: image.pixels });
    const agreement = (d: DetectedObject) => SHORT_ATTRIBUTES.filter((a) => d[a] === object[a]).length;
    const best = analysis.objects.reduce<DetectedObject | undefined>((b, d) => (!b || agreement(d) > agreement(b) ? d : b), undefined);
    for (const attribute of SHORT_ATTRIBUTES) if (best?.[attribute] === object[attribute]) correct[attribute]++;
    if (analysis.objects.length === 1) oneObjectFound++;
    for (const detected of analysis.objects) places.add(detected.position);
    backgrounds.add(analysis.background);
    options.onImage?.(index + 1, scenes.length);
  }
  const count = Math.max(scenes.length, 1);
  return {
    scenes: scenes.length,
    accuracy: Object.fromEntries(SHORT_ATTRIBUTES.map((a) => [a, correct[a] / count])) as ShortPromptAccuracy['accuracy'],
    oneObjectFound: oneObjectFound / count,
    placesUsed: places.size,
    backgroundsUsed: backgrounds.size,
  };
}
