// Reads a world image back into a scene: which background, which objects, and each object's shape,
// colour, size, position and style, plus a soft mask. Built to tolerate a generator's output (noise,
// blur, colour shifts, imperfect shapes), so it compares against models of the world rather than
// exact pixel values:
//
// 1. Background: the known gradient that best explains most pixels (median colour distance), then
//    refined row by row from the pixels that look like background (absorbs colour shifts).
// 2. Foreground: pixels far from the background (in the 3×3-smoothed image, or on average over a
//    3×3 window); connected pieces too small to be an object (night stars, noise) are dropped, and
//    pieces are grouped by the grid cell of their centroid (the world never puts two objects in one cell).
// 3. Colour: the object's core (eroded, most distinct from the background); if it splits into a
//    colour and its darker pattern shade, the brighter part; matched to the nearest named colour
//    allowing for a little darkening.
// 4. Shape, size, position: a soft coverage map (contrast against the background relative to the
//    object's own contrast) is compared, centroid-aligned, with the exact rasterised coverage of every
//    shape at every size, blurred at several strengths; the best cosine similarity gives shape and
//    size, and its placement gives the object's centre, hence its grid cell.
// 5. Style: with the shape known, its signed distance splits the object into an edge band and an
//    interior; the share of darker "pattern shade" pixels there and their orientation (stripes run
//    along one diagonal, dots do not) tell flat / outlined / striped / dotted. When blur has washed
//    the shade out, the luminance's strength at the stripe and dot frequencies (phase-free) and a
//    darker rim are used instead. Blur of σ ≥ 1.5 px erases the patterns, so style is the least
//    reliable attribute on degraded images.
import { backgroundBaseColour } from './backgrounds.ts';
import { captionOf } from './caption.ts';
import type { RgbImage } from '../support/image.ts';
import { objectCoverage, objectPlacement, outlineWidth, patternGeometry } from './render.ts';
import type { SceneObject } from './scene.ts';
import { shapeArea, shapeSignedDistance } from './shapes.ts';
import {
  BACKGROUNDS, COLOUR_RGB, COLOURS, PATTERN_SHADE, SHAPES, SIZES, SIZE_RADIUS, positionAt,
  type Background, type Colour, type Shape, type Size, type Style,
} from './vocabulary.ts';

export interface DetectedObject extends SceneObject {
  /** Soft mask, 0–255, over the whole image. */
  mask: Uint8Array;
  /** Soft area in pixels. */
  area: number;
  /** Centre of the matched shape, in pixels. */
  centre: { x: number; y: number };
  /** Cosine similarity (0–1) with the best shape template; low values mean the shape is a poor fit. */
  shapeScore: number;
  /** RGB distance between the measured colour and the named colour. */
  colourDistance: number;
  /** The measured colour (bright part of the object). */
  measuredColour: [number, number, number];
}

export interface ImageAnalysis {
  width: number;
  height: number;
  background: Background;
  objects: DetectedObject[];
  /** The caption of what was read back, in the world's grammar. */
  caption: string;
}

export interface AnalysisOptions {
  /** Colour distance (0–441) from the background above which a smoothed pixel is foreground. */
  foregroundThreshold?: number;
}

/** How far a patterned object's darker shade may lower the contrast that counts as full coverage. */
const SHADE_WEIGHT = 0.75;
/** Blur strengths (σ, px) the shape templates are prepared at, from crisp to a blurry generator's. */
const TEMPLATE_BLURS = [0, 0.8, 1.3, 1.8, 2.4, 3.0];

export function analyseImage(image: RgbImage, options: AnalysisOptions = {}): ImageAnalysis {
  const { width, height } = image;
  const pixels = width * height;
  const smooth = boxSmooth(image);
  const background = classifyBackground(smooth, width, height);
  const rowBackground = estimateRowBackground(smooth, width, height, background);
  const distance = foregroundDistance(image, smooth, rowBackground);
  const threshold = options.foregroundThreshold ?? 30;
  const groups = groupForeground(distance, width, height, threshold);
  const objects: DetectedObject[] = [];
  const claimed = new Uint8Array(pixels);
  for (const group of groups) for (const p of group) claimed[p] = 1;
  for (const group of groups) {
    const object = readObject(image, distance, rowBackground, group, claimed);
    if (object) objects.push(object);
  }
  objects.sort((a, b) => a.centre.y - b.centre.y || a.centre.x - b.centre.x);
  return { width, height, background, objects, caption: captionOf({ background, objects }) };
}

// ---------------------------------------------------------------------------------------------
// Background and foreground

function boxSmooth(image: RgbImage): Float32Array {
  const { width, height, rgb } = image;
  const out = new Float32Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        let count = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= height) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= width) continue;
            sum += rgb[(yy * width + xx) * 3 + c] as number;
            count++;
          }
        }
        out[(y * width + x) * 3 + c] = sum / count;
      }
    }
  }
  return out;
}

/**
 * How far each pixel is from the background. The smoothed image's distance suppresses noise, but
 * it loses a pattern whose light and dark parts straddle the background (white stripes on light
 * grey average to grey), so the smoothed per-pixel distance, less its typical level on the
 * background (the noise), counts too.
 */
function foregroundDistance(image: RgbImage, smooth: Float32Array, rowBackground: Float32Array): Float32Array {
  const { width, height, rgb } = image;
  const pixels = width * height;
  const raw = new Float32Array(pixels);
  const distance = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const row = Math.floor(p / width) * 3;
    raw[p] = colourDistance(rgb, p * 3, rowBackground, row);
    distance[p] = colourDistance(smooth, p * 3, rowBackground, row);
  }
  const smoothedRaw = new Float32Array(pixels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let count = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
          sum += raw[yy * width + xx] as number;
          count++;
        }
      }
      smoothedRaw[y * width + x] = sum / count;
    }
  }
  const noise = median(smoothedRaw);
  for (let p = 0; p < pixels; p++) distance[p] = Math.max(distance[p] as number, (smoothedRaw[p] as number) - noise);
  return distance;
}

/** The median of (at most about 4096 evenly spread) values. */
function median(values: Float32Array): number {
  const stride = Math.max(1, Math.floor(values.length / 4096));
  const sample = new Float32Array(Math.ceil(values.length / stride));
  for (let i = 0, n = 0; i < values.length; i += stride) sample[n++] = values[i] as number;
  sample.sort();
  return sample[Math.floor(sample.length / 2)] as number;
}

function colourDistance(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  const dr = (a[ai] as number) - (b[bi] as number);
  const dg = (a[ai + 1] as number) - (b[bi + 1] as number);
  const db = (a[ai + 2] as number) - (b[bi + 2] as number);
  return Math.sqrt(dr * dr + dg * dg + db * db);
}

function modelRows(background: Background, height: number): Float32Array {
  const rows = new Float32Array(height * 3);
  for (let y = 0; y < height; y++) rows.set(backgroundBaseColour(background, (y + 0.5) / height), y * 3);
  return rows;
}

function classifyBackground(smooth: Float32Array, width: number, height: number): Background {
  let best: Background = 'plain';
  let bestScore = Infinity;
  for (const background of BACKGROUNDS) {
    const rows = modelRows(background, height);
    const distances = new Float32Array(Math.ceil(height / 2) * Math.ceil(width / 2));
    let n = 0;
    for (let y = 0; y < height; y += 2) {
      for (let x = 0; x < width; x += 2) distances[n++] = colourDistance(smooth, (y * width + x) * 3, rows, y * 3);
    }
    const score = median(distances);
    if (score < bestScore) {
      bestScore = score;
      best = background;
    }
  }
  return best;
}

/** Per-row background colour: the mean of nearby rows' pixels that are close to the model. */
function estimateRowBackground(smooth: Float32Array, width: number, height: number, background: Background): Float32Array {
  let reference = modelRows(background, height);
  for (const tolerance of [45, 25]) {
    const sums = new Float64Array(height * 3);
    const counts = new Float64Array(height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = (y * width + x) * 3;
        if (colourDistance(smooth, p, reference, y * 3) > tolerance) continue;
        for (let c = 0; c < 3; c++) sums[y * 3 + c] = (sums[y * 3 + c] as number) + (smooth[p + c] as number);
        counts[y] = (counts[y] as number) + 1;
      }
    }
    const window = Math.max(2, Math.round(height / 40));
    const next = new Float32Array(height * 3);
    for (let y = 0; y < height; y++) {
      let count = 0;
      const total = [0, 0, 0];
      for (let yy = Math.max(0, y - window); yy <= Math.min(height - 1, y + window); yy++) {
        count += counts[yy] as number;
        for (let c = 0; c < 3; c++) total[c] = (total[c] as number) + (sums[yy * 3 + c] as number);
      }
      for (let c = 0; c < 3; c++) {
        next[y * 3 + c] = count >= width / 4 ? (total[c] as number) / count : (reference[y * 3 + c] as number);
      }
    }
    reference = next;
  }
  return reference;
}

/** Connected foreground pieces, minus specks, grouped by the grid cell of their centroid. */
function groupForeground(distance: Float32Array, width: number, height: number, threshold: number): number[][] {
  const pixels = width * height;
  const label = new Int32Array(pixels).fill(-1);
  const minimumArea = Math.max(6, Math.round((40 * pixels) / (128 * 128)));
  const cells = new Map<number, number[]>();
  const stack: number[] = [];
  let next = 0;
  for (let start = 0; start < pixels; start++) {
    if (label[start] !== -1 || (distance[start] as number) <= threshold) continue;
    const piece: number[] = [];
    label[start] = next;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop() as number;
      piece.push(p);
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (label[q] !== -1 || (distance[q] as number) <= threshold) continue;
          label[q] = next;
          stack.push(q);
        }
      }
    }
    next++;
    if (piece.length < minimumArea) continue;
    let sx = 0;
    let sy = 0;
    for (const p of piece) {
      sx += p % width;
      sy += Math.floor(p / width);
    }
    const cell = cellIndex((sx / piece.length + 0.5) / width, (sy / piece.length + 0.5) / height);
    const group = cells.get(cell);
    if (group) group.push(...piece);
    else cells.set(cell, piece);
  }
  return [...cells.values()];
}

function cellIndex(x: number, y: number): number {
  return Math.min(2, Math.max(0, Math.floor(y * 3))) * 3 + Math.min(2, Math.max(0, Math.floor(x * 3)));
}

// ---------------------------------------------------------------------------------------------
// One object

function luminance(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

function readObject(image: RgbImage, distance: Float32Array, rowBackground: Float32Array, group: number[], claimed: Uint8Array): DetectedObject | undefined {
  const { width, height } = image;
  const inGroup = new Uint8Array(width * height);
  for (const p of group) inGroup[p] = 1;

  const measured = measureColour(image, distance, group, inGroup);
  const { colour, colourDistance: namedDistance } = nameColour(measured);

  // Soft coverage: contrast against the background relative to the object's own contrast.
  let sx = 0;
  let sy = 0;
  for (const p of group) {
    sx += p % width;
    sy += Math.floor(p / width);
  }
  const centreRow = Math.min(height - 1, Math.round(sy / group.length));
  // Patterned objects have a second, darker shade; whichever of the two stands out less from the
  // background sets the scale, so both count as fully covered.
  const shade = measured.map((v) => v * PATTERN_SHADE);
  const baseContrast = colourDistance(measured, 0, rowBackground, centreRow * 3);
  const objectContrast = Math.max(40, Math.min(baseContrast, Math.max(SHADE_WEIGHT * baseContrast, colourDistance(shade, 0, rowBackground, centreRow * 3))));
  const noiseFloor = 8; // distance that background texture and smoothed noise reach on their own
  const margin = Math.max(2, Math.round((3 * width) / 128));
  const support = dilate(inGroup, width, height, margin);
  const coverage = new Float32Array(width * height);
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let p = 0; p < coverage.length; p++) {
    if (!support[p] || (claimed[p] && !inGroup[p])) continue;
    const value = Math.min(1, Math.max(0, ((distance[p] as number) - noiseFloor) / (objectContrast - noiseFloor)));
    coverage[p] = value;
    mass += value;
    cx += value * (p % width);
    cy += value * Math.floor(p / width);
  }
  if (mass <= 0) return undefined;
  cx /= mass;
  cy /= mass;

  // Night skies have star clusters; anything with less than half the coverage of the smallest
  // object the world draws is not an object.
  if (mass < 0.5 * smallestObjectArea(width)) return undefined;
  const match = matchTemplates(coverage, width, height, cx, cy);
  const object: SceneObject = {
    shape: match.shape,
    colour,
    size: match.size,
    position: positionAt(match.centreX / width, match.centreY / height),
    style: 'flat',
  };
  object.style = classifyStyle(image, object, match.centreX, match.centreY, measured);

  const mask = new Uint8Array(coverage.length);
  for (let p = 0; p < mask.length; p++) mask[p] = Math.round((coverage[p] as number) * 255);
  return {
    ...object,
    mask,
    area: mass,
    centre: { x: match.centreX, y: match.centreY },
    shapeScore: match.score,
    colourDistance: namedDistance,
    measuredColour: measured,
  };
}

/**
 * The object's own colour, from its core (eroded, and distinct from the background, so blur at the
 * rim does not mix background in). If the core splits into a dark and a bright group of the same
 * hue whose brightness ratio is about PATTERN_SHADE, the object is patterned and the bright group is
 * its colour; otherwise the pixels most distinct from the background are.
 */
function measureColour(image: RgbImage, distance: Float32Array, group: number[], inGroup: Uint8Array): [number, number, number] {
  const { width, height, rgb } = image;
  let candidates = group;
  for (const radius of [2, 1]) {
    const interior = erode(inGroup, width, height, radius);
    const kept = group.filter((p) => interior[p]);
    if (kept.length >= 12) {
      candidates = kept;
      break;
    }
  }
  const distances = candidates.map((p) => distance[p] as number).sort((a, b) => a - b);
  const p90 = distances[Math.floor(distances.length * 0.9)] as number;
  const core = candidates.filter((p) => (distance[p] as number) >= 0.5 * p90);
  const lum = (p: number): number => luminance(rgb[p * 3] as number, rgb[p * 3 + 1] as number, rgb[p * 3 + 2] as number);
  const split = otsuThreshold(core.map(lum));
  const dark = core.filter((p) => lum(p) < split);
  const bright = core.filter((p) => lum(p) >= split);
  if (dark.length > 0 && bright.length >= 0.15 * core.length) {
    const darkMean = meanColour(rgb, dark);
    const brightMean = meanColour(rgb, bright);
    const ratio = luminance(...darkMean) / Math.max(1, luminance(...brightMean));
    const sameHue = cosine(darkMean, brightMean) > 0.97;
    if (sameHue && ratio > 0.4 && ratio < 0.72) return brightMean;
  }
  return meanColour(rgb, core.filter((p) => (distance[p] as number) >= 0.8 * p90));
}

function cosine(a: readonly [number, number, number], b: readonly [number, number, number]): number {
  return (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (Math.hypot(...a) * Math.hypot(...b) + 1e-9);
}

/** The threshold that best splits values (0–255) into two groups (Otsu's method). */
function otsuThreshold(values: readonly number[]): number {
  const histogram = new Float64Array(256);
  for (const v of values) {
    const bin = Math.min(255, Math.max(0, Math.round(v)));
    histogram[bin] = (histogram[bin] as number) + 1;
  }
  const total = values.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * (histogram[i] as number);
  let weightBelow = 0;
  let sumBelow = 0;
  let best = 0;
  let threshold = 128;
  for (let i = 0; i < 256; i++) {
    weightBelow += histogram[i] as number;
    sumBelow += i * (histogram[i] as number);
    const weightAbove = total - weightBelow;
    if (weightBelow === 0 || weightAbove === 0) continue;
    const difference = sumBelow / weightBelow - (sumAll - sumBelow) / weightAbove;
    const between = weightBelow * weightAbove * difference * difference;
    if (between > best) {
      best = between;
      threshold = i + 1;
    }
  }
  return threshold;
}

function meanColour(rgb: Uint8Array, pixels: readonly number[]): [number, number, number] {
  const sum = [0, 0, 0];
  for (const p of pixels) for (let c = 0; c < 3; c++) sum[c] = (sum[c] as number) + (rgb[p * 3 + c] as number);
  const n = Math.max(1, pixels.length);
  return [(sum[0] as number) / n, (sum[1] as number) / n, (sum[2] as number) / n];
}

/** The named colour nearest to a measured one, allowing it to be somewhat darker or brighter. */
export function nameColour(measured: readonly [number, number, number]): { colour: Colour; colourDistance: number } {
  let best: Colour = 'red';
  let bestDistance = Infinity;
  for (const colour of COLOURS) {
    const c = COLOUR_RGB[colour];
    const dot = measured[0] * c[0] + measured[1] * c[1] + measured[2] * c[2];
    const scale = Math.min(1.1, Math.max(0.8, dot / (c[0] * c[0] + c[1] * c[1] + c[2] * c[2])));
    const d = Math.hypot(measured[0] - scale * c[0], measured[1] - scale * c[1], measured[2] - scale * c[2]);
    if (d < bestDistance) {
      bestDistance = d;
      best = colour;
    }
  }
  return { colour: best, colourDistance: bestDistance };
}

function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return morph(mask, width, height, radius, true);
}

function erode(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return morph(mask, width, height, radius, false);
}

/** Square-window dilation or erosion, separably. */
function morph(mask: Uint8Array, width: number, height: number, radius: number, grow: boolean): Uint8Array {
  const pass = (source: Uint8Array, horizontal: boolean): Uint8Array => {
    const out = new Uint8Array(source.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let value = grow ? 0 : 1;
        for (let k = -radius; k <= radius; k++) {
          const xx = horizontal ? x + k : x;
          const yy = horizontal ? y : y + k;
          const inside = xx >= 0 && yy >= 0 && xx < width && yy < height;
          const v = inside ? (source[yy * width + xx] as number) : 0;
          if (grow && v) {
            value = 1;
            break;
          }
          if (!grow && !v) {
            value = 0;
            break;
          }
        }
        out[y * width + x] = value;
      }
    }
    return out;
  };
  return pass(pass(mask, true), false);
}

// ---------------------------------------------------------------------------------------------
// Shape and size by template matching

interface Template {
  shape: Shape;
  size: Size;
  width: number;
  height: number;
  data: Float32Array;
  /** Coverage-weighted centroid in template coordinates. */
  cx: number;
  cy: number;
  /** Σ data², for the cosine similarity. */
  energy: number;
  /** The shape's own centre (the grid-cell centre it was drawn at) in template coordinates. */
  originX: number;
  originY: number;
}

const templateCache = new Map<number, Template[]>();

function templatesFor(imageSize: number): Template[] {
  const cached = templateCache.get(imageSize);
  if (cached) return cached;
  const templates: Template[] = [];
  for (const shape of SHAPES) {
    for (const size of SIZES) {
      const object: SceneObject = { shape, size, colour: 'white', style: 'flat', position: 'center' };
      const coverage = objectCoverage(object, imageSize);
      const placement = objectPlacement(object, imageSize);
      for (const sigma of TEMPLATE_BLURS) {
        const pad = Math.ceil(sigma * 3) + 1;
        const left = Math.max(0, Math.floor(placement.cx - placement.radius) - pad);
        const top = Math.max(0, Math.floor(placement.cy - placement.radius) - pad);
        const right = Math.min(imageSize - 1, Math.ceil(placement.cx + placement.radius) + pad);
        const bottom = Math.min(imageSize - 1, Math.ceil(placement.cy + placement.radius) + pad);
        const w = right - left + 1;
        const h = bottom - top + 1;
        let data: Float32Array = new Float32Array(w * h);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) data[y * w + x] = (coverage[(top + y) * imageSize + left + x] as number) / 255;
        }
        if (sigma > 0) data = blurPlane(data, w, h, sigma);
        let mass = 0;
        let energy = 0;
        let cx = 0;
        let cy = 0;
        for (let i = 0; i < data.length; i++) {
          const v = data[i] as number;
          mass += v;
          energy += v * v;
          cx += v * (i % w);
          cy += v * Math.floor(i / w);
        }
        templates.push({ shape, size, width: w, height: h, data, energy, cx: cx / mass, cy: cy / mass, originX: placement.cx - left - 0.5, originY: placement.cy - top - 0.5 });
      }
    }
  }
  templateCache.set(imageSize, templates);
  return templates;
}

function smallestObjectArea(imageSize: number): number {
  return Math.min(...SHAPES.map((shape) => shapeArea(shape))) * (SIZE_RADIUS.small * imageSize) ** 2;
}

function blurPlane(plane: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const radius = Math.ceil(sigma * 3);
  const weights: number[] = [];
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    weights.push(w);
    total += w;
  }
  const pass = (source: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(source.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const xx = horizontal ? x + k : x;
          const yy = horizontal ? y : y + k;
          if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
          sum += (weights[k + radius] as number) * (source[yy * width + xx] as number);
        }
        out[y * width + x] = sum / total;
      }
    }
    return out;
  };
  return pass(pass(plane, true), false);
}

/**
 * Cosine similarity between the coverage map and the template placed with its top-left corner at
 * (ox, oy). Unlike an IoU it ignores overall gain, so a blurred small object whose contrast never
 * reaches full strength still matches its blurred template.
 */
function similarity(coverage: Float32Array, width: number, height: number, template: Template, ox: number, oy: number, observedEnergy: number): number {
  let dot = 0;
  for (let y = 0; y < template.height; y++) {
    const iy = oy + y;
    if (iy < 0 || iy >= height) continue;
    const row = iy * width;
    const templateRow = y * template.width;
    for (let x = 0; x < template.width; x++) {
      const ix = ox + x;
      if (ix < 0 || ix >= width) continue;
      dot += (template.data[templateRow + x] as number) * (coverage[row + ix] as number);
    }
  }
  return dot / Math.sqrt(observedEnergy * template.energy);
}

interface TemplateMatch {
  shape: Shape;
  size: Size;
  score: number;
  centreX: number;
  centreY: number;
}

function matchTemplates(coverage: Float32Array, width: number, height: number, cx: number, cy: number): TemplateMatch {
  let observedEnergy = 0;
  for (let i = 0; i < coverage.length; i++) observedEnergy += (coverage[i] as number) ** 2;
  const templates = templatesFor(width);
  const scored = templates.map((template) => {
    const ox = Math.round(cx - template.cx);
    const oy = Math.round(cy - template.cy);
    return { template, ox, oy, score: similarity(coverage, width, height, template, ox, oy, observedEnergy) };
  });
  scored.sort((a, b) => b.score - a.score);
  let best = scored[0] as (typeof scored)[number];
  for (const candidate of scored.slice(0, 8)) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (dx === 0 && dy === 0) continue;
        const score = similarity(coverage, width, height, candidate.template, candidate.ox + dx, candidate.oy + dy, observedEnergy);
        if (score > best.score) best = { template: candidate.template, ox: candidate.ox + dx, oy: candidate.oy + dy, score };
      }
    }
  }
  // The observed centroid sits where the template's centroid does; the shape's centre is offset
  // from it as in the template. This is sub-pixel, unlike the integer placement.
  return {
    shape: best.template.shape,
    size: best.template.size,
    score: best.score,
    centreX: cx - best.template.cx + best.template.originX + 0.5,
    centreY: cy - best.template.cy + best.template.originY + 0.5,
  };
}

// ---------------------------------------------------------------------------------------------
// Style

function classifyStyle(image: RgbImage, object: SceneObject, centreX: number, centreY: number, measured: readonly [number, number, number]): Style {
  const { width, height, rgb } = image;
  const radius = objectPlacement(object, width).radius;
  const outline = outlineWidth(radius);
  const shadeLuminance = 0.75 * luminance(measured[0], measured[1], measured[2]);
  const isShade = (x: number, y: number): boolean => {
    const p = (y * width + x) * 3;
    return luminance(rgb[p] as number, rgb[p + 1] as number, rgb[p + 2] as number) < shadeLuminance;
  };
  let edge = 0;
  let edgeShade = 0;
  let inner = 0;
  let innerShade = 0;
  let inside = 0;
  const shadePixels: number[] = [];
  const isInside = new Uint8Array(width * height);
  const x0 = Math.max(1, Math.floor(centreX - radius - 1));
  const x1 = Math.min(width - 2, Math.ceil(centreX + radius + 1));
  const y0 = Math.max(1, Math.floor(centreY - radius - 1));
  const y1 = Math.min(height - 2, Math.ceil(centreY + radius + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = shapeSignedDistance(object.shape, (x + 0.5 - centreX) / radius, (y + 0.5 - centreY) / radius) * radius;
      if (d > -0.8) continue;
      const shade = isShade(x, y);
      inside++;
      isInside[y * width + x] = 1;
      if (shade) shadePixels.push(y * width + x);
      if (d > -outline) {
        edge++;
        if (shade) edgeShade++;
      } else if (d < -(outline + 0.5)) {
        inner++;
        if (shade) innerShade++;
      }
    }
  }
  if (inside === 0) return 'flat';
  const edgeFraction = edge > 0 ? edgeShade / edge : 0;
  if (edgeFraction > 0.6 && (inner < 5 || innerShade / inner < 0.15)) return 'outlined';
  if (shadePixels.length / inside < 0.07) return faintStyle(image, object, centreX, centreY, measured);
  // Stripes run along x + y = constant: a shade pixel's anti-diagonal neighbours are shade too,
  // its diagonal neighbours mostly not. Dots look much the same along both diagonals.
  let along = 0;
  let across = 0;
  let pairs = 0;
  for (const p of shadePixels) {
    const x = p % width;
    const y = (p - x) / width;
    if (!isInside[(y - 1) * width + x + 1] || !isInside[(y + 1) * width + x + 1]) continue;
    pairs++;
    if (isShade(x + 1, y - 1)) along++;
    if (isShade(x + 1, y + 1)) across++;
  }
  if (pairs === 0) return 'dotted';
  return along / pairs > 0.75 && (along - across) / pairs > 0.4 ? 'striped' : 'dotted';
}


/**
 * For objects with no clearly dark pixels: blur may have washed a pattern out below the shade
 * threshold, but its frequency (or a darker rim) can still be there.
 */
function faintStyle(image: RgbImage, object: SceneObject, centreX: number, centreY: number, measured: readonly [number, number, number]): Style {
  const evidence = styleEvidence(image, object, centreX, centreY, measured);
  const scale = Math.max(1, evidence.baseLuminance);
  const stripes = (evidence.stripe - evidence.stripeCross) / scale;
  const dots = evidence.dots / scale;
  if (stripes > STRIPE_EVIDENCE && stripes > dots) return 'striped';
  if (dots > DOT_EVIDENCE) return 'dotted';
  if (evidence.edgeDarkening > OUTLINE_EVIDENCE) return 'outlined';
  return 'flat';
}

// Thresholds as fractions of the base luminance, set from the evidence's spread on flat objects
// (clean, blurred σ = 1 and rescaled ×2): flat objects stay well below them.
const STRIPE_EVIDENCE = 0.04;
const DOT_EVIDENCE = 0.035;
const OUTLINE_EVIDENCE = 0.11;

export interface StyleEvidence {
  /** Luminance of the object's base colour. */
  baseLuminance: number;
  /** Fourier magnitude of the interior's luminance at the stripe frequency, along x + y. */
  stripe: number;
  /** The same along x − y, where stripes have none (dots and noise have as much as along x + y). */
  stripeCross: number;
  /** Mean Fourier magnitude at the dot grid's frequency along x and along y. */
  dots: number;
  /** How much darker the band just inside the outline is than the interior (fraction of base luminance). */
  edgeDarkening: number;
  interiorPixels: number;
}

/**
 * Phase-free evidence of a pattern: the strength of the luminance at the frequencies the world's
 * stripes and dots repeat at, whatever their phase, so it survives moderate blur and noise.
 */
export function styleEvidence(image: RgbImage, object: Pick<SceneObject, 'shape' | 'size'>, centreX: number, centreY: number, measured: readonly [number, number, number]): StyleEvidence {
  const { width, height, rgb } = image;
  const radius = SIZE_RADIUS[object.size] * width;
  const outline = outlineWidth(radius);
  const pattern = patternGeometry(width);
  const stripeFrequency = (2 * Math.PI) / pattern.stripePeriod;
  const dotFrequency = (2 * Math.PI) / pattern.dotSpacing;
  const interior: number[] = [];
  const values: number[] = [];
  let edgeSum = 0;
  let edgeCount = 0;
  const x0 = Math.max(0, Math.floor(centreX - radius - 1));
  const x1 = Math.min(width - 1, Math.ceil(centreX + radius + 1));
  const y0 = Math.max(0, Math.floor(centreY - radius - 1));
  const y1 = Math.min(height - 1, Math.ceil(centreY + radius + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = shapeSignedDistance(object.shape, (x + 0.5 - centreX) / radius, (y + 0.5 - centreY) / radius) * radius;
      const p = (y * width + x) * 3;
      const l = luminance(rgb[p] as number, rgb[p + 1] as number, rgb[p + 2] as number);
      if (d > -0.8) continue;
      if (d > -outline) {
        edgeSum += l;
        edgeCount++;
      } else if (d < -(outline + 0.5)) {
        interior.push(y * width + x);
        values.push(l);
      }
    }
  }
  const n = values.length;
  const mean = n > 0 ? values.reduce((a, b) => a + b, 0) / n : 0;
  const magnitude = (phase: (x: number, y: number) => number): number => {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const p = interior[i] as number;
      const x = p % width;
      const y = (p - x) / width;
      const v = (values[i] as number) - mean;
      const angle = phase(x, y);
      re += v * Math.cos(angle);
      im += v * Math.sin(angle);
    }
    return n > 0 ? (2 * Math.hypot(re, im)) / n : 0;
  };
  const baseLuminance = luminance(measured[0], measured[1], measured[2]);
  return {
    baseLuminance,
    stripe: magnitude((x, y) => (x + y) * stripeFrequency),
    stripeCross: magnitude((x, y) => (x - y) * stripeFrequency),
    dots: (magnitude((x) => x * dotFrequency) + magnitude((_, y) => y * dotFrequency)) / 2,
    edgeDarkening: edgeCount > 0 && n > 0 ? (mean - edgeSum / edgeCount) / Math.max(1, baseLuminance) : 0,
    interiorPixels: n,
  };
}
