// Every inversion, by id: adding one is its module plus one line in INVERSIONS.
import { ddimInversion } from './ddim.ts';
import { ddpmInversion } from './ddpm.ts';
import { directInversion } from './direct.ts';
import { negativePromptInversion } from './negative-prompt.ts';
import { nullTextInversion, type NullTextOptions } from './null-text.ts';
import type { ExtraInvertOptions, Inversion, InversionMethod, InversionModel, InversionResult, InversionSampling, InvertOptions } from './types.ts';

/** Options of any inversion: the shared ones, the extra ones, and null-text's reusable graph. */
export type AnyInvertOptions = InvertOptions & ExtraInvertOptions & Pick<NullTextOptions, 'graph'>;

export const INVERSIONS: readonly Inversion[] = [
  ddimInversion,
  nullTextInversion,
  negativePromptInversion,
  directInversion,
  ddpmInversion,
];

export const INVERSION_METHODS: readonly InversionMethod[] = INVERSIONS.map((inversion) => inversion.id);

const BY_ID = new Map<string, Inversion>(INVERSIONS.map((inversion) => [inversion.id, inversion]));

export function isInversionMethod(id: string): id is InversionMethod {
  return BY_ID.has(id);
}

export function findInversion(id: string): Inversion | undefined {
  return BY_ID.get(id);
}

export function getInversion(id: InversionMethod): Inversion {
  const inversion = BY_ID.get(id);
  if (!inversion) throw new RangeError(`unknown inversion method ${String(id)}`);
  return inversion;
}

/** Runs the inversion `method` names (an `invert.*` id). */
export function invert(model: InversionModel, method: InversionMethod, options: AnyInvertOptions): Promise<InversionResult> {
  return getInversion(method).invert(model, options);
}

/** How to sample from an inversion (its null embeddings, noises or correction), at its own guidance unless told. */
export function inversionSampling(model: InversionModel, inversion: InversionResult, options: { guidance?: number } = {}): InversionSampling {
  return {
    steps: inversion.steps,
    guidance: options.guidance ?? inversion.guidance,
    start: inversion.xT,
    cond: inversion.cond,
    ...getInversion(inversion.method).sampling(model, inversion),
  };
}
