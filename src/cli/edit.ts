import { guidanceScale } from './sampling-options.ts';
import { SEED, STEPS } from '../config/limits.ts';
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import sharp from 'sharp';
import { modelFolderDictionary } from '../concepts/seed-files.ts';
import { EDIT_DEFAULTS, EDIT_METHODS, EditRequestError, getMethod, parameterNames, parseParamPairs, runEdit, SCHEDULER_KINDS, type SchedulerKind } from '../methods/index.ts';
import type { MaskImage } from '../methods/shared/mask.ts';
import { resolveModelPath } from '../models/shipped.ts';
import { openStableDiffusion } from '../models/stable-diffusion.ts';
import { Diffusion } from '../pipeline/diffusion.ts';
import { INVERSION_METHODS, type InversionMethod } from '../pipeline/inversion/index.ts';
import { toPng } from '../support/image.ts';
import { loadImageForModel, probeImage } from './invert.ts';
import { instructionCommand } from './instruction.ts';
import { EXIT_USAGE, printError, printResult, UsageError } from './output.ts';

interface EditCliOptions {
  image?: string;
  method?: string;
  instruction?: string;
  caption?: string;
  param: string[];
  prompt: string;
  target?: string;
  negative?: string;
  mask?: string;
  inversion?: InversionMethod | 'none';
  scheduler?: SchedulerKind;
  steps: number;
  guidance: number;
  seed: number;
  model?: string;
  out: string;
  json?: boolean;
  quiet?: boolean;
  paste: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
};

/**
 * Reads a mask the way the image was read (same file size required; resized and cropped alike):
 * grey values, white = edit.
 */
async function loadMask(file: string, image: { width: number; height: number } | undefined, width: number, height: number): Promise<MaskImage> {
  const mask = await probeImage(file).catch((error: Error) => {
    throw new UsageError(error.message.replace('--image', '--mask'));
  });
  if (image && (image.width !== mask.width || image.height !== mask.height)) {
    throw new UsageError(`--mask ${file} is ${mask.width}×${mask.height} and the image ${image.width}×${image.height}; they must be the same size`);
  }
  const { data, info } = await sharp(file).removeAlpha().greyscale().resize(width, height, { fit: 'cover', position: 'centre', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new UsageError(`--mask ${file}: decoded to ${info.channels} channels, expected one`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

function methodList(): string {
  return EDIT_METHODS.map((m) => `  ${m.id.padEnd(18)} ${m.summary}${parameterNames(m).length ? ` [${parameterNames(m).join(', ')}]` : ''}`).join('\n');
}

/** `retouch edit --method ID --image FILE …`: one editing method on one image. */
export function registerEdit(program: Command): void {
  program
    .command('edit')
    .description('edit an image with a plain-English instruction as a chat reply does (--instruction), or with one method from METHODS.md (--method)')
    .option('--instruction <text>', 'what to change, planned and run exactly as a chat reply: read back, checked and retried on the shipped model')
    .option('--caption <text>', 'with --instruction: what the image shows (on the shipped model the picture is read instead)')
    .option('--method <id>', 'method id, e.g. p2p.replace (see --help for the list); with --instruction, the method to use for its first step')
    .option('--image <file>', 'the image to edit (resized to the model\'s size, centre-cropped, if it differs)')
    .option('--param <key=value>', 'a method parameter (repeatable); values: numbers, true/false, JSON lists, text', collect, [])
    .option('--prompt <caption>', 'what the image shows (the source prompt)', '')
    .option('--target <prompt>', 'what the result should show (default: the source prompt)')
    .option('--negative <text>', 'what to steer away from')
    .option('--mask <file>', 'white where to edit, black where to keep (same size as the image)')
    .addOption(new Option('--inversion <id>', "inversion for methods that edit through one ('none': draw without one, where the method can)").choices([...INVERSION_METHODS, 'none']))
    .addOption(new Option('--scheduler <kind>', 'sampler, where the method allows another (default: its own, DDIM for most)').choices(SCHEDULER_KINDS))
    .option('--steps <n>', 'sampling steps', integer('--steps', STEPS.min, STEPS.max), EDIT_DEFAULTS.steps)
    .option('--guidance <w>', 'classifier-free guidance scale', guidanceScale, EDIT_DEFAULTS.guidance)
    .option('--seed <n>', 'random seed', integer('--seed', SEED.min, SEED.max), EDIT_DEFAULTS.seed)
    .option('--model <path>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
    .option('--out <file>', 'where to write the PNG', 'edited.png')
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress on stderr')
    .option('--no-paste', 'for a method that edits inside a mask: keep the decoder\'s pixels outside it instead of pasting the source back')
    .addHelpText('after', () => `\nMethods:\n${methodList()}`)
    .action(async (options: EditCliOptions) => {
      const json = options.json === true;
      try {
        if (options.instruction !== undefined) {
          if (!options.image) throw new UsageError('--instruction edits an image: give --image');
          await instructionCommand({ ...options, instruction: options.instruction, image: options.image, json });
          return;
        }
        if (!options.method) throw new UsageError('give --instruction "what to change", or --method ID (see --help for the methods)');
        const method = getMethod(options.method);
        const params = parseParamPairs(options.param);
        if (!options.image && !method.needs.generates) throw new UsageError(`${method.id} edits an image: give --image`);
        const imageSize = options.image ? await probeImage(options.image) : undefined;
        const started = performance.now();
        const modelDir = resolveModelPath(options.model);
        const model = openStableDiffusion(modelDir);
        const concepts = method.needs.concepts ? modelFolderDictionary(modelDir, model.hash ?? '') : undefined;
        if (method.needs.concepts && !concepts) throw new UsageError(`${method.id} steers with the model's concept dictionary, which the CLI reads from the model folder: ${modelDir}/concepts has none built for these weights; 'retouch concepts build --model ${modelDir} --export ${modelDir}/concepts' writes it`);
        const diffusion = new Diffusion(model, { hooks: method.needs.hooks === true });
        try {
          const loaded = options.image ? await loadImageForModel(options.image, diffusion.width, diffusion.height) : undefined;
          const mask = options.mask ? await loadMask(options.mask, imageSize, diffusion.width, diffusion.height) : undefined;
          const progress = options.quiet || json ? undefined : ({ step, total }: { step: number; total: number }) => {
            process.stderr.write(`\r${method.id} step ${step}/${total}   `);
            if (step === total) process.stderr.write('\n');
          };
          const run = await runEdit(diffusion, {
            method,
            params,
            source: loaded ? { image: loaded.image, prompt: options.prompt } : undefined,
            targetPrompt: options.target ?? options.prompt,
            negativePrompt: options.negative,
            mask,
            inversion: options.inversion,
            scheduler: options.scheduler,
            steps: options.steps,
            guidance: options.guidance,
            seed: options.seed,
            pasteOutside: options.paste,
            concepts,
            onPhase: options.quiet || json ? undefined : (phase) => void process.stderr.write(`${phase}…\n`),
            onStep: progress,
          });
          await writeFile(options.out, await toPng(run.image));
          const seconds = (performance.now() - started) / 1000;
          const notes = [...(loaded?.note ? [loaded.note] : []), ...(run.output.notes ?? [])];
          const summary = {
            method: method.id,
            params: run.params,
            inversion: run.inversion ?? null,
            out: options.out,
            width: run.image.width,
            height: run.image.height,
            steps: options.steps,
            guidance: options.guidance,
            seed: options.seed,
            model: model.hash,
            metrics: run.output.metrics ?? {},
            seconds: Number(seconds.toFixed(3)),
            timings: Object.fromEntries(Object.entries(run.timings).map(([k, v]) => [k, Math.round(v)])),
            notes,
          };
          printResult(json, summary, [
            `${method.id}: wrote ${options.out} (${run.image.width}×${run.image.height}, ${seconds.toFixed(2)} s${run.inversion ? `, through ${run.inversion}` : ''})`,
            ...Object.entries(run.output.metrics ?? {}).map(([k, v]) => `  ${k}: ${Number.isInteger(v) ? v : v.toFixed(4)}`),
            ...notes.map((n) => `note: ${n}`),
          ].join('\n'));
        } finally {
          await diffusion.release();
        }
      } catch (error) {
        const usage = error instanceof UsageError || error instanceof EditRequestError || error instanceof RangeError;
        process.exitCode = printError(json, error, usage ? EXIT_USAGE : undefined);
      }
    });
}
