// The limits every sampling request shares (text-to-image, inversions, edits), in one place so
// each entry point says the same thing about the same mistake.

import { GUIDANCE, STEPS } from '../config/limits.ts';

/** The first problem with the given settings, or undefined; a setting left out is not checked. */
export function samplingProblem(settings: { steps?: number; guidance?: number; seed?: number }): string | undefined {
  const { steps, guidance, seed } = settings;
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= STEPS.min && steps <= STEPS.max)) return `steps must be an integer from ${STEPS.min} to ${STEPS.max}, got ${steps}`;
  if (guidance !== undefined && !(Number.isFinite(guidance) && guidance >= GUIDANCE.min && guidance <= GUIDANCE.max)) return `guidance must be a number from ${GUIDANCE.min} to ${GUIDANCE.max}, got ${guidance}`;
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) return `seed must be a non-negative integer, got ${seed}`;
  return undefined;
}
