// npm run bench:models — the SD-1.5 networks (exact configs, random weights) on the engine:
// build (graph from weights), load (onnxruntime session), run (median), peak memory — one child
// process per network so each peak is its own. CPU here; RETOUCH_EP=webgpu on a GPU machine.
import { spawnSync } from 'node:child_process';
import * as E from '../src/engine/index.ts';
import { parseUNetConfig } from '../src/models/unet/config.ts';
import { buildUNet } from '../src/models/unet/unet.ts';
import { buildDecoder, parseVaeConfig } from '../src/models/vae/index.ts';
import { buildClipText, clipTextConfigSchema, parseConfig } from '../src/models/clip/index.ts';
import { sd15Config, sd15Weights } from './random-weights.ts';

type Network = 'unet' | 'text_encoder' | 'vae_decoder';
const NETWORKS: Network[] = ['unet', 'text_encoder', 'vae_decoder'];
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const batch = Number(process.env.BENCH_BATCH ?? 2);

interface Built {
  outputs: Record<string, E.Tensor>;
  feeds: Record<string, E.HostTensor>;
  describe: string;
}

const random = new E.Random(3);
const normal = (shape: number[]): E.HostTensor => ({ dtype: 'float32', shape, data: random.normalArray(E.numel(shape)) });

async function build(network: Network): Promise<Built> {
  switch (network) {
    case 'unet': {
      const config = parseUNetConfig(sd15Config('unet'), 'bench/sd15/unet.json');
      const graph = buildUNet(config, sd15Weights('unet'), { batch, height: 64, width: 64, textLength: 77 });
      return {
        outputs: { out_sample: graph.output },
        feeds: { sample: normal([batch, 4, 64, 64]), timestep: { dtype: 'float32', shape: [batch], data: new Float32Array(batch).fill(500) }, encoder_hidden_states: normal([batch, 77, 768]) },
        describe: `UNet 859.5M params, latent 64x64 (512x512 image), batch ${batch}`,
      };
    }
    case 'text_encoder': {
      const config = parseConfig(sd15Config('text_encoder'), clipTextConfigSchema, 'bench/sd15/text_encoder.json');
      const text = buildClipText(sd15Weights('text_encoder'), config, { batch });
      const ids = new BigInt64Array(batch * 77).fill(49407n);
      for (let b = 0; b < batch; b++) ids.set([49406n, 320n, 2368n, 539n, 320n, 2368n], b * 77);
      return {
        outputs: { last_hidden_state: text.lastHiddenState },
        feeds: { input_ids: { dtype: 'int64', shape: [batch, 77], data: ids } },
        describe: `CLIP ViT-L/14 text tower 123.1M params, 77 tokens, batch ${batch}`,
      };
    }
    case 'vae_decoder': {
      const config = parseVaeConfig(sd15Config('vae'), 'bench/sd15/vae.json');
      const latent = E.input('latent', [1, 4, 64, 64]);
      return {
        outputs: { image: buildDecoder(config, sd15Weights('vae'), latent) },
        feeds: { latent: normal([1, 4, 64, 64]) },
        describe: 'VAE decoder 49.5M params, latent 64x64 -> 512x512 image, batch 1',
      };
    }
    default:
      throw new Error(`${network}: not wired yet`);
  }
}

async function measure(network: Network): Promise<void> {
  let start = performance.now();
  const built = await build(network);
  const buildSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  const program = await E.Program.compile(built.outputs);
  const loadSeconds = (performance.now() - start) / 1000;
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    start = performance.now();
    await program.run(built.feeds);
    times.push((performance.now() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  const peak = process.resourceUsage().maxRSS / 2 ** 20;
  console.log(JSON.stringify({ network, describe: built.describe, provider: program.provider, buildSeconds, loadSeconds, runSeconds: median, runs: times, peakRssGiB: peak }));
  await program.release();
}

const only = process.argv[2] as Network | undefined;
if (only) {
  await measure(only);
} else {
  console.log(`bench:models — SD-1.5 shapes, random weights, ${repeats} runs each (median); RETOUCH_EP=${process.env.RETOUCH_EP ?? 'cpu'}`);
  for (const network of NETWORKS) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, network], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    try {
      const r = JSON.parse(line) as { describe: string; provider: string; buildSeconds: number; loadSeconds: number; runSeconds: number; peakRssGiB: number };
      console.log(`${network.padEnd(13)} ${r.describe}\n${''.padEnd(13)} ${r.provider}: build ${r.buildSeconds.toFixed(1)} s, load ${r.loadSeconds.toFixed(1)} s, run ${r.runSeconds.toFixed(2)} s (median), peak RSS ${r.peakRssGiB.toFixed(2)} GiB`);
    } catch {
      console.log(`${network.padEnd(13)} failed (exit ${child.status}): ${line || child.stderr}`);
    }
  }
}
