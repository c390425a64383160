import { guidanceScale } from './sampling-options.ts';
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import sharp, { type Metadata } from 'sharp';
import { resolveModelPath } from '../models/shipped.ts';
import { openStableDiffusion } from '../models/stable-diffusion.ts';
import { rgbToTensor, tensorToImage } from '../models/vae/index.ts';
import { Diffusion } from '../pipeline/diffusion.ts';
import { INVERSION_DEFAULTS, INVERSION_METHODS, invert, reconstruct, type InversionMethod } from '../pipeline/inversion/index.ts';
import { toModelSize } from '../pipeline/model-size.ts';
import { fromImageFile, psnr, toPng, type RgbImage } from '../support/image.ts';
import { EXIT_USAGE, printError, printResult, UsageError } from './output.ts';

interface InvertCliOptions {
  image: string;
  method: InversionMethod;
  prompt: string;
  steps: number;
  guidance: number;
  seed: number;
  model?: string;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

const integer = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer of at least ${min}, got '${value}'`);
  return n;
};

/** Checks that `file` exists and sharp can read its header; its size. */
export async function probeImage(file: string): Promise<{ width: number; height: number }> {
  if (!existsSync(file)) throw new UsageError(`--image ${file}: no such file`);
  if (!statSync(file).isFile()) throw new UsageError(`--image ${file}: not a file`);
  if (statSync(file).size === 0) throw new UsageError(`--image ${file}: the file is empty`);
  let metadata: Metadata;
  try {
    metadata = await sharp(file).metadata();
  } catch (error) {
    throw new UsageError(`--image ${file}: cannot read it as an image (${(error as Error).message})`);
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width < 1 || height < 1) throw new UsageError(`--image ${file}: the image has no size`);
  return { width, height };
}

/**
 * Reads an image for a model of `width`×`height`. Any format sharp decodes is accepted (alpha
 * dropped, grey expanded to RGB), then brought to the model's size as the studio does
 * (`toModelSize`: aspect kept, centre-cropped, with a note). Missing, empty or undecodable files
 * are refused with the reason.
 */
export async function loadImageForModel(file: string, width: number, height: number): Promise<{ image: RgbImage; note?: string }> {
  await probeImage(file);
  let decoded: RgbImage;
  try {
    decoded = await fromImageFile(file);
  } catch (error) {
    throw new UsageError(`--image ${file}: cannot decode it (${(error as Error).message}); the file may be truncated or corrupt`);
  }
  return toModelSize(decoded, width, height);
}

/** `retouch invert --image FILE --method invert.X`: invert, regenerate, and say how faithful and how fast. */
export function registerInvert(program: Command): void {
  program
    .command('invert')
    .description('invert an image with one invert.* method, regenerate it, and report reconstruction PSNR and time')
    .requiredOption('--image <file>', 'the image to invert (resized to the model\'s size, centre-cropped, if it differs)')
    .addOption(new Option('--method <id>', 'inversion method').choices(INVERSION_METHODS).default('invert.ddim'))
    .option('--prompt <caption>', 'the caption to invert under (the source prompt of an edit)', '')
    .option('--steps <n>', 'DDIM steps', integer('--steps', 1), INVERSION_DEFAULTS.steps)
    .option('--guidance <w>', 'guidance of the regeneration (null-text and ddpm invert for it)', guidanceScale, INVERSION_DEFAULTS.guidance)
    .option('--seed <n>', 'invert.ddpm: seed of the forward noises', integer('--seed', 0), 0)
    .option('--model <path>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
    .option('--out <file>', 'also write the regenerated image as PNG')
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress on stderr')
    .action(async (options: InvertCliOptions) => {
      const json = options.json === true;
      try {
        if (options.steps > 1000) throw new UsageError(`--steps must be at most 1000, got ${options.steps}`);
        const started = performance.now();
        await probeImage(options.image);
        const model = openStableDiffusion(resolveModelPath(options.model));
        const diffusion = new Diffusion(model);
        try {
          const { image, note } = await loadImageForModel(options.image, diffusion.width, diffusion.height);
          const latent = await diffusion.encode(rgbToTensor(image.rgb, image.width, image.height));
          const vaePsnr = psnr(image, tensorToImage(await diffusion.decode(latent)));
          await diffusion.unet(1);
          if (options.guidance !== 1) await diffusion.unet(2);
          const loaded = performance.now();
          const progress = options.quiet || json ? undefined : (phase: string, step: number, total: number) => {
            process.stderr.write(`\r${phase} ${step}/${total}   `);
            if (step === total) process.stderr.write('\n');
          };
          const inversion = await invert(diffusion, options.method, {
            latent,
            prompt: options.prompt,
            steps: options.steps,
            guidance: options.guidance,
            seed: options.seed,
            onStep: progress,
          });
          const inverted = performance.now();
          const regenerated = await reconstruct(diffusion, inversion, { guidance: options.guidance });
          const output = tensorToImage(await diffusion.decode(regenerated.latent));
          const finished = performance.now();
          const reconstructionPsnr = psnr(image, output);
          if (options.out) await writeFile(options.out, await toPng(output));
          const seconds = (ms: number) => Number((ms / 1000).toFixed(3));
          const summary = {
            method: options.method,
            image: options.image,
            prompt: options.prompt,
            steps: options.steps,
            guidance: options.guidance,
            model: model.hash,
            psnr: Number(reconstructionPsnr.toFixed(3)),
            vaePsnr: Number(vaePsnr.toFixed(3)),
            seconds: { load: seconds(loaded - started), invert: seconds(inverted - loaded), reconstruct: seconds(finished - inverted), total: seconds(finished - started) },
            timings: Object.fromEntries(Object.entries(inversion.timings).map(([k, v]) => [k, Math.round(v)])),
            ...(options.out ? { out: options.out } : {}),
            ...(note ? { note } : {}),
          };
          printResult(json, summary, [
            `${options.method}: ${options.steps} steps, regenerated at guidance ${options.guidance}${options.prompt ? ` under "${options.prompt}"` : ' (empty prompt)'}`,
            `  reconstruction PSNR: ${reconstructionPsnr.toFixed(2)} dB`,
            `  VAE round trip PSNR: ${vaePsnr.toFixed(2)} dB (the ceiling)`,
            `  time: invert ${summary.seconds.invert.toFixed(2)} s, regenerate ${summary.seconds.reconstruct.toFixed(2)} s (loading ${summary.seconds.load.toFixed(2)} s)`,
            ...(options.out ? [`  wrote ${options.out}`] : []),
            ...(note ? [`note: ${note}`] : []),
          ].join('\n'));
        } finally {
          await diffusion.release();
        }
      } catch (error) {
        process.exitCode = printError(json, error, error instanceof RangeError || error instanceof UsageError ? EXIT_USAGE : undefined);
      }
    });
}
