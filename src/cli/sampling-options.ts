// Parsers of the sampling options the CLI commands share, checked against the shared limits.
import { InvalidArgumentError } from 'commander';
import { GUIDANCE } from '../config/limits.ts';

/** `--guidance <w>`: a number in the guidance range. */
export const guidanceScale = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < GUIDANCE.min || n > GUIDANCE.max) throw new InvalidArgumentError(`--guidance must be a number from ${GUIDANCE.min} to ${GUIDANCE.max}, got '${value}'`);
  return n;
};
