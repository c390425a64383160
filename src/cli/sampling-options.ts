// Parsers of the sampling options the CLI commands share, checked against the shared limits.
import { InvalidArgumentError } from 'commander';
import { GUIDANCE } from '../config/limits.ts';

/** `--guidance <w>`: a number in the guidance range. */
export const guidanceScale = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < GUIDANCE.min || n > GUIDANCE.max) throw new InvalidArgumentError(`--guidance must be a number from ${GUIDANCE.min} to ${GUIDANCE.max}, got '${value}'`);
  return n;
};

/** An integer option within its limits, e.g. `--prompts <n>`. */
export const integerIn = (flag: string, limits: { min: number; max: number }) => (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < limits.min || n > limits.max) throw new InvalidArgumentError(`${flag} must be a whole number from ${limits.min} to ${limits.max}, got '${value}'`);
  return n;
};
