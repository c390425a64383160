// Text-to-image on the shipped model (or RETOUCH_MODEL_DIR / --model): 50 DDIM steps with
// classifier-free guidance, as `retouch generate` runs it. Prints compile time, per-image time
// (median of --runs after one warm-up), the split between text, sampling and decode, and whether
// the same seed gave the same bytes.
//   npm run bench:generate [-- --runs 5 --steps 50 --model DIR]
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { resolveModelPath } from '../src/models/shipped.ts';
import { openStableDiffusion } from '../src/models/stable-diffusion.ts';
import { Diffusion } from '../src/pipeline/diffusion.ts';
import { textToImage } from '../src/pipeline/text-to-image.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, steps: { type: 'string', default: '50' }, model: { type: 'string' } } });
const runs = Number(values.runs);
const steps = Number(values.steps);
// A new prompt each run, so the text encoder runs every time (its embeddings are cached by text).
const prompts = ['a large red star in the top left on grass', 'a small blue circle in the middle on sand', 'a medium striped green heart in the bottom right on sky', 'a large yellow ring in the top middle on night', 'a small dotted purple cross in the middle left on plain'];
const promptAt = (i: number) => prompts[i % prompts.length] as string;

const t0 = performance.now();
const model = openStableDiffusion(resolveModelPath(values.model));
const diffusion = new Diffusion(model);
const t1 = performance.now();
const first = await textToImage(diffusion, { prompt: 'warm-up', seed: 1, steps });
const t2 = performance.now();
const times: number[] = [];
const digest = (pixels: Uint8Array) => createHash('sha256').update(pixels).digest('hex');
let last = first;
let firstDigest = '';
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  last = await textToImage(diffusion, { prompt: promptAt(i), seed: 1, steps });
  times.push(performance.now() - start);
  if (i === 0) firstDigest = digest(last.pixels);
}
const again = await textToImage(diffusion, { prompt: promptAt(0), seed: 1, steps });
const same = digest(again.pixels) === firstDigest;
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] as number;
console.log(`model ${model.source} (${model.hash.slice(0, 12)}), ${diffusion.width}×${diffusion.height}`);
console.log(`open ${((t1 - t0) / 1000).toFixed(2)} s; first image (compiles text encoder, UNet batch 2, decoder) ${((t2 - t1) / 1000).toFixed(2)} s`);
console.log(`generate, ${steps} DDIM steps, guidance 7.5: median ${(median / 1000).toFixed(3)} s over ${runs} runs (min ${((times[0] as number) / 1000).toFixed(3)}, max ${((times.at(-1) as number) / 1000).toFixed(3)})`);
console.log(`  of which text ${last.timings.textMs.toFixed(0)} ms, sampling ${last.timings.samplingMs.toFixed(0)} ms, decode ${last.timings.decodeMs.toFixed(0)} ms`);
console.log(`same prompt and seed again, same bytes: ${same ? 'yes' : 'NO'}`);
await diffusion.release();
