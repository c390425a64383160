// /invert's work: invert a stored image with one `invert.*` method into the user's inversion store
// (keyed by the image's blob hash, exactly as an edit of that image looks it up, so the next edit
// starts from it, and deleting the image deletes it), then regenerate the image from the inversion
// to measure how faithful it is.
import { EditRequestError } from '../methods/index.ts';
import { rgbToTensor, tensorToImage } from '../models/vae/index.ts';
import { reconstruct, type InversionMethod } from '../pipeline/inversion/index.ts';
import { invertWithStore } from '../store/stored-inversions.ts';
import { toModelSize } from '../pipeline/model-size.ts';
import type { Logger } from '../log.ts';
import type { PrismaClient } from '../store/database.ts';
import type { InversionStore } from '../store/inversions.ts';
import { psnr } from '../support/image.ts';
import { loadRgb, type Owner } from './results.ts';
import type { Studio } from './studio.ts';

export interface InvertWork {
  imageId: string;
  method: InversionMethod;
  /** What the image shows: the prompt an edit of it inverts under. */
  caption: string;
  steps: number;
  guidance: number;
  /** The model by its catalog name; absent: the default. */
  model?: string | undefined;
  owner: Owner;
  inversions: InversionStore;
  /** Overall progress in [0, 1]: the inversion is the first half, the regeneration the second. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface InvertOutcome {
  /** Reconstruction PSNR (dB) of the image regenerated from the inversion, against the image at model size. */
  psnr: number;
  /** PSNR of the VAE's round trip alone: the ceiling of any inversion. */
  vaePsnr: number;
  /** The inversion was already stored (nothing was inverted). */
  reused: boolean;
  /** Stored (compressed) bytes, when it is stored. */
  bytes: number | undefined;
  /** Why it was not stored, when it was not. */
  notStored: string | undefined;
  seconds: number;
  notes: string[];
}

export async function invertImage(studio: Studio, prisma: PrismaClient, work: InvertWork): Promise<InvertOutcome> {
  const loaded = await loadRgb(prisma, work.imageId);
  if (!loaded) throw new EditRequestError('the image to invert no longer exists (it may have been deleted)');
  const started = performance.now();
  let done = 0;
  const report = (fraction: number) => {
    // Phases of an inversion restart their step count: never let the bar go back.
    done = Math.max(done, Math.min(1, fraction));
    work.onProgress?.(done);
  };
  return studio.exclusive(async ({ diffusion: compiled }) => {
    const diffusion = compiled({ hooks: false });
    const notes: string[] = [];
    const sized = await toModelSize(loaded.image, diffusion.width, diffusion.height);
    if (sized.note) notes.push(sized.note);
    const image = sized.image;
    const latent = await diffusion.encode(rgbToTensor(image.rgb, image.width, image.height));
    const vaePsnr = psnr(image, tensorToImage(await diffusion.decode(latent)));
    const outcome = await invertWithStore(work.inversions, diffusion, work.method, {
      latent,
      prompt: work.caption,
      steps: work.steps,
      guidance: work.guidance,
      userId: work.owner.userId,
      imageHash: loaded.blobHash,
      onStep: (_phase, step, total) => report((0.5 * step) / total),
      signal: work.signal,
      logger: work.logger,
    });
    report(0.5);
    const regenerated = await reconstruct(diffusion, outcome.inversion, {
      guidance: work.guidance,
      onStep: ({ step, total }) => report(0.5 + (0.5 * step) / total),
      signal: work.signal,
    });
    const output = tensorToImage(await diffusion.decode(regenerated.latent));
    const put = outcome.put;
    const notStored =
      outcome.source === 'stored' || put?.stored
        ? undefined
        : put?.reason === 'over-quota'
          ? 'it is larger than your whole inversion quota'
          : put?.reason === 'not-representable'
            ? 'it has values too large to store at half precision'
            : 'the store refused it (logged)';
    return {
      psnr: psnr(image, output),
      vaePsnr,
      reused: outcome.source === 'stored',
      bytes: outcome.bytes,
      notStored,
      seconds: (performance.now() - started) / 1000,
      notes,
    };
  }, work.model);
}
