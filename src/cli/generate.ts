import { guidanceScale } from './sampling-options.ts';
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import sharp from 'sharp';
import { resolveModelPath } from '../models/shipped.ts';
import { openStableDiffusion } from '../models/stable-diffusion.ts';
import { Diffusion } from '../pipeline/diffusion.ts';
import { SCHEDULER_KINDS, type SchedulerKind } from '../pipeline/schedulers/index.ts';
import { TEXT_TO_IMAGE_DEFAULTS, textToImage } from '../pipeline/text-to-image.ts';
import { EXIT_USAGE, printError, printResult } from './output.ts';

interface GenerateOptions {
  prompt: string;
  negative?: string;
  seed: number;
  steps: number;
  guidance: number;
  scheduler: SchedulerKind;
  model?: string;
  out: string;
  json?: boolean;
  quiet?: boolean;
}

const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got '${value}'`);
  return n;
};

/** `retouch generate --prompt … --seed …`: one image from text, written as PNG. */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('generate an image from a prompt (text-to-image with classifier-free guidance)')
    .requiredOption('--prompt <text>', 'what to draw')
    .option('--negative <text>', 'what to steer away from')
    .option('--seed <n>', 'random seed (same seed, prompt and model: same image)', integer('--seed'), 0)
    .option('--steps <n>', 'sampling steps', integer('--steps'), TEXT_TO_IMAGE_DEFAULTS.steps)
    .option('--guidance <w>', 'classifier-free guidance scale (1: none)', guidanceScale, TEXT_TO_IMAGE_DEFAULTS.guidance)
    .addOption(new Option('--scheduler <kind>', 'sampler').choices(SCHEDULER_KINDS).default(TEXT_TO_IMAGE_DEFAULTS.scheduler))
    .option('--model <path>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
    .option('--out <file>', 'where to write the PNG', 'generated.png')
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress on stderr')
    .action(async (options: GenerateOptions) => {
      const json = options.json === true;
      try {
        const started = performance.now();
        const model = openStableDiffusion(resolveModelPath(options.model));
        const diffusion = new Diffusion(model);
        try {
          const result = await textToImage(diffusion, {
            prompt: options.prompt,
            negativePrompt: options.negative,
            seed: options.seed,
            steps: options.steps,
            guidance: options.guidance,
            scheduler: options.scheduler,
            onStep: options.quiet || json ? undefined : ({ step, total }) => {
              process.stderr.write(`\rstep ${step}/${total}`);
              if (step === total) process.stderr.write('\n');
            },
          });
          const png = await sharp(result.pixels, { raw: { width: result.width, height: result.height, channels: 3 } }).png().toBuffer();
          await writeFile(options.out, png);
          const seconds = (performance.now() - started) / 1000;
          const summary = {
            out: options.out,
            width: result.width,
            height: result.height,
            seed: options.seed,
            steps: options.steps,
            guidance: options.guidance,
            scheduler: options.scheduler,
            model: model.hash,
            truncated: result.truncated,
            seconds: Number(seconds.toFixed(3)),
            timings: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, Math.round(v)])),
          };
          const note = result.truncated ? `\nnote: the prompt was longer than the text encoder reads (${diffusion.textLength} tokens) and was cut` : '';
          printResult(json, summary, `wrote ${options.out} (${result.width}×${result.height}, seed ${options.seed}, ${seconds.toFixed(2)} s)${note}`);
        } finally {
          await diffusion.release();
        }
      } catch (error) {
        process.exitCode = printError(json, error, error instanceof RangeError ? EXIT_USAGE : undefined);
      }
    });
}
