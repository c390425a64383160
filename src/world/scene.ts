// A scene is a plain JSON value: a background, a texture seed and one or more objects,
// each in its own grid cell and each of a different shape (so "the star" always names one object).
import { z } from 'zod';
import { drawSeed, type Random } from '../support/random.ts';
import {
  BACKGROUNDS, COLOURS, POSITIONS, SHAPES, SIZES, STYLES, positionIndex,
  type Background, type Colour, type Position, type Shape, type Size, type Style,
} from './vocabulary.ts';

export interface SceneObject {
  shape: Shape;
  colour: Colour;
  size: Size;
  position: Position;
  style: Style;
}

export interface Scene {
  background: Background;
  /** Drives the background texture only; edits keep it so untouched pixels stay identical. */
  seed: number;
  /** Sorted by grid cell in reading order (the caption lists them in this order). */
  objects: SceneObject[];
}

export const sceneObjectSchema = z.object({
  shape: z.enum(SHAPES),
  colour: z.enum(COLOURS),
  size: z.enum(SIZES),
  position: z.enum(POSITIONS),
  style: z.enum(STYLES),
});

export const sceneSchema = z
  .object({
    background: z.enum(BACKGROUNDS),
    seed: z.number().int().min(0).max(0xffffffff),
    objects: z.array(sceneObjectSchema).max(POSITIONS.length),
  })
  .superRefine((scene, context) => {
    const problem = sceneProblem(scene);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/** Why a scene breaks the world's rules, or undefined if it keeps them. */
export function sceneProblem(scene: Scene): string | undefined {
  const cells = new Set(scene.objects.map((o) => o.position));
  if (cells.size !== scene.objects.length) return 'two objects share a grid cell';
  const shapes = new Set(scene.objects.map((o) => o.shape));
  if (shapes.size !== scene.objects.length) return 'two objects have the same shape';
  const order = scene.objects.map((o) => positionIndex(o.position));
  if (order.some((value, i) => i > 0 && value < (order[i - 1] as number))) return 'objects are not in reading order';
  return undefined;
}

export function sortObjects(objects: readonly SceneObject[]): SceneObject[] {
  return objects.slice().sort((a, b) => positionIndex(a.position) - positionIndex(b.position));
}

export interface SceneSamplingOptions {
  minObjects?: number;
  maxObjects?: number;
  backgrounds?: readonly Background[];
  styles?: readonly Style[];
}

export function sampleObject(random: Random, usedShapes: readonly Shape[], freeCells: readonly Position[], styles: readonly Style[] = STYLES): SceneObject {
  return {
    shape: random.pick(SHAPES.filter((s) => !usedShapes.includes(s))),
    colour: random.pick(COLOURS),
    size: random.pick(SIZES),
    position: random.pick(freeCells),
    style: random.pick(styles),
  };
}

/** Samples a valid scene of 1–3 objects (by default) in distinct cells with distinct shapes. */
export function sampleScene(random: Random, options: SceneSamplingOptions = {}): Scene {
  const minObjects = options.minObjects ?? 1;
  const maxObjects = options.maxObjects ?? 3;
  const count = minObjects + random.int(maxObjects - minObjects + 1);
  const background = random.pick(options.backgrounds ?? BACKGROUNDS);
  const seed = drawSeed(random);
  const objects: SceneObject[] = [];
  for (let i = 0; i < count; i++) {
    const used = objects.map((o) => o.shape);
    const free = POSITIONS.filter((p) => !objects.some((o) => o.position === p));
    objects.push(sampleObject(random, used, free, options.styles));
  }
  return { background, seed, objects: sortObjects(objects) };
}
