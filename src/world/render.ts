// The rasteriser: a pure function scene → pixels, exact per-object coverage masks and the caption.
// Each object is rasterised from its signed distance: pixels further than half a diagonal from the
// outline are certainly inside or outside; only the thin band across the edge is supersampled.
import { paintBackground } from './backgrounds.ts';
import { captionOf } from './caption.ts';
import type { RgbImage } from '../support/image.ts';
import type { Scene, SceneObject } from './scene.ts';
import { shapeSignedDistance } from './shapes.ts';
import { COLOUR_RGB, PATTERN_SHADE, SIZE_RADIUS, positionCentre, type Rgb } from './vocabulary.ts';

export interface RenderOptions {
  /** Width and height in pixels (images are square). Default 128. */
  size?: number;
  /** Samples per pixel side on edge pixels (n×n). Default 4. */
  supersample?: number;
}

export interface RenderedScene extends RgbImage {
  /** One coverage mask per scene object (same order), 0–255, 255 = fully covered. */
  masks: Uint8Array[];
  caption: string;
}

export const DEFAULT_IMAGE_SIZE = 128;

/** Stripe and dot dimensions in pixels at a given image size (defined at 128 px and scaled). */
export function patternGeometry(imageSize: number): { stripePeriod: number; dotSpacing: number; dotRadius: number } {
  const scale = imageSize / 128;
  return {
    stripePeriod: Math.max(3, Math.round(6 * scale)),
    dotSpacing: 6.5 * scale,
    dotRadius: 1.7 * scale,
  };
}

/**
 * Outline width in pixels: grows with the object, but slower than it (√radius), so small objects
 * get a legible outline (1.6 px at 128²) and thin parts of large ones (ring band, star arms) keep a fill.
 */
export function outlineWidth(radius: number): number {
  return Math.max(1, 0.54 * Math.sqrt(radius));
}

export function patternShade(colour: Rgb): Rgb {
  return [Math.round(colour[0] * PATTERN_SHADE), Math.round(colour[1] * PATTERN_SHADE), Math.round(colour[2] * PATTERN_SHADE)];
}

/** The object's centre and radius in pixels. */
export function objectPlacement(object: Pick<SceneObject, 'position' | 'size'>, imageSize: number): { cx: number; cy: number; radius: number } {
  const centre = positionCentre(object.position);
  return { cx: centre.x * imageSize, cy: centre.y * imageSize, radius: SIZE_RADIUS[object.size] * imageSize };
}

export function renderScene(scene: Scene, options: RenderOptions = {}): RenderedScene {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  const supersample = options.supersample ?? 4;
  const rgb = new Uint8Array(size * size * 3);
  paintBackground(rgb, size, size, scene.background, scene.seed);
  const masks = scene.objects.map((object) => paintObject(rgb, size, object, supersample));
  return { width: size, height: size, rgb, masks, caption: captionOf(scene) };
}

function paintObject(rgb: Uint8Array, size: number, object: SceneObject, supersample: number): Uint8Array {
  const mask = new Uint8Array(size * size);
  const { cx, cy, radius } = objectPlacement(object, size);
  const base = COLOUR_RGB[object.colour];
  const shade = patternShade(base);
  const pattern = patternGeometry(size);
  const halfDiagonal = Math.SQRT1_2 + 1e-6;
  const samples = supersample * supersample;

  const x0 = Math.max(0, Math.floor(cx - radius - 1));
  const x1 = Math.min(size - 1, Math.ceil(cx + radius + 1));
  const y0 = Math.max(0, Math.floor(cy - radius - 1));
  const y1 = Math.min(size - 1, Math.ceil(cy + radius + 1));
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      const dx = px + 0.5 - cx;
      const dy = py + 0.5 - cy;
      const distance = shapeSignedDistance(object.shape, dx / radius, dy / radius) * radius;
      if (distance >= halfDiagonal) continue;
      let coverage = 1;
      if (distance > -halfDiagonal) {
        let inside = 0;
        for (let sy = 0; sy < supersample; sy++) {
          const v = (py + (sy + 0.5) / supersample - cy) / radius;
          for (let sx = 0; sx < supersample; sx++) {
            const u = (px + (sx + 0.5) / supersample - cx) / radius;
            if (shapeSignedDistance(object.shape, u, v) < 0) inside++;
          }
        }
        if (inside === 0) continue;
        coverage = inside / samples;
      }
      const colour = usesShade(object, dx, dy, distance, radius, pattern) ? shade : base;
      const pixel = py * size + px;
      const offset = pixel * 3;
      if (coverage === 1) {
        rgb[offset] = colour[0];
        rgb[offset + 1] = colour[1];
        rgb[offset + 2] = colour[2];
      } else {
        const keep = 1 - coverage;
        rgb[offset] = Math.round((rgb[offset] as number) * keep + colour[0] * coverage);
        rgb[offset + 1] = Math.round((rgb[offset + 1] as number) * keep + colour[1] * coverage);
        rgb[offset + 2] = Math.round((rgb[offset + 2] as number) * keep + colour[2] * coverage);
      }
      mask[pixel] = Math.round(coverage * 255);
    }
  }
  return mask;
}

/** Whether the style paints this pixel (offset dx, dy from the object centre) in the darker shade. */
function usesShade(object: SceneObject, dx: number, dy: number, distance: number, radius: number, pattern: ReturnType<typeof patternGeometry>): boolean {
  switch (object.style) {
    case 'flat':
      return false;
    case 'striped': {
      const period = pattern.stripePeriod;
      const phase = ((Math.floor(dx + dy) % period) + period) % period;
      return phase < period / 3;
    }
    case 'dotted': {
      const s = pattern.dotSpacing;
      const ox = dx - Math.round(dx / s) * s;
      const oy = dy - Math.round(dy / s) * s;
      return ox * ox + oy * oy < pattern.dotRadius * pattern.dotRadius;
    }
    case 'outlined':
      return distance > -outlineWidth(radius);
  }
}

/** The exact coverage mask (0–255) of one object drawn alone on an image of the given size. */
export function objectCoverage(object: SceneObject, imageSize: number = DEFAULT_IMAGE_SIZE, supersample = 4): Uint8Array {
  return paintObject(new Uint8Array(imageSize * imageSize * 3), imageSize, object, supersample);
}
