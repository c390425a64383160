// npm run bench:methods-sd15 — every editing method on SD-1.5-shaped weights: the exact SD-1.5
// configs (UNet 859.5M, CLIP ViT-L/14 text tower, VAE) with random weights, since no real weights
// can be downloaded here. It shows each method's code runs on SD's architecture (4 levels, 16
// self-attention layers, 8 heads, 768-wide text, 77 tokens) and which layers its SD-defined choices
// select, with seconds per edit. Random weights make the pictures noise: it checks shapes, layer
// mapping and cost, not quality. Default 128×128 (a 16×16 latent) with 2 steps to fit a CPU;
// `-- --size 512 --steps 50` on a GPU machine (RETOUCH_EP=webgpu).
import { parseArgs } from 'node:util';
import { EDIT_METHODS, runEdit, type EditMethod } from '../src/methods/index.ts';
import { clipTextConfigSchema, ClipTokenizer, parseConfig } from '../src/models/clip/index.ts';
import { SHIPPED_MODEL_DIR } from '../src/models/shipped.ts';
import type { StableDiffusionModel } from '../src/models/stable-diffusion.ts';
import { parseUNetConfig } from '../src/models/unet/config.ts';
import { parseVaeConfig } from '../src/models/vae/index.ts';
import { Diffusion } from '../src/pipeline/diffusion.ts';
import { buildDictionary } from '../src/concepts/build.ts';
import type { ConceptDictionary } from '../src/models/sae/dictionary.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sd15Config, sd15Weights } from './random-weights.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '128' },
    steps: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
const size = Number(values.size);
const steps = Number(values.steps);

function randomSd15(): StableDiffusionModel {
  return {
    source: 'random SD-1.5-shaped weights',
    hash: 'f'.repeat(64),
    unet: { config: parseUNetConfig(sd15Config('unet'), 'bench/sd15/unet.json'), weights: sd15Weights('unet') },
    vae: { config: parseVaeConfig(sd15Config('vae'), 'bench/sd15/vae.json'), weights: sd15Weights('vae') },
    textEncoder: { config: parseConfig(sd15Config('text_encoder'), clipTextConfigSchema, 'bench/sd15/text_encoder.json'), weights: sd15Weights('text_encoder') },
    // SD's own tokenizer (CLIP BPE) can't be downloaded; the shipped model's is a CLIP tokenizer with 77
    // positions and ids inside SD's 49408-entry vocabulary, which is all random weights need.
    tokenizer: ClipTokenizer.fromFolder(`${SHIPPED_MODEL_DIR}/tokenizer`),
    schedulerConfig: undefined,
    warnings: [],
  };
}

const paramsFor = (method: EditMethod): Record<string, unknown> | undefined => {
  if (method.id === 'multidiffusion') return { widthFactor: 2 };
  if (method.id === 'paint_with_words') return { regions: [{ word: 'star', region: { x0: 0, y0: 0, x1: 0.5, y1: 1 } }] };
  if (method.id === 'p2p.reweight') return { token: 'blue' };
  if (method.id === 'sae.move') return { object: 'star', region: 'bottom_right' };
  if (method.id === 'sae.style') return { style: 'striped', feature: 0 }; // no words without a reader: a feature by number
  return undefined;
};

const started = performance.now();
const model = randomSd15();
const latentSide = size / 8;
const rgb = new Uint8Array(size * size * 3);
for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + Math.floor(i / (size * 3)) * 11) % 256;
const mask = new Uint8Array(size * size);
for (let y = 0; y < size / 2; y++) for (let x = 0; x < size / 2; x++) mask[y * size + x] = 255;
console.log(`bench:methods-sd15 — SD-1.5 configs, random weights; ${size}×${size} (latent ${latentSide}×${latentSide}), ${steps} steps, guidance 7.5; RETOUCH_EP=${process.env.RETOUCH_EP ?? 'cpu'}`);
console.log('| method | seconds (incl. first compile of its graphs) | output | metrics |');
console.log('|---|---|---|---|');
let failures = 0;

// A concept dictionary of these weights (what sae.* steer with): collect → train → label, tiny.
// Without a picture reader, features get intensities but no labels (SD's labels would come from
// cross-attention maps of the prompt's nouns, not built yet), so sae.style is given a feature by number.
let concepts: ConceptDictionary | undefined;
if (!values.only || values.only.startsWith('sae.')) {
  const t0 = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'retouch-bench-concepts-'));
  const diffusion = new Diffusion(model, { hooks: true, width: size, height: size });
  try {
    concepts = await buildDictionary(diffusion, work, {
      name: 'bench', prompts: ['a red star on grass', 'a blue circle on sand', 'a green heart on sky', 'a white ring on night'], seed: 1, steps,
      sites: (site) => site.branch === 'cond' && site.time !== 0, sae: { epochs: 2, batch: 32 }, regions: async () => undefined,
    });
    const figures = concepts.sites.map((site) => `${site.block} ${site.sae.inputs}→${site.sae.features} EV ${site.quality.explainedVariance.toFixed(2)}`).join('; ');
    console.log(`| concepts (collect → train → label) | ${((performance.now() - t0) / 1000).toFixed(1)} | ${concepts.sites.length} SAEs | ${figures} |`);
  } catch (error) {
    failures++;
    console.log(`| concepts (collect → train → label) | ${((performance.now() - t0) / 1000).toFixed(1)} | FAILED: ${(error as Error).message.split('\n')[0]} | |`);
  } finally {
    await diffusion.release();
    rmSync(work, { recursive: true, force: true });
  }
}
for (const method of EDIT_METHODS.filter((m) => !values.only || m.id === values.only)) {
  const t0 = performance.now();
  // A Diffusion per method, released after it: each UNet graph of SD's size holds gigabytes.
  const diffusion = new Diffusion(model, { hooks: true, width: size, height: size });
  try {
    const run = await runEdit(diffusion, {
      method,
      params: paramsFor(method),
      source: method.needs.generates && method.id !== 'guide.prompt_switch' ? undefined : { image: { width: size, height: size, rgb }, prompt: 'a large red star in the center on grass' },
      targetPrompt: 'a large blue star in the center on grass',
      mask: method.needs.mask || method.id === 'sae.move' ? { data: mask, width: size, height: size } : undefined,
      concepts,
      steps,
      guidance: 7.5,
      seed: 1,
    });
    const finite = run.output.latent.every(Number.isFinite);
    const metrics = Object.entries(run.output.metrics ?? {}).map(([k, v]) => `${k} ${typeof v === 'number' ? +v.toFixed(3) : String(v)}`).join(', ');
    if (!finite) failures++;
    console.log(`| ${method.id} | ${((performance.now() - t0) / 1000).toFixed(1)} | ${run.image.width}×${run.image.height}${finite ? '' : ', NOT FINITE'} | ${metrics} |`);
  } catch (error) {
    failures++;
    console.log(`| ${method.id} | ${((performance.now() - t0) / 1000).toFixed(1)} | FAILED: ${(error as Error).message.split('\n')[0]} | |`);
  } finally {
    await diffusion.release();
  }
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(1)} GB; ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
