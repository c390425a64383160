export { familyOf, isMethodId, METHOD_FAMILIES, METHOD_IDS, EDIT_KINDS, type EditKind, type MethodFamily, type MethodId } from './catalogue.ts';
export { alternativesFor, EDIT_METHODS, findMethod, getMethod, INVERSIONS, isAvailable, methodName, schedulerName } from './registry.ts';
export { checkParams, injectionForStrength, methodParams, NEUTRAL_STRENGTH, parameterNames, parseParamPairs, rangeOf } from './params.ts';
export { EDIT_DEFAULTS, inversionProblem, runEdit, schedulerProblem, schedulersOf, type EditPhase, type EditRequest, type EditRun } from './run.ts';
export { INVERSION_METHODS, type InversionMethod } from '../pipeline/inversion/index.ts';
export { SCHEDULER_KINDS, type SchedulerKind } from '../pipeline/schedulers/index.ts';
export * from './types.ts';
