// Every registered method and inversion as plain data (for `retouch methods`, help texts and tests),
// and the ids of METHODS.md that are known but not available yet.
import { z } from 'zod';
import { familyOf, METHOD_IDS, type MethodId } from './catalogue.ts';
import { EDIT_METHODS, INVERSIONS, isAvailable, methodName } from './registry.ts';
import { schedulersOf } from './run.ts';
import type { EditMethod } from './types.ts';

export interface MethodDescription {
  id: MethodId;
  name: string;
  family: string;
  summary: string;
  edit: EditMethod['edit'];
  alternativeFor: NonNullable<EditMethod['alternativeFor']>;
  promptDriven: boolean;
  dial: EditMethod['dial'] | null;
  needs: EditMethod['needs'];
  schedulers: readonly string[];
  /** The parameter schema as JSON Schema (types, ranges, defaults). */
  params: Record<string, unknown>;
}

export interface InversionDescription {
  id: string;
  name: string;
  summary: string;
  /** Tensors it stores beyond the trajectory, timesteps and embeddings every inversion keeps. */
  storedTensors: readonly string[];
}

export interface Catalogue {
  methods: MethodDescription[];
  inversions: InversionDescription[];
  /** METHODS.md ids nothing registers yet: a plan may name them, and the reply says they aren't available. */
  notAvailableYet: { id: MethodId; name: string; family: string }[];
}

export function describeMethod(method: EditMethod): MethodDescription {
  return {
    id: method.id,
    name: method.name,
    family: familyOf(method.id),
    summary: method.summary,
    edit: method.edit,
    alternativeFor: method.alternativeFor ?? {},
    promptDriven: method.promptDriven,
    dial: method.dial ?? null,
    needs: method.needs,
    schedulers: schedulersOf(method),
    params: z.toJSONSchema(method.params, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>,
  };
}

export function describeCatalogue(): Catalogue {
  return {
    methods: EDIT_METHODS.map(describeMethod),
    inversions: INVERSIONS.map((inversion) => ({ id: inversion.id, name: inversion.name, summary: inversion.summary, storedTensors: inversion.storage.tensors })),
    notAvailableYet: METHOD_IDS.filter((id) => !isAvailable(id)).map((id) => ({ id, name: methodName(id), family: familyOf(id) })),
  };
}
