export { invertDdim, invertDdimMethod, type DdimInversion, type DdimInversionOptions } from './ddim.ts';
export { invertDdpm, type DdpmInvertOptions } from './ddpm.ts';
export { DirectInversionCorrection, invertDirect } from './direct.ts';
export { invertNegativePrompt } from './negative-prompt.ts';
export { invertNullText, NULL_TEXT_DEFAULTS, nullEmbeddingAt, nullTextLearningRate, NullTextGraph, type NullTextOptions } from './null-text.ts';
export { reconstruct, type ReconstructOptions } from './reconstruct.ts';
export { findInversion, getInversion, INVERSION_METHODS, INVERSIONS, inversionSampling, invert, isInversionMethod, type AnyInvertOptions } from './registry.ts';
export * from './types.ts';
