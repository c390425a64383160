// The limits every sampling request shares (text-to-image, inversions, edits), in one place so
// each entry point says the same thing about the same mistake.

/**
 * Below the 1000 training timesteps: SD's DDIM spacing (leading, offset 1) would put a 1000-step
 * schedule's first timestep at 1000, past the end; and no edit needs more than a few hundred.
 */
export const MAX_STEPS = 500;
export const MAX_GUIDANCE = 50;

/** The first problem with the given settings, or undefined; a setting left out is not checked. */
export function samplingProblem(settings: { steps?: number; guidance?: number; seed?: number }): string | undefined {
  const { steps, guidance, seed } = settings;
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1 && steps <= MAX_STEPS)) return `steps must be an integer from 1 to ${MAX_STEPS}, got ${steps}`;
  if (guidance !== undefined && !(Number.isFinite(guidance) && guidance >= 0 && guidance <= MAX_GUIDANCE)) return `guidance must be a number from 0 to ${MAX_GUIDANCE}, got ${guidance}`;
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) return `seed must be a non-negative integer, got ${seed}`;
  return undefined;
}
