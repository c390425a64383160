// `retouch concepts`: a model's concept dictionary (a TopK sparse autoencoder per UNet site and what
// its features mean), built into the database and shown or searched there. A build works in a folder
// under RETOUCH_DATA_DIR keyed by the model's hash and the settings, so the same command run again
// after it was killed resumes where it stopped; the stage commands stop after their stage. `search
// --out` draws the best features' top images; `heatmap` draws where a word's features fire on a picture.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/env.ts';
import sharp from 'sharp';
import { CONCEPT_BUILD, PROMPT_MAX_CHARS, SEED, STEPS } from '../config/limits.ts';
import { firstStepLayout, layoutPicture } from '../concepts/layout.ts';
import { completedPrompt } from '../plan/world.ts';
import { hasReader, readPrompt } from '../reading/index.ts';
import { SAE_DEFAULTS, type BuildStage } from '../concepts/build.ts';
import { createLogger } from '../log.ts';
import { siteName } from '../models/sae/dictionary.ts';
import { resolveModelPath, SEED_REBUILD_COMMAND } from '../models/shipped.ts';
import { writeSeed } from '../concepts/seed-files.ts';
import { modelContentId, openStableDiffusion } from '../models/stable-diffusion.ts';
import { Diffusion } from '../pipeline/diffusion.ts';
import { commonLabels, ConceptDictionaryStore, MAX_DICTIONARY_NAME, MAX_SEARCH_LIMIT, type DictionarySummary } from '../store/concept-dictionaries.ts';
import { openDatabase } from '../store/database.ts';
import { normaliseUpload } from '../chat/images.ts';
import { chooseHeatmapFeatures, drawHeatmap } from '../studio/concept-heatmap.ts';
import { searchPicture } from '../studio/concept-search-picture.ts';
import { buildAndStore, buildInWorkFolder, conceptWorkFolder, featureCounts } from '../studio/concepts.ts';
import { fromImageFile, type RgbImage } from '../support/image.ts';
import { modelNameFor } from './instruction.ts';
import { EXIT_FAILURE, EXIT_USAGE, printError, printResult, UsageError } from './output.ts';
import { integerIn } from './sampling-options.ts';

interface BuildCliOptions {
  model?: string;
  prompts: number;
  seed: number;
  steps: number;
  epochs: number;
  work?: string;
  name: string;
  export?: string;
  json?: boolean;
  quiet?: boolean;
}

const BUILD_COMMANDS: Record<'build' | BuildStage, string> = {
  build: "build a model's concept dictionary (collect, train, label) and store it as the model's shared dictionary",
  collect: 'only draw the images and collect their UNet vectors into the work folder',
  train: 'collect (or resume it), then train each site\'s SAE in the work folder',
  label: 'the rest of the build (collect and train resumed), labelled and stored: the same as build',
};

const SEARCH_DEFAULT_LIMIT = 20;
const TOP_LABELS = 5;
const LABELS_SUGGESTED = 12;

export function registerConcepts(program: Command): void {
  const concepts = program
    .command('concepts')
    .description('concept dictionaries (sparse autoencoders on the UNet): build one for a model, show them, search their features');

  for (const [stage, what] of Object.entries(BUILD_COMMANDS) as [keyof typeof BUILD_COMMANDS, string][]) {
    const command = concepts
      .command(stage)
      .description(what)
      .option('--model <dir>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
      .option('--prompts <n>', 'world captions drawn, one image each', integerIn('--prompts', CONCEPT_BUILD.prompts), CONCEPT_BUILD.prompts.default)
      .option('--seed <n>', 'seed of the captions and of the images (image i: seed + i)', integerIn('--seed', CONCEPT_BUILD.seed), CONCEPT_BUILD.seed.default)
      .option('--steps <n>', 'sampling steps of each image', integerIn('--steps', CONCEPT_BUILD.steps), CONCEPT_BUILD.steps.default)
      .option('--epochs <n>', "epochs each site's SAE trains", integerIn('--epochs', CONCEPT_BUILD.epochs), SAE_DEFAULTS.epochs)
      .option('--work <dir>', 'work folder (default: under RETOUCH_DATA_DIR, keyed by the model and these settings)')
      .option('--name <name>', 'the dictionary\'s name (a ready one of the same name is replaced)', dictionaryName, CONCEPT_BUILD.name)
      .option('--json', 'print the result as JSON')
      .option('--quiet', 'no progress on stderr');
    if (stage === 'build' || stage === 'label') command.option('--export <dir>', 'also write the stored dictionary to this folder as seed data (as models/world-sd/concepts ships), replacing what it held');
    command
      .addHelpText('after', `\nStores in the database DATABASE_URL names, else the embedded one under RETOUCH_DATA_DIR. Run again after an interruption to resume.\nThe shipped model's seed is rebuilt by: ${SEED_REBUILD_COMMAND}`)
      .action((options: BuildCliOptions) => runBuild(stage, options));
  }

  concepts
    .command('show')
    .description("a model's concept dictionaries (status, when, how built) and, for a ready one, each site's figures and labels")
    .option('--model <dir>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
    .option('--json', 'print them as JSON')
    .action((options: { model?: string; json?: boolean }) => runShow(options));

  concepts
    .command('compose')
    .description("sae.compose: where each thing a prompt asks for will go, from the shared dictionary and the first sampling step; prints each one's area and writes the layout as a PNG")
    .requiredOption('--prompt <text>', 'what to draw (on the shipped model, completed as /imagine completes it)')
    .option('--seed <n>', 'seed of the noise (and of the completion)', integerIn('--seed', SEED), SEED.default)
    .option('--steps <n>', 'sampling steps of the schedule (only the first runs)', integerIn('--steps', STEPS), STEPS.default)
    .option('--model <dir>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
    .option('--out <file>', 'where to write the layout PNG', 'layout.png')
    .option('--json', 'print the layout as JSON')
    .action((options: ComposeCliOptions) => runCompose(options));

  concepts
    .command('search <word>')
    .description("features of a model's shared dictionary whose words include WORD: site, words, intensity, top images")
    .option('--model <dir>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
    .option('--limit <n>', 'most matches shown', integerIn('--limit', { min: 1, max: MAX_SEARCH_LIMIT }), SEARCH_DEFAULT_LIMIT)
    .option('--out <file>', "write the best features' top images (a row each) to this PNG")
    .option('--json', 'print the matches as JSON')
    .action((word: string, options: SearchCliOptions) => runSearch(word, options));

  concepts
    .command('heatmap <word>')
    .description("where the features with WORD fire on a picture, drawn over it: the picture noised to their site's point of the schedule, one UNet pass, its vectors SAE-encoded")
    .requiredOption('--image <file>', "the picture (resized to the model's size, centre-cropped, as edits do)")
    .option('--out <file>', 'the PNG to write (default: heatmap-WORD.png)')
    .option('--caption <text>', "the conditional branch's prompt (default: the empty prompt)", '')
    .option('--model <dir>', 'diffusers model folder (default: RETOUCH_MODEL_DIR, else the shipped model)')
    .option('--json', 'print the site, features and peak cell as JSON')
    .action((word: string, options: HeatmapCliOptions) => runHeatmap(word, options));
}

interface SearchCliOptions {
  model?: string;
  limit: number;
  out?: string;
  json?: boolean;
}

interface HeatmapCliOptions {
  image: string;
  out?: string;
  caption: string;
  model?: string;
  json?: boolean;
}

function dictionaryName(value: string): string {
  const name = value.trim();
  if (name.length < 1 || name.length > MAX_DICTIONARY_NAME) throw new InvalidArgumentError(`--name must have 1 to ${MAX_DICTIONARY_NAME} characters, got ${name.length}`);
  return name;
}

async function runBuild(stage: keyof typeof BUILD_COMMANDS, options: BuildCliOptions): Promise<void> {
  const json = options.json === true;
  try {
    const config = loadConfig();
    const path = resolveModelPath(options.model);
    const modelName = modelNameFor(path);
    const diffusion = new Diffusion(openStableDiffusion(path), { hooks: true });
    try {
      const settings = { prompts: options.prompts, seed: options.seed, steps: options.steps, epochs: options.epochs };
      const work = options.work ? resolve(options.work) : conceptWorkFolder(config.dataDir, diffusion.model.hash, settings);
      const build = { ...settings, modelName, work, onProgress: options.quiet ? undefined : progressPrinter() };
      if (stage === 'collect' || stage === 'train') {
        const held = await buildInWorkFolder(diffusion, build, stage);
        const summary = { stage, model: modelName, modelHash: diffusion.model.hash, work, images: held.images, sites: held.sites };
        const next = stage === 'collect' ? 'train' : 'label';
        printResult(json, summary, `${stage}: done for ${modelName}: ${held.images} images, ${held.sites} sites, in ${work}\nnext: retouch concepts ${next} with the same options`);
        return;
      }
      const started = performance.now();
      const stored = await withStore(config, (store) => buildAndStore(diffusion, store, { ...build, owner: { scope: 'model' }, name: options.name }));
      const { features, labelled } = featureCounts(stored.dictionary);
      const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
      const exported = options.export ? { dir: resolve(options.export), ...writeSeed(options.export, stored.dictionary) } : undefined;
      const summary = {
        dictionaryId: stored.id, name: options.name, model: modelName, modelHash: stored.dictionary.modelHash, work,
        sites: stored.dictionary.sites.length, features, labelled, readBack: stored.readBack, seconds, ...(exported ? { exported } : {}),
      };
      printResult(json, summary, [
        `stored the concept dictionary "${options.name}" of ${modelName} (${stored.id}): ${summary.sites} sites, ${features} features, ${labelled} of them labelled, in ${seconds} s`,
        ...(exported ? [`wrote it as seed data to ${exported.dir}: ${exported.files} files, ${(exported.bytes / 1e6).toFixed(2)} MB`] : []),
        ...(stored.readBack ? [] : [NO_READ_BACK]),
        'see it with: retouch concepts show',
      ].join('\n'));
    } finally {
      await diffusion.release();
    }
  } catch (error) {
    process.exitCode = printError(json, error, exitCodeOf(error));
  }
}

interface ComposeCliOptions {
  prompt: string;
  seed: number;
  steps: number;
  model?: string;
  out: string;
  json?: boolean;
}

async function runCompose(options: ComposeCliOptions): Promise<void> {
  const json = options.json === true;
  try {
    if (!options.prompt.trim()) throw new UsageError('--prompt is empty');
    if (options.prompt.length > PROMPT_MAX_CHARS) throw new UsageError(`--prompt is ${options.prompt.length} characters; the limit is ${PROMPT_MAX_CHARS}`);
    const config = loadConfig();
    const model = modelOf(options.model);
    const dictionary = await withStore(config, (store) => store.loadDictionary({ modelHash: model.hash }));
    if (!dictionary) throw new Error(`${model.name} has no ready shared concept dictionary; build one with \`retouch concepts build\` (a quick one: \`retouch concepts build --prompts 16 --steps 8 --epochs 2\`)`);
    const named = hasReader(model.name) ? readPrompt(options.prompt) : undefined;
    const prompt = named ? completedPrompt(named, options.seed) : options.prompt;
    const diffusion = new Diffusion(openStableDiffusion(model.path), { hooks: true });
    try {
      const layout = await firstStepLayout(diffusion, dictionary, prompt, { seed: options.seed, steps: options.steps });
      const out = resolve(options.out);
      const picture = layoutPicture(layout, Math.max(1, Math.round(diffusion.width / layout.site.width)));
      await sharp(picture.rgb, { raw: { width: picture.width, height: picture.height, channels: 3 } }).png().toFile(out);
      const { site } = layout;
      const summary = {
        model: model.name, dictionary: dictionary.name, prompt: options.prompt, drawnFrom: prompt, seed: options.seed, steps: options.steps,
        site: siteName(site), map: { height: site.height, width: site.width }, out,
        entities: layout.areas.map((a) => ({ name: a.entity.name, words: a.entity.words, background: a.entity.background, rgb: a.entity.rgb, positions: a.positions, share: a.share, cells: a.cells })),
        empty: layout.empty,
      };
      printResult(json, summary, [
        `layout of "${prompt}" (seed ${options.seed}) from ${model.name}'s dictionary "${dictionary.name}", ${siteName(site)} (${site.height}×${site.width} positions):`,
        ...layout.areas.map((a) => `- ${a.entity.name}: ${a.positions} positions (${(100 * a.share).toFixed(1)}%), ${a.cells.length ? `most of ${a.cells.join(', ')}` : 'no grid cell'}; rgb(${a.entity.rgb.join(', ')})`),
        ...(layout.empty ? [`(${layout.empty} of the positions had no feature with a concept vector active and went to the background)`] : []),
        `wrote ${out}`,
      ].join('\n'));
    } finally {
      await diffusion.release();
    }
  } catch (error) {
    process.exitCode = printError(json, error, exitCodeOf(error));
  }
}

const NO_READ_BACK = "no labels: this model's pictures can't be read back, so its features have intensities and top images but no words";

async function runShow(options: { model?: string; json?: boolean }): Promise<void> {
  const json = options.json === true;
  try {
    const config = loadConfig();
    const model = modelOf(options.model);
    const dictionaries = await withStore(config, (store) => store.listDictionaries({ modelHash: model.hash }));
    printResult(json, { model, dictionaries: dictionaries.map(asJson) }, showText(model, dictionaries));
  } catch (error) {
    process.exitCode = printError(json, error, exitCodeOf(error));
  }
}

async function runSearch(word: string, options: SearchCliOptions): Promise<void> {
  const json = options.json === true;
  try {
    if (!word.trim()) throw new UsageError('the word to search for is empty');
    const config = loadConfig();
    const model = modelOf(options.model);
    const { matches, labels, picture } = await withStore(config, async (store) => {
      const ready = await store.listDictionaries({ modelHash: model.hash, scope: 'model', status: 'ready' });
      if (ready.length === 0) throw new Error(`${model.name} has no ready concept dictionary; build one with \`retouch concepts build\``);
      const found = await store.searchConcepts({ modelHash: model.hash, word, limit: options.limit });
      return { matches: found, labels: commonLabels(ready, LABELS_SUGGESTED), picture: options.out ? await searchPicture(store, found) : undefined };
    });
    let wrote: string | undefined;
    if (options.out && matches.length > 0) {
      if (!picture) throw new Error(`the features with "${word.trim()}" have no stored top images (the dictionary was built before they were kept); rebuild it with \`retouch concepts build\``);
      wrote = resolve(options.out);
      writeFileSync(wrote, picture.picture.png);
    }
    const human = matches.length === 0
      ? `no feature of ${model.name}'s dictionary has the word "${word.trim()}"; its labels are: ${labels.join(', ') || 'none'}`
      : [
          `${matches.length} feature${matches.length === 1 ? '' : 's'} of ${model.name} with "${word.trim()}":`,
          ...matches.flatMap((m) => [
            `- ${siteName(m.site)} feature ${m.feature}: ${m.words.map((w) => `${w.word} (${w.count})`).join(', ')}; intensity ${m.intensity.toFixed(3)}; dictionary "${m.dictionary.name}"`,
            `    top images: ${m.topImages.map((p) => `"${p}"`).join(', ')}`,
          ]),
          ...(wrote && picture ? [`wrote the top images of ${picture.shown.map((m) => `${siteName(m.site)} feature ${m.feature}`).join('; ')} (a row each) to ${wrote}`] : []),
        ].join('\n');
    printResult(json, { model, word: word.trim(), matches, ...(wrote ? { out: wrote } : {}) }, human);
  } catch (error) {
    process.exitCode = printError(json, error, exitCodeOf(error));
  }
}

async function runHeatmap(word: string, options: HeatmapCliOptions): Promise<void> {
  const json = options.json === true;
  try {
    const term = word.trim();
    if (!term) throw new UsageError('the word to draw is empty');
    const image = await readPicture(options.image);
    const config = loadConfig();
    const path = resolveModelPath(options.model);
    const modelName = modelNameFor(path);
    const diffusion = new Diffusion(openStableDiffusion(path), { hooks: true });
    try {
      const drawn = await withStore(config, async (store) => {
        const ready = await store.listDictionaries({ modelHash: diffusion.model.hash, scope: 'model', status: 'ready' });
        if (ready.length === 0) throw new Error(`${modelName} has no ready concept dictionary; build one with \`retouch concepts build\``);
        const choice = await chooseHeatmapFeatures(store, { modelHash: diffusion.model.hash, word: term });
        if (!choice) throw new UsageError(`no feature of ${modelName}'s dictionary has the word "${term}"; its labels are: ${commonLabels(ready, LABELS_SUGGESTED).join(', ') || 'none'}`);
        return drawHeatmap(diffusion, store, choice, image, options.caption);
      });
      const out = resolve(options.out ?? `heatmap-${term.replace(/[^a-z0-9_-]+/gi, '_')}.png`);
      writeFileSync(out, drawn.picture.png);
      const { peak, timestep, height, width } = drawn.heatmap;
      const summary = {
        model: modelName, word: term, out, dictionary: drawn.dictionary, site: siteName(drawn.site), timestep, caption: drawn.caption,
        features: drawn.features.map((f) => ({ feature: f.feature, words: f.words, intensity: f.intensity })),
        cells: { height, width }, peak, notes: drawn.notes,
      };
      printResult(json, summary, [
        `heat map of "${term}" on ${options.image}: ${summary.site} (timestep ${timestep}), ${summary.features.length} feature${summary.features.length === 1 ? '' : 's'} (${summary.features.map((f) => f.feature).join(', ')}), ${drawn.caption ? `caption "${drawn.caption}"` : 'the empty prompt'}`,
        `peak: cell (${peak.x}, ${peak.y}) of ${width}×${height}, summed activation ${peak.activation.toFixed(3)}`,
        ...drawn.notes.map((n) => `note: ${n}`),
        `wrote ${out}`,
      ].join('\n'));
    } finally {
      await diffusion.release();
    }
  } catch (error) {
    process.exitCode = printError(json, error, exitCodeOf(error));
  }
}

/** A picture file, held to the limits and refused with the messages of a chat upload. */
async function readPicture(file: string): Promise<RgbImage> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`--image ${file}: no such file`);
  const checked = await normaliseUpload({ filename: basename(file), contentType: undefined, data: readFileSync(file) });
  if (!checked.ok) throw new UsageError(`--image ${file}: ${checked.reason}`);
  return fromImageFile(checked.image.png);
}

/** The model a command names: its catalog name and content hash (its weights are not read). */
function modelOf(explicit: string | undefined): { path: string; name: string; hash: string } {
  const path = resolveModelPath(explicit);
  return { path, name: modelNameFor(path), hash: modelContentId(path) };
}

async function withStore<T>(config: Config, work: (store: ConceptDictionaryStore) => Promise<T>): Promise<T> {
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger);
  try {
    return await work(new ConceptDictionaryStore(database.prisma, logger));
  } finally {
    await database.close();
  }
}

/** A line on stderr whenever the stage or its whole percent changes. */
function progressPrinter(): (stage: BuildStage, fraction: number, detail: string) => void {
  let last = '';
  return (stage, fraction, detail) => {
    const at = `${stage} ${Math.floor(fraction * 100)}%`;
    if (at === last) return;
    last = at;
    process.stderr.write(`concepts: ${at} (${detail})\n`);
  };
}

function asJson(d: DictionarySummary) {
  return {
    id: d.id, name: d.name, scope: d.scope, userId: d.userId, workspaceId: d.workspaceId, status: d.status, failure: d.failure,
    createdAt: d.createdAt, updatedAt: d.updatedAt, build: d.build,
    sites: d.sites.map((s) => ({
      site: siteName(s), block: s.block, time: s.time, branch: s.branch, k: s.k, features: s.features, concepts: s.concepts, labelled: s.labelled,
      explainedVariance: s.quality.explainedVariance, scaledMse: s.quality.scaledMse, deadFraction: s.quality.deadFraction, topLabels: s.labels.slice(0, TOP_LABELS),
    })),
  };
}

function showText(model: { path: string; name: string; hash: string }, dictionaries: readonly DictionarySummary[]): string {
  const lines = [`concept dictionaries of ${model.name} (${model.path}, id ${model.hash.slice(0, 12)}):`];
  if (dictionaries.length === 0) return `${lines[0]} none; build one with: retouch concepts build`;
  for (const d of dictionaries) {
    const owner = d.scope === 'model' ? 'shared' : `${d.scope} ${d.userId ?? d.workspaceId}`;
    const when = d.status === 'ready' ? `ready since ${stamp(d.updatedAt)}` : d.status === 'building' ? `building since ${stamp(d.createdAt)}` : `failed ${stamp(d.updatedAt)}: ${d.failure ?? 'no reason recorded'}`;
    lines.push('', `"${d.name}" (${owner}): ${when}; ${buildText(d.build)}`);
    if (d.status !== 'ready') continue;
    if (d.build.readBack === false) lines.push(`  ${NO_READ_BACK}`);
    const width = Math.max(4, ...d.sites.map((s) => siteName(s).length));
    lines.push(`  ${'site'.padEnd(width)}  ${'expl. var.'.padStart(10)}  ${'scaled MSE'.padStart(10)}  ${'dead'.padStart(6)}  ${'labelled'.padStart(12)}  top labels (features)`);
    for (const s of d.sites) {
      const labels = s.labels.slice(0, TOP_LABELS).map((l) => `${l.label} (${l.features})`).join(', ') || '-';
      lines.push(`  ${siteName(s).padEnd(width)}  ${s.quality.explainedVariance.toFixed(3).padStart(10)}  ${s.quality.scaledMse.toFixed(3).padStart(10)}  ${`${(s.quality.deadFraction * 100).toFixed(1)}%`.padStart(6)}  ${`${s.labelled}/${s.features}`.padStart(12)}  ${labels}`);
    }
  }
  return lines.join('\n');
}

/** How it was built, from the settings a build records (begun: the request; ready: what was done). */
function buildText(build: Record<string, unknown>): string {
  const sae = build.sae as { epochs?: unknown } | undefined;
  const epochs = build.epochs ?? sae?.epochs;
  const parts = [`${String(build.prompts)} prompts`, `seed ${String(build.seed)}`, `${String(build.steps)} steps`];
  if (epochs !== undefined) parts.push(`${String(epochs)} epochs`);
  if (build.heldOut !== undefined) parts.push(`${String(build.heldOut)} images held out`);
  return parts.join(', ');
}

function stamp(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 16);
}

function exitCodeOf(error: unknown): number {
  return error instanceof UsageError || error instanceof ConfigError || error instanceof InvalidArgumentError ? EXIT_USAGE : EXIT_FAILURE;
}
