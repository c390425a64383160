// Edits a diffusion model cannot do (rotate, crop, undo): named so the reply can say so.
import type { Intent } from '../intents.ts';
import { alternation } from './words.ts';

export const UNSUPPORTED: Record<string, string> = {
  rotate: 'rotating', flip: 'flipping', crop: 'cropping', upscale: 'upscaling', sharpen: 'sharpening',
  denoise: 'denoising', undo: 'undoing (use the Undo button)', revert: 'undoing (use the Undo button)',
  animate: 'animation', 'mirror it': 'mirroring', 'mirror the image': 'mirroring', 'blur': 'blurring',
  'make it a gif': 'animation', 'make a video': 'video', 'translate': 'translating text', 'write': 'writing text',
  'add text': 'adding text', 'add the text': 'adding text', 'add a caption': 'adding text',
  'resolution': 'changing the resolution', 'compress': 'compressing', 'save': 'saving (use the Save button)',
  'delete this image': 'deleting images', 'brighten': 'brightness adjustment', 'contrast': 'contrast adjustment',
  'saturation': 'saturation adjustment', 'saturate': 'saturation adjustment', 'exposure': 'exposure adjustment',
};
export const UNSUPPORTED_RE = new RegExp(`^(?:${alternation(Object.keys(UNSUPPORTED))})\\b`);
export function parseUnsupported(c: string): Intent[] | undefined {
  const match = UNSUPPORTED_RE.exec(c);
  if (!match) return undefined;
  return [{ kind: 'unsupported', what: UNSUPPORTED[match[0]] ?? match[0] }];
}
