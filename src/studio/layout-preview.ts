// /imagine's first preview on a model with a ready shared concept dictionary: sae.compose's layout
// (where each thing the prompt asks for will go), read from the drawing's own first step. That step
// alone runs on the UNet compiled with hooks (the capture needs them; every hooked step costs ~30%
// more on the shipped model), the others on the plain one.
import { layoutPicture, layoutProbe } from '../concepts/layout.ts';
import { EditRequestError } from '../methods/index.ts';
import type { ConceptDictionary } from '../models/sae/dictionary.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import type { TextToImageOptions } from '../pipeline/text-to-image.ts';
import { layoutThumbnail } from './preview.ts';

export interface LayoutPreview {
  /** What textToImage needs to capture the layout's step. */
  sampling: Pick<TextToImageOptions, 'captures' | 'onCaptures' | 'captureWith'>;
  /** The layout's data URL once its step has run, and only the first time it is asked for. */
  take(): string | undefined;
}

/** Undefined where the dictionary has no site for it (then /imagine shows its usual previews only). */
export async function layoutPreview(hooked: Diffusion, dictionary: ConceptDictionary, prompt: string, steps: number): Promise<LayoutPreview | undefined> {
  let probe;
  try {
    probe = await layoutProbe(hooked, dictionary, prompt, steps);
  } catch (error) {
    if (error instanceof EditRequestError) return undefined;
    throw error;
  }
  let ready: string | undefined;
  return {
    sampling: {
      captureWith: hooked,
      captures: (step) => (step === probe.step ? [probe.capture] : undefined),
      onCaptures: async (_step, captures) => {
        const delta = captures[probe.capture];
        if (!delta) return;
        let picture;
        try {
          picture = layoutPicture(probe.read(delta), 1);
        } catch {
          return; // a dictionary built at another picture size: no layout, the drawing goes on
        }
        ready = await layoutThumbnail(picture.rgb, picture.width, picture.height);
      },
    },
    take() {
      const url = ready;
      ready = undefined;
      return url;
    },
  };
}
