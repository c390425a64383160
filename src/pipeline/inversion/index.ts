import { invertDdimMethod } from './ddim.ts';
import { invertDdpm, type DdpmInvertOptions } from './ddpm.ts';
import { invertDirect } from './direct.ts';
import { invertNegativePrompt } from './negative-prompt.ts';
import { invertNullText, type NullTextOptions } from './null-text.ts';
import type { InversionMethod, InversionModel, InversionResult } from './types.ts';

export { invertDdim, invertDdimMethod, type DdimInversion, type DdimInversionOptions } from './ddim.ts';
export { invertDdpm, type DdpmInvertOptions } from './ddpm.ts';
export { DirectInversionCorrection, invertDirect } from './direct.ts';
export { invertNegativePrompt } from './negative-prompt.ts';
export { invertNullText, NULL_TEXT_DEFAULTS, nullEmbeddingAt, nullTextLearningRate, NullTextGraph, type NullTextOptions } from './null-text.ts';
export { inversionSampling, reconstruct, type InversionSampling, type ReconstructOptions } from './reconstruct.ts';
export * from './types.ts';
export {
  imageContentHash,
  inversionFromTensors,
  inversionTensors,
  invertWithStore,
  modelContentHash,
  STORED_INVERSION_FORMAT,
  StoredInversionMismatch,
  storedInversionKey,
  storedInversionParams,
  type StoredInversionModel,
  type StoredInversionOutcome,
  type StoredInvertOptions,
  type StoredLookup,
  type StoredPut,
} from './stored.ts';

export type AnyInvertOptions = NullTextOptions & DdpmInvertOptions;

/** Runs the inversion `method` names (an `invert.*` id). */
export function invert(model: InversionModel, method: InversionMethod, options: AnyInvertOptions): Promise<InversionResult> {
  switch (method) {
    case 'invert.ddim':
      return invertDdimMethod(model, options);
    case 'invert.null_text':
      return invertNullText(model, options);
    case 'invert.negative_prompt':
      return invertNegativePrompt(model, options);
    case 'invert.direct':
      return invertDirect(model, options);
    case 'invert.ddpm':
      return invertDdpm(model, options);
  }
}
