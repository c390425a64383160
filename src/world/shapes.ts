// Shape geometry in unit coordinates: the object's radius is 1, x to the right, y downwards.
// Every shape is given by an exact signed distance (negative inside), which lets the rasteriser
// skip supersampling for pixels that are certainly inside or outside.
import type { Shape } from './vocabulary.ts';

type Point = readonly [number, number];

const RING_INNER = 0.55;
const SQUARE_HALF_SIDE = 0.85;
const STAR_INNER = 0.45;
const CROSS_HALF_WIDTH = 0.34;

function regularStar(points: number, inner: number): Point[] {
  const vertices: Point[] = [];
  for (let i = 0; i < points * 2; i++) {
    const radius = i % 2 === 0 ? 1 : inner;
    const angle = -Math.PI / 2 + (i * Math.PI) / points;
    vertices.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
  }
  return vertices;
}

function heart(samples: number): Point[] {
  // The classic parametric heart, scaled and centred so its bounding box is [-1, 1] wide.
  const raw: Point[] = [];
  for (let i = 0; i < samples; i++) {
    const t = (i / samples) * 2 * Math.PI;
    const x = 16 * Math.sin(t) ** 3;
    const y = -(13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t));
    raw.push([x, y]);
  }
  const ys = raw.map((p) => p[1]);
  const top = Math.min(...ys);
  const bottom = Math.max(...ys);
  const scale = 1 / Math.max(16, (bottom - top) / 2);
  const middle = (top + bottom) / 2;
  return raw.map(([x, y]) => [x * scale, (y - middle) * scale]);
}

function cross(halfWidth: number): Point[] {
  const a = halfWidth;
  return [
    [-a, -1], [a, -1], [a, -a], [1, -a], [1, a], [a, a],
    [a, 1], [-a, 1], [-a, a], [-1, a], [-1, -a], [-a, -a],
  ];
}

const POLYGONS: Partial<Record<Shape, Point[]>> = {
  square: [[-SQUARE_HALF_SIDE, -SQUARE_HALF_SIDE], [SQUARE_HALF_SIDE, -SQUARE_HALF_SIDE], [SQUARE_HALF_SIDE, SQUARE_HALF_SIDE], [-SQUARE_HALF_SIDE, SQUARE_HALF_SIDE]],
  triangle: [[0, -1], [1, 1], [-1, 1]],
  star: regularStar(5, STAR_INNER),
  heart: heart(72),
  cross: cross(CROSS_HALF_WIDTH),
  diamond: [[0, -1], [1, 0], [0, 1], [-1, 0]],
};

/** Flattened polygon vertices, for a tight inner loop. */
const FLAT_POLYGONS = new Map<Shape, Float64Array>(
  Object.entries(POLYGONS).map(([shape, points]) => [shape as Shape, Float64Array.from(points.flat())]),
);

function polygonSignedDistance(vertices: Float64Array, x: number, y: number): number {
  const count = vertices.length / 2;
  let best = Infinity;
  let inside = false;
  let jx = vertices[(count - 1) * 2] as number;
  let jy = vertices[(count - 1) * 2 + 1] as number;
  for (let i = 0; i < count; i++) {
    const ix = vertices[i * 2] as number;
    const iy = vertices[i * 2 + 1] as number;
    const ex = jx - ix;
    const ey = jy - iy;
    const wx = x - ix;
    const wy = y - iy;
    const t = Math.min(1, Math.max(0, (wx * ex + wy * ey) / (ex * ex + ey * ey)));
    const dx = wx - ex * t;
    const dy = wy - ey * t;
    const squared = dx * dx + dy * dy;
    if (squared < best) best = squared;
    if (iy > y !== jy > y && x < ((jx - ix) * (y - iy)) / (jy - iy) + ix) inside = !inside;
    jx = ix;
    jy = iy;
  }
  const distance = Math.sqrt(best);
  return inside ? -distance : distance;
}

/** Signed distance from (x, y) to the shape's outline in unit coordinates (negative inside). */
export function shapeSignedDistance(shape: Shape, x: number, y: number): number {
  switch (shape) {
    case 'circle':
      return Math.sqrt(x * x + y * y) - 1;
    case 'ring': {
      const middle = (1 + RING_INNER) / 2;
      return Math.abs(Math.sqrt(x * x + y * y) - middle) - (1 - RING_INNER) / 2;
    }
    default:
      return polygonSignedDistance(FLAT_POLYGONS.get(shape) as Float64Array, x, y);
  }
}

export interface UnitBounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The shape's bounding box in unit coordinates. */
export function shapeBounds(shape: Shape): UnitBounds {
  const polygon = POLYGONS[shape];
  if (!polygon) return { left: -1, top: -1, right: 1, bottom: 1 };
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}

const areaCache = new Map<Shape, number>();

/** The shape's area in unit coordinates (measured once on a fine grid). */
export function shapeArea(shape: Shape): number {
  const cached = areaCache.get(shape);
  if (cached !== undefined) return cached;
  const steps = 400;
  let inside = 0;
  for (let j = 0; j < steps; j++) {
    for (let i = 0; i < steps; i++) {
      if (shapeSignedDistance(shape, -1 + (2 * (i + 0.5)) / steps, -1 + (2 * (j + 0.5)) / steps) < 0) inside++;
    }
  }
  const area = (inside / (steps * steps)) * 4;
  areaCache.set(shape, area);
  return area;
}
