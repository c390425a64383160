import { GUIDANCE } from '../config/limits.ts';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { evaluateInversions } from '../eval/inversion.ts';
import { evaluateReconstruction } from '../eval/recon.ts';
import { evaluateTextToImage, type AttributeAccuracy, type ShortPromptAccuracy } from '../eval/t2i.ts';
import { evaluatePrompts, PROMPT_EVAL_SEED, type PromptFormRow, type PromptRates } from '../eval/prompts.ts';
import { resolveModelPath, SHIPPED_CLIP_DIR, SHIPPED_MODEL_DIR } from '../models/shipped.ts';
import { conversationTable, evaluateConversations } from '../eval/conversation.ts';
import { diffusionsOf } from './instruction.ts';
import { ClipScorer } from '../models/clip/index.ts';
import { evaluateClip } from '../eval/clip.ts';
import { evaluateAttention } from '../eval/attention.ts';
import { openStableDiffusion } from '../models/stable-diffusion.ts';
import { Diffusion } from '../pipeline/diffusion.ts';
import { INVERSION_METHODS, isInversionMethod, type InversionMethod } from '../pipeline/inversion/index.ts';
import { editTable, evaluateEdits, METHOD_EDIT_TYPES } from '../eval/edits.ts';
import { chatTable, evaluateChatEdits } from '../eval/chat.ts';
import { EDIT_METHODS, EditRequestError, getMethod, type EditMethod } from '../methods/index.ts';
import { EXIT_USAGE, printError, printResult, UsageError } from './output.ts';
import { buildUnstored, conceptWorkFolder, DEFAULT_BUILD_SETTINGS } from '../studio/concepts.ts';
import { SHIPPED_MODEL_NAME } from '../models/catalog.ts';
import { conceptsTable, CONCEPTS_EVAL_SEED, evaluateConcepts } from '../eval/concepts.ts';
import { loadConfig } from '../config/env.ts';
import { BACKGROUNDS, OBJECT_ATTRIBUTES, POSITIONS } from '../world/index.ts';

const SUITES = {
  t2i: 'text-to-image: generate from world captions and read shape, colour, position, size, style back (default n 100)',
  recon: 'reconstruction: VAE PSNR, the attributes read back from its output, and 50-step DDIM inversion + regeneration PSNR on held-out scenes (default n 20)',
  inversion: 'inversions: invert.ddim / null_text / negative_prompt / direct / ddpm regenerated at --guidance, PSNR and seconds per image (default n 20)',
  clip: 'the image–text model (models/world-clip, or --model): does the true caption of a held-out scene score above it with one word changed, per kind; caption retrieval (default n 100)',
  edits: 'editing methods on the edit benchmark: success, kept, PSNR outside the edit and to the true edit, seconds (default n 5 cases per edit type)',
  chat: 'the edit benchmark as a user meets it: each case\'s plain-English instruction planned from the source caption and the plan run as the bot runs it; per edit type the methods planned, questions asked, success, kept, PSNR, seconds (default n 5 cases per edit type)',
  conversation: 'conversations as people have them: /imagine with short prompts or a picture sent without a caption, then plain-English instructions from a phrase bank, run as the chat runs them (read back, checked, retried) and read back against what was meant; per kind success, kept, questions, truthfulness, seconds (default n 10 conversations of --turns 3; --seed, --phrases held|tune|all)',
  attention: "self-attention per layer on noised held-out scenes: entropy, locality and object routing of its maps (what FPE and MasaCtrl rely on; default n 20)",
  concepts: 'concept dictionaries (the model\'s, built in --work or resumed there): per SAE site explained variance, scaled MSE, dead features and composition IoU on fresh scenes of --seed; sae.move hit rate early / middle / late and sae.style success, with what they kept (default n 40 images, --trials 20)',
  prompts: `the prompts people write: world scenes captioned with words left out ("a star", "a red star on sand", "a red star and a blue heart"), every subset of place, size, style, colour and background, short ones likelier; exact, shape present, colour, background, count, empty, colours bound per form (default n 100 one-object + 50 two-object prompts, --seed ${PROMPT_EVAL_SEED})`,
} as const;

interface EvalOptions {
  n?: number;
  seed?: number;
  turns: number;
  phrases: 'held' | 'tune' | 'all';
  save?: string;
  readBack: boolean;
  steps: number;
  guidance: number;
  width: number;
  model?: string;
  methods?: string[];
  work?: string;
  trials?: number;
  json?: boolean;
}

const methodList = (value: string): string[] => {
  const ids = value.split(',').map((id) => id.trim()).filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError(`--methods takes a comma-separated list of method ids; got '${value}'`);
  return ids;
};

function inversionMethods(ids: string[] | undefined): InversionMethod[] | undefined {
  const unknown = ids?.find((id) => !isInversionMethod(id));
  if (unknown !== undefined) throw new UsageError(`--methods: '${unknown}' is not an inversion; the inversion suite takes ${INVERSION_METHODS.join(', ')}`);
  return ids as InversionMethod[] | undefined;
}

function editMethods(ids: string[] | undefined): EditMethod[] {
  const chosen = ids ? ids.map((id) => getMethod(id)) : EDIT_METHODS.filter((m) => METHOD_EDIT_TYPES[m.id]);
  const idle = chosen.find((m) => !METHOD_EDIT_TYPES[m.id]);
  if (idle) throw new UsageError(`--methods: ${idle.id} makes new images and has no edit-benchmark cases (the benchmarked methods are ${Object.keys(METHOD_EDIT_TYPES).join(', ')})`);
  return chosen;
}

const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
  return n;
};

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

const nonNegative = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`--seed must be a non-negative integer, got '${value}'`);
  return n;
};

const PROMPT_COLUMNS = ['n', 'exact', 'no style', 'shape', 'colour', 'bg', 'count', 'empty', 'bound'];

function promptRow(label: string, r: PromptRates | PromptFormRow, width: number): string {
  const cell = (x: number | null) => (x === null ? '–' : percent(x)).padStart(9);
  return `  ${label.padEnd(width)} ${String(r.prompts).padStart(4)}${[r.exact, r.exactStyleAside, r.shapesPresent, r.colourRight, r.backgroundRight, r.rightCount, r.empty, r.coloursBound].map(cell).join('')}`;
}

function accuracyLine(label: string, a: AttributeAccuracy): string {
  const parts = Object.entries(a.accuracy).map(([k, v]) => `${k} ${percent(v)}`);
  return `  ${label} (${a.scenes} scenes): ${parts.join(', ')}, background ${percent(a.background)}, all correct ${percent(a.allCorrect)}`;
}

function shortPromptLine(a: ShortPromptAccuracy): string {
  const parts = Object.entries(a.accuracy).map(([k, v]) => `${k} ${percent(v)}`);
  return `  the object alone, no place or background (${a.scenes} scenes): ${parts.join(', ')}, one object found ${percent(a.oneObjectFound)}; drawn in ${a.placesUsed} of ${POSITIONS.length} places, on ${a.backgroundsUsed} of ${BACKGROUNDS.length} backgrounds`;
}

/** `retouch eval <suite>`: the measurements that say whether the model and methods do their job. */
export function registerEval(program: Command): void {
  program
    .command('eval <suite>')
    .description(`run an evaluation suite and print its table: ${Object.keys(SUITES).join(', ')}`)
    .option('--n <count>', 'how many scenes', positive('--n'))
    .option('--steps <n>', 'DDIM steps', positive('--steps'), 50)
    .option('--guidance <w>', 'classifier-free guidance for t2i and inversion', Number, GUIDANCE.default)
    .option('--seed <n>', 'prompts and conversation suites: the seed their scenes, prompts (phrasings) and image seeds derive from', nonNegative)
    .option('--width <k>', 'prompts suite: draw each prompt k model widths wide (2 = /imagine size:2:1) with MultiDiffusion and read every model-sized window back', positive('--width'), 1)
    .option('--methods <ids>', 'inversion / edits suites: which methods (comma-separated; default all)', methodList)
    .option('--model <path>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
    .option('--no-read-back', 'conversation suite: the bot as it was before it read its pictures back (no completion, checks or retries), for the before/after table')
    .option('--save <folder>', 'conversation suite: write every turn\'s pictures there, to look at')
    .option('--turns <n>', 'conversation suite: instructions per conversation', positive('--turns'), 3)
    .addOption(new Option('--phrases <split>', 'conversation suite: the phrasings held out of tuning, those used in tuning, or all').choices(['held', 'tune', 'all']).default('held'))
    .option('--work <folder>', 'concepts suite: the dictionary\'s build folder (default: the one `retouch concepts build` uses)')
    .option('--trials <n>', 'concepts suite: steering trials per stage, and style trials', positive('--trials'), 20)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `\nSuites:\n${Object.entries(SUITES).map(([k, v]) => `  ${k.padEnd(8)} ${v}`).join('\n')}`)
    .action(async (suite: string, options: EvalOptions) => {
      const json = options.json === true;
      if (!(suite in SUITES)) {
        process.exitCode = printError(json, new Error(`unknown suite '${suite}'; choose one of ${Object.keys(SUITES).join(', ')}`), EXIT_USAGE);
        return;
      }
      if (options.width !== 1 && suite !== 'prompts') {
        process.exitCode = printError(json, new Error(`--width is for the prompts suite; '${suite}' draws at the model's size`), EXIT_USAGE);
        return;
      }
      const progress = json ? undefined : (done: number, total: number) => process.stderr.write(`\r${suite}: ${done}/${total}${done === total ? '\n' : ''}`);
      try {
        if (suite === 'clip') {
          const scorer = ClipScorer.open(options.model ?? SHIPPED_CLIP_DIR);
          try {
            const result = await evaluateClip(scorer, { n: options.n ?? 100, onImage: progress });
            printResult(json, { suite, ...result }, [
              `image–text model on ${result.scenes} held-out one-object scenes, ${result.secondsPerImage.toFixed(2)} s per image`,
              `  true caption above one word changed: ${Object.entries(result.oneWordChanged).map(([k, v]) => `${k} ${percent(v.accuracy)} (${v.cases})`).join(', ')}`,
              `  caption retrieval among the ${result.scenes}: top-1 ${percent(result.retrieval)}`,
            ].join('\n'));
          } finally {
            await scorer.release();
          }
          return;
        }
        if (suite === 'conversation') {
          const path = resolveModelPath(options.model);
          if (path !== SHIPPED_MODEL_DIR) throw new UsageError('the conversation suite reads pictures back with the world\'s analysis, so it runs on the shipped model only');
          const models = diffusionsOf(path);
          try {
            const seed = options.seed ?? 1000;
            const result = await evaluateConversations(models.diffusion, { n: options.n ?? 10, turns: options.turns, seed, phrases: options.phrases, steps: options.steps, guidance: options.guidance, ...(options.save ? { saveTo: options.save } : {}), readBack: options.readBack, onTurn: progress });
            printResult(json, { suite, ...result }, [
              `${result.conversations} conversations (seed ${seed}, ${options.phrases} phrasings, ${options.turns} instructions each), ${options.steps} steps, guidance ${options.guidance}; success = what was meant reads back, kept = nothing else changed, truthful = the reply claims no more than the read-back found`,
              conversationTable(result),
            ].join('\n'));
          } finally {
            await models.release();
          }
          return;
        }
        const diffusion = new Diffusion(openStableDiffusion(resolveModelPath(options.model)), { hooks: suite === 'edits' || suite === 'chat' || suite === 'attention' || suite === 'concepts' });
        try {
          if (suite === 't2i') {
            const result = await evaluateTextToImage(diffusion, { n: options.n ?? 100, steps: options.steps, guidance: options.guidance, onImage: progress });
            printResult(json, { suite, model: diffusion.model.hash, ...result }, [
              `text-to-image, ${result.steps} DDIM steps, guidance ${result.guidance}, ${result.secondsPerImage.toFixed(2)} s per image`,
              accuracyLine('one object', result.oneObject),
              accuracyLine('two objects', result.twoObjects),
              shortPromptLine(result.shortPrompts),
            ].join('\n'));
          } else if (suite === 'prompts') {
            const result = await evaluatePrompts(diffusion, { n: options.n ?? 100, seed: options.seed, steps: options.steps, guidance: options.guidance, widthFactor: options.width, onImage: progress });
            const shortLabel = 'one object, short (≤ 2 words besides the shape, no style)';
            const width = Math.max(shortLabel.length, ...result.forms.map((f) => f.form.length));
            printResult(json, { suite, model: diffusion.model.hash, ...result }, [
              `prompts people write, seed ${result.seed}, ${result.steps} DDIM steps, guidance ${result.guidance}, ${result.secondsPerImage.toFixed(2)} s per image${result.windows ? `, drawn ${String(options.width)}:1 with MultiDiffusion (the rows below the windows' are the first window's)` : ''}`,
              `  exact: exactly the named objects, each named word and background right (no style: style not counted); colour, bg: over prompts naming one; bound: two objects, every named colour on its shape`,
              `  ${''.padEnd(width)} ${PROMPT_COLUMNS.map((c, i) => (i === 0 ? c.padStart(4) : c.padStart(9))).join('')}`,
              ...(result.windows ?? []).map((row) => promptRow(`all prompts, ${row.form}`, row, width)),
              promptRow(shortLabel, result.oneObjectShort, width),
              promptRow('one object, all', result.oneObject, width),
              promptRow('two objects', result.twoObjects, width),
              ...result.oneObjectByLength.map((row) => promptRow(`one object, ${row.form}`, row, width)),
              '  by form:',
              ...result.forms.map((row) => promptRow(row.form, row, width)),
            ].join('\n'));
          } else if (suite === 'inversion') {
            const result = await evaluateInversions(diffusion, { n: options.n ?? 20, steps: options.steps, guidance: options.guidance, methods: inversionMethods(options.methods), onImage: progress });
            printResult(json, { suite, model: diffusion.model.hash, ...result }, [
              `inversion of ${result.scenes} held-out scenes, ${result.steps} steps, regenerated at guidance ${result.guidance}`,
              `  ${'method'.padEnd(24)} ${'PSNR (dB)'.padStart(9)} ${'s/image'.padStart(8)} ${'invert'.padStart(8)} ${'regen'.padStart(8)}`,
              ...result.methods.map((m) => `  ${m.method.padEnd(24)} ${m.psnr.toFixed(2).padStart(9)} ${m.secondsPerImage.toFixed(2).padStart(8)} ${m.invertSeconds.toFixed(2).padStart(8)} ${m.reconstructSeconds.toFixed(2).padStart(8)}`),
              `  ${'VAE encode → decode'.padEnd(24)} ${result.vaePsnr.toFixed(2).padStart(9)}`,
              `  (compiling the UNets and the null-text gradient graph: ${result.compileSeconds.toFixed(1)} s, once)`,
            ].join('\n'));
          } else if (suite === 'edits') {
            const methods = editMethods(options.methods);
            const result = await evaluateEdits(diffusion, { methods, n: options.n ?? 5, steps: options.steps, guidance: options.guidance, onEdit: progress });
            printResult(json, { suite, model: diffusion.model.hash, ...result }, [
              `edit benchmark: ${options.n ?? 5} cases per edit type, ${result.steps} steps, guidance ${result.guidance}; success = the asked-for change reads back, kept = nothing else changed`,
              editTable(result),
            ].join('\n'));
          } else if (suite === 'chat') {
            const result = await evaluateChatEdits(diffusion, { n: options.n ?? 5, steps: options.steps, guidance: options.guidance, onEdit: progress });
            printResult(json, { suite, model: diffusion.model.hash, ...result }, [
              `edit benchmark through the planner: ${options.n ?? 5} instructions per edit type, ${result.steps} steps, guidance ${result.guidance}; asked = the bot asked a question instead (a failure)`,
              chatTable(result),
              ...Object.entries(result.questions).map(([type, q]) => `  ${type}: “${q.instruction}” → ${q.question}`),
            ].join('\n'));
          } else if (suite === 'concepts') {
            if (resolveModelPath(options.model) !== SHIPPED_MODEL_DIR) throw new UsageError('the concepts suite reads pictures back with the world\'s analysis, so it runs on the shipped model only');
            const work = options.work ?? conceptWorkFolder(loadConfig().dataDir, diffusion.model.hash, DEFAULT_BUILD_SETTINGS);
            const dictionary = await buildUnstored(diffusion, { ...DEFAULT_BUILD_SETTINGS, modelName: SHIPPED_MODEL_NAME, work, onProgress: json ? undefined : (stage, fraction) => void process.stderr.write(`\rbuild ${stage}: ${Math.round(fraction * 100)}%   `) });
            const seed = options.seed ?? CONCEPTS_EVAL_SEED;
            const result = await evaluateConcepts(diffusion, { dictionary, seed, n: options.n ?? 40, moves: options.trials, steps: options.steps, onProgress: json ? undefined : (what) => process.stderr.write(`\r${what}          `) });
            printResult(json, { suite, model: diffusion.model.hash, ...result }, [
              `concept dictionary of ${work}, measured on ${result.images} fresh scenes (seed ${seed}); best block ${result.summary.block}`,
              conceptsTable(result),
            ].join('\n'));
          } else if (suite === 'attention') {
            const result = await evaluateAttention(diffusion, { n: options.n ?? 20, onImage: progress });
            const ratio = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}×`).padStart(9);
            printResult(json, { suite, model: diffusion.model.hash, ...result }, [
              `self-attention on ${result.scenes} held-out one-object scenes noised to t = ${result.timesteps.join(', ')} (entropy: share of log(keys), 1 = uniform; locality and object routing: mass over chance, 1 = none)`,
              `  ${'layer'.padEnd(62)} ${'map'.padStart(7)} ${'entropy'.padStart(8)} ${'locality'.padStart(9)} ${'object'.padStart(9)}`,
              ...result.layers.map((l) => `  ${`${l.path} (${l.place})`.padEnd(62)} ${`${l.width}×${l.height}`.padStart(7)} ${l.entropy.toFixed(3).padStart(8)} ${ratio(l.locality)} ${ratio(l.objectRouting)}`),
            ].join('\n'));
          } else {
            const result = await evaluateReconstruction(diffusion, { n: options.n ?? 20, steps: options.steps, onImage: progress });
            printResult(json, { suite, model: diffusion.model.hash, ...result }, [
              `reconstruction of ${result.scenes} held-out scenes, ${result.secondsPerImage.toFixed(2)} s per image`,
              `  VAE encode → decode:                  ${result.vaePsnr.toFixed(2)} dB`,
              `    by background: ${Object.entries(result.vaePsnrByBackground).map(([b, v]) => `${b} ${v === null ? '–' : v.toFixed(2)}`).join(', ')}`,
              `    objects read back from it: ${OBJECT_ATTRIBUTES.map((a) => `${a} ${percent(result.vaeAttributes[a])}`).join(', ')}`,
              `    style read back, per drawn style: ${Object.entries(result.vaeStyles).map(([s, v]) => `${s} ${v.readBack === null ? '–' : percent(v.readBack)} (${v.objects})`).join(', ')}`,
              `  DDIM inversion → regeneration (${result.steps} steps, guidance 1): ${result.ddimPsnr.toFixed(2)} dB`,
            ].join('\n'));
          }
        } finally {
          await diffusion.release();
        }
      } catch (error) {
        process.exitCode = printError(json, error, error instanceof UsageError || error instanceof EditRequestError ? EXIT_USAGE : undefined);
      }
    });
}
