// The backgrounds: each is a vertical gradient (the part the analysis models) plus a small texture.
import { mix32 } from '../support/random.ts';
import type { Background, Rgb } from './vocabulary.ts';

interface BackgroundLook {
  top: Rgb;
  bottom: Rgb;
}

const LOOKS: Record<Background, BackgroundLook> = {
  plain: { top: [196, 196, 190], bottom: [196, 196, 190] },
  sky: { top: [95, 150, 225], bottom: [175, 210, 240] },
  grass: { top: [100, 135, 45], bottom: [125, 160, 60] },
  night: { top: [8, 10, 28], bottom: [24, 26, 58] },
  sand: { top: [222, 198, 150], bottom: [208, 180, 128] },
};

/** The gradient colour (without texture) at a height given as a fraction of the image height. */
export function backgroundBaseColour(background: Background, yFraction: number): [number, number, number] {
  const { top, bottom } = LOOKS[background];
  const t = Math.min(1, Math.max(0, yFraction));
  return [
    top[0] + (bottom[0] - top[0]) * t,
    top[1] + (bottom[1] - top[1]) * t,
    top[2] + (bottom[2] - top[2]) * t,
  ];
}

const NIGHT_STAR: Rgb = [235, 235, 210];

/**
 * Paints the background into an HWC buffer. Textures are pure functions of (seed, x, y):
 * grass has short vertical blades, sand a fine grain with faint ripples, night sparse stars,
 * sky a barely visible haze, plain none.
 */
export function paintBackground(rgb: Uint8Array, width: number, height: number, background: Background, seed: number): void {
  for (let y = 0; y < height; y++) {
    const [r0, g0, b0] = backgroundBaseColour(background, (y + 0.5) / height);
    for (let x = 0; x < width; x++) {
      let r = r0;
      let g = g0;
      let b = b0;
      switch (background) {
        case 'plain':
          break;
        case 'sky': {
          const haze = (hashNoise(seed, x >> 2, y >> 2) - 0.5) * 4;
          r += haze;
          g += haze;
          b += haze;
          break;
        }
        case 'grass': {
          // Blades: a per-column offset that changes every few rows, so streaks run vertically.
          const blade = (hashNoise(seed, x, Math.floor((y + (x % 3)) / 4)) - 0.5) * 22;
          r += blade * 0.6;
          g += blade;
          b += blade * 0.3;
          break;
        }
        case 'night':
          if (hashNoise(seed, x, y) < 0.004) {
            [r, g, b] = NIGHT_STAR;
          }
          break;
        case 'sand': {
          const grain = (hashNoise(seed, x, y) - 0.5) * 14;
          const ripple = Math.sin((y + 3 * Math.sin(x * 0.09)) * 0.5) * 4;
          r += grain + ripple;
          g += grain + ripple;
          b += grain * 0.8 + ripple;
          break;
        }
      }
      const offset = (y * width + x) * 3;
      rgb[offset] = clampByte(r);
      rgb[offset + 1] = clampByte(g);
      rgb[offset + 2] = clampByte(b);
    }
  }
}

export function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

/**
 * A pure function of (seed, x, y) in [0, 1): per-pixel texture noise that does not depend on drawing
 * order, so an edit that leaves the seed alone leaves every untouched pixel identical.
 */
function hashNoise(seed: number, x: number, y: number): number {
  return mix32(mix32(mix32(seed) ^ Math.imul(x, 0x27d4eb2f)) ^ Math.imul(y, 0x165667b1)) / 4294967296;
}
