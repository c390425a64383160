// A plan step's `strength` (0..1, how far the edit may move from the source) for the methods whose
// own knob is something else: the fraction of the steps in which the source's attention or features
// are injected. 0.5 means the method's published defaults; stronger shortens the injection in
// proportion (1 = no injection at all), weaker lengthens it (0 = twice the defaults, at most every step).
import { z } from 'zod';
import type { MethodId } from '../plan/index.ts';
import type { EditMethod } from '../methods/index.ts';

/** The strength at which these methods run with their defaults. */
export const NEUTRAL_STRENGTH = 0.5;

/** Per method, its injection fractions (each 0..1 in its schema, with the paper's default). */
const INJECTION_FRACTIONS: Partial<Record<MethodId, readonly string[]>> = {
  'p2p.replace': ['crossReplaceSteps', 'selfReplaceSteps'],
  'p2p.refine': ['crossReplaceSteps', 'selfReplaceSteps'],
  'p2p.local': ['crossReplaceSteps', 'selfReplaceSteps'],
  pnp: ['featureSteps', 'attentionSteps'],
  fpe: ['selfReplaceSteps'],
};

/** Whether `strength` reaches this method through its injection fractions. */
export function strengthIsMapped(id: MethodId): boolean {
  return INJECTION_FRACTIONS[id] !== undefined;
}

/** The method's own parameters for a plan strength; empty for a method without such a mapping. */
export function injectionForStrength(method: EditMethod, strength: number): Record<string, number> {
  const names = INJECTION_FRACTIONS[method.id];
  if (!names || !(method.params instanceof z.ZodObject)) return {};
  const scale = 2 * (1 - Math.min(1, Math.max(0, strength)));
  const out: Record<string, number> = {};
  for (const name of names) {
    const field = method.params.shape[name] as z.ZodType | undefined;
    // A defaulted field parses `undefined` to its default: the paper's value, kept in one place.
    const fallback = field?.safeParse(undefined);
    if (!fallback?.success || typeof fallback.data !== 'number') continue;
    out[name] = Math.round(Math.min(1, fallback.data * scale) * 1000) / 1000;
  }
  return out;
}
