// Scoring helpers: how well an image shows an expected scene, a caption, or the result of an edit.
import { analyseImage, type DetectedObject, type ImageAnalysis } from './analysis.ts';
import { parseCaption } from './caption.ts';
import { applyEdit, type Edit } from './edits.ts';
import { psnr, type RgbImage } from '../support/image.ts';
import { renderScene } from './render.ts';
import type { Scene, SceneObject } from './scene.ts';

export const OBJECT_ATTRIBUTES = ['shape', 'colour', 'size', 'position', 'style'] as const;
export type ObjectAttribute = (typeof OBJECT_ATTRIBUTES)[number];

export interface ObjectScore {
  expected: SceneObject;
  /** The detected object paired with the expected one (best attribute agreement), if any. */
  detected?: DetectedObject;
  correct: Record<ObjectAttribute, boolean>;
}

export interface SceneScore {
  background: boolean;
  objects: ObjectScore[];
  /** Detected objects paired with no expected object. */
  extraObjects: number;
  /** Fraction of checks passed: the background plus five attributes per expected object. */
  accuracy: number;
  allCorrect: boolean;
  analysis: ImageAnalysis;
}

type Expected = Pick<Scene, 'background' | 'objects'>;

function asAnalysis(image: RgbImage | ImageAnalysis): ImageAnalysis {
  return 'objects' in image ? image : analyseImage(image);
}

/** Per-attribute correctness of an image against an expected scene (objects paired greedily). */
export function scoreScene(expected: Expected, image: RgbImage | ImageAnalysis): SceneScore {
  const analysis = asAnalysis(image);
  const pairs: { e: number; d: number; agreement: number }[] = [];
  expected.objects.forEach((object, e) => {
    analysis.objects.forEach((found, d) => {
      // Position counts double so that, when in doubt, an object is judged where it was expected.
      const agreement = OBJECT_ATTRIBUTES.reduce((sum, k) => sum + (object[k] === found[k] ? (k === 'position' ? 2 : 1) : 0), 0);
      pairs.push({ e, d, agreement });
    });
  });
  pairs.sort((a, b) => b.agreement - a.agreement);
  const pairedExpected = new Map<number, number>();
  const usedDetected = new Set<number>();
  for (const pair of pairs) {
    if (pair.agreement === 0 || pairedExpected.has(pair.e) || usedDetected.has(pair.d)) continue;
    pairedExpected.set(pair.e, pair.d);
    usedDetected.add(pair.d);
  }
  const objects = expected.objects.map((object, e): ObjectScore => {
    const index = pairedExpected.get(e);
    const detected = index === undefined ? undefined : analysis.objects[index];
    const correct = Object.fromEntries(OBJECT_ATTRIBUTES.map((k) => [k, detected !== undefined && detected[k] === object[k]])) as Record<ObjectAttribute, boolean>;
    return detected ? { expected: object, detected, correct } : { expected: object, correct };
  });
  const background = analysis.background === expected.background;
  const checks = 1 + objects.length * OBJECT_ATTRIBUTES.length;
  const passed = (background ? 1 : 0) + objects.reduce((sum, o) => sum + OBJECT_ATTRIBUTES.filter((k) => o.correct[k]).length, 0);
  const extraObjects = analysis.objects.length - usedDetected.size;
  return { background, objects, extraObjects, accuracy: passed / checks, allCorrect: passed === checks && extraObjects === 0, analysis };
}

/** Scores an image against a caption of the world's grammar. Throws if the caption does not parse. */
export function scoreCaption(caption: string, image: RgbImage | ImageAnalysis): SceneScore {
  const parsed = parseCaption(caption);
  if (!parsed) throw new Error(`not a caption of the world grammar: "${caption}"`);
  return scoreScene(parsed, image);
}

export interface EditScore {
  /** The attribute the instruction named reads back with its new value (or the object is gone / there). */
  intended: boolean;
  /** Everything the edit should not touch reads back as in the target scene (nothing extra either). */
  kept: boolean;
  /** The same, not counting style (the least legible attribute in blurry images). */
  keptStyleAside: boolean;
  /**
   * PSNR (dB) between the source image and the edited image over the pixels the edit should leave
   * alone: outside the edited object's old and new masks (dilated by 2 px), or for a background
   * edit, inside the objects. Infinity when identical there.
   */
  unchangedPsnr: number;
  target: SceneScore;
}

export interface EditScoreOptions {
  /** Render of the source scene the edit started from; rendered if absent. */
  sourceImage?: RgbImage;
  /** Whether style counts towards "kept" (style is the least legible attribute in blurry images). */
  checkStyle?: boolean;
}

/** The pixels an edit may change (1) at an image size, from the exact masks of source and result. */
export function editRegion(source: Scene, edit: Edit, size: number, dilation = 0): Uint8Array {
  const result = applyEdit(source, edit);
  const before = renderScene(source, { size });
  const after = renderScene(result.scene, { size });
  const region = new Uint8Array(size * size);
  if (edit.type === 'background') {
    // Everything except the pixels fully covered by objects (those must stay).
    const covered = new Uint8Array(size * size);
    for (const mask of after.masks) for (let p = 0; p < mask.length; p++) if (mask[p] === 255) covered[p] = 1;
    for (let p = 0; p < region.length; p++) region[p] = covered[p] ? 0 : 1;
    return region;
  }
  const masks: Uint8Array[] = [];
  if (result.sourceIndex !== undefined) masks.push(before.masks[result.sourceIndex] as Uint8Array);
  if (result.targetIndex !== undefined) masks.push(after.masks[result.targetIndex] as Uint8Array);
  for (const mask of masks) for (let p = 0; p < mask.length; p++) if (mask[p]) region[p] = 1;
  return dilation > 0 ? dilateSquare(region, size, dilation) : region;
}

function dilateSquare(mask: Uint8Array, size: number, radius: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!mask[y * size + x]) continue;
      for (let yy = Math.max(0, y - radius); yy <= Math.min(size - 1, y + radius); yy++) {
        for (let xx = Math.max(0, x - radius); xx <= Math.min(size - 1, x + radius); xx++) out[yy * size + xx] = 1;
      }
    }
  }
  return out;
}

/** Was the intended attribute changed, and everything else kept? */
export function scoreEdit(source: Scene, edit: Edit, edited: RgbImage, options: EditScoreOptions = {}): EditScore {
  const result = applyEdit(source, edit);
  const target = scoreScene(result.scene, edited);
  const checkStyle = options.checkStyle ?? true;
  const edited_ = result.targetIndex === undefined ? undefined : target.objects[result.targetIndex];
  let intended: boolean;
  let exempt: ObjectAttribute[] = [];
  switch (edit.type) {
    case 'background':
      intended = target.background;
      break;
    case 'remove': {
      const removed = source.objects[result.sourceIndex as number] as SceneObject;
      intended = !target.analysis.objects.some((o) => o.position === removed.position && o.shape === removed.shape);
      break;
    }
    case 'add':
      intended = edited_ !== undefined && edited_.correct.shape && edited_.correct.colour && edited_.correct.position;
      exempt = ['shape', 'colour', 'position'];
      break;
    default: {
      const attribute: ObjectAttribute =
        edit.type === 'move' ? 'position' : edit.type === 'resize' ? 'size' : edit.type === 'restyle' ? 'style' : edit.type;
      intended = edited_ !== undefined && edited_.correct[attribute];
      exempt = [attribute];
    }
  }
  const keptOver = (counted: readonly ObjectAttribute[]) =>
    (edit.type === 'background' || target.background) &&
    target.extraObjects === 0 &&
    target.objects.every((o, i) => counted.every((k) => o.correct[k] || (i === result.targetIndex && exempt.includes(k))));
  const keptStyleAside = keptOver(OBJECT_ATTRIBUTES.filter((k) => k !== 'style'));
  const kept = checkStyle ? keptOver(OBJECT_ATTRIBUTES) : keptStyleAside;

  const size = edited.width;
  const sourceImage = options.sourceImage ?? renderScene(source, { size });
  const region = editRegion(source, edit, size, edit.type === 'background' ? 0 : 2);
  const unchangedPsnr = psnr(sourceImage, edited, (p) => region[p] === 0);
  return { intended, kept, keptStyleAside, unchangedPsnr, target };
}
