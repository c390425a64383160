// The limits every sampling request shares (text-to-image, inversions, edits), in one place so
// each entry point says the same thing about the same mistake.

export const MAX_STEPS = 1000;
export const MAX_GUIDANCE = 50;

/** The first problem with the given settings, or undefined; a setting left out is not checked. */
export function samplingProblem(settings: { steps?: number; guidance?: number; seed?: number }): string | undefined {
  const { steps, guidance, seed } = settings;
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1 && steps <= MAX_STEPS)) return `steps must be an integer from 1 to ${MAX_STEPS}, got ${steps}`;
  if (guidance !== undefined && !(Number.isFinite(guidance) && guidance >= 0 && guidance <= MAX_GUIDANCE)) return `guidance must be a number from 0 to ${MAX_GUIDANCE}, got ${guidance}`;
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) return `seed must be a non-negative integer, got ${seed}`;
  return undefined;
}
