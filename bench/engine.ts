// npm run bench:engine — the engine's achieved speed next to onnxruntime's own, a conv-net training
// step, and a Stable-Diffusion-1.5-size UNet (859.5M random parameters) built, saved with external
// data, loaded and run once.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as E from '../src/engine/index.ts';
import { plainConv, plainMatMul } from './plain-onnx.ts';
import { parseUNetConfig } from '../src/models/unet/config.ts';
import { buildUNet } from '../src/models/unet/unet.ts';
import { sd15Config, sd15Weights } from './random-weights.ts';

/** The SD-1.5 UNet (src/models, exact config) on random weights, batch 1, 77 tokens. */
function sd15UNet(latent: number) {
  const weights = sd15Weights('unet');
  const graph = buildUNet(parseUNetConfig(sd15Config('unet')), weights, { batch: 1, height: latent, width: latent, textLength: 77 });
  return { out: graph.output, sample: graph.sample, context: graph.encoderHiddenStates, parameterCount: weights.parameterCount() };
}

const random = new E.Random(1);
const threads = Number(process.env.BENCH_THREADS ?? 0) || undefined;
const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', ...(threads ? { intraOpNumThreads: threads } : {}) };
const peakRssGb = () => (process.resourceUsage().maxRSS / 2 ** 20).toFixed(2);
const rssGb = () => (process.memoryUsage().rss / 2 ** 30).toFixed(2);
const hostTensor = (shape: readonly number[]): E.HostTensor => ({ dtype: 'float32', shape, data: random.normalArray(E.numel(shape)) });

/** Median seconds of each workload, timed in turn so that load from elsewhere hits all alike. */
async function timeEach(workloads: readonly (() => Promise<unknown>)[], repeats: number): Promise<number[]> {
  for (const run of workloads) await run();
  const times = workloads.map((): number[] => []);
  for (let i = 0; i < repeats; i++) {
    for (const [k, run] of workloads.entries()) {
      const start = performance.now();
      await run();
      times[k]?.push((performance.now() - start) / 1000);
    }
  }
  return times.map((xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number);
}

async function timeBoth(first: () => Promise<unknown>, second: () => Promise<unknown>, repeats: number): Promise<[number, number]> {
  const [a, b] = await timeEach([first, second], repeats);
  return [a as number, b as number];
}

function row(label: string, flops: number, engine: number, plain: number): void {
  const gflops = (t: number) => (flops / t / 1e9).toFixed(1).padStart(7);
  const overhead = (((engine - plain) / plain) * 100).toFixed(1);
  console.log(`${label.padEnd(44)} engine ${gflops(engine)} GFLOP/s  onnxruntime ${gflops(plain)} GFLOP/s  (engine time ${Number(overhead) >= 0 ? "+" : ""}${overhead}%)`);
}

async function matmuls(): Promise<void> {
  console.log('\n== matmul, float32 ==');
  for (const [m, k, n] of [[1024, 1024, 1024], [2048, 2048, 2048], [4096, 768, 320]] as const) {
    const a = E.input('a', [m, k]);
    const b = E.input('b', [k, n]);
    const program = await E.Program.compile({ y: E.matmul(a, b) }, { threads });
    const feeds = { a: hostTensor([m, k]), b: hostTensor([k, n]) };
    const plain = await ort.InferenceSession.create(plainMatMul(m, k, n), sessionOptions);
    const ortFeeds = { a: E.toOrt(feeds.a), b: E.toOrt(feeds.b) };
    const [engine, reference] = await timeBoth(() => program.run(feeds), () => plain.run(ortFeeds), 7);
    row(`[${m}x${k}] @ [${k}x${n}]`, 2 * m * k * n, engine, reference);
    await program.release();
    await plain.release();
  }
}

async function convolutions(): Promise<void> {
  console.log('\n== conv2d 3x3, float32 ==');
  for (const [n, c, size, o, stride] of [[2, 320, 64, 320, 1], [2, 640, 32, 640, 1], [2, 320, 64, 320, 2]] as const) {
    const x = E.input('x', [n, c, size, size]);
    const w = E.input('w', [o, c, 3, 3]);
    const y = E.conv2d(x, w, { padding: 1, stride });
    const program = await E.Program.compile({ y }, { threads });
    const feeds = { x: hostTensor(x.shape), w: hostTensor(w.shape) };
    const plain = await ort.InferenceSession.create(plainConv(x.shape, w.shape, 1, stride, y.shape), sessionOptions);
    const ortFeeds = { x: E.toOrt(feeds.x), w: E.toOrt(feeds.w) };
    const [engine, reference] = await timeBoth(() => program.run(feeds), () => plain.run(ortFeeds), 5);
    row(`x [${x.shape.join(',')}] w [${w.shape.join(',')}] stride ${stride}`, 2 * y.size * c * 9, engine, reference);
    await program.release();
    await plain.release();
  }
}

async function convNetStep(): Promise<void> {
  console.log('\n== conv net, one AdamW training step (forward + backward + update), float32 ==');
  const batch = 8;
  const init = (name: string, shape: number[]) => E.param(name, shape, 'float32', random.normalArray(E.numel(shape), Math.sqrt(2 / E.numel(shape.slice(1)))));
  const zeros = (name: string, size: number) => E.param(name, [size], 'float32', new Float32Array(size));
  const images = E.input('images', [batch, 3, 64, 64]);
  const labels = E.input('labels', [batch, 10]);
  const layers: [number, number, number][] = [[3, 64, 1], [64, 64, 1], [64, 128, 2], [128, 128, 1], [128, 256, 2]];
  let h = images;
  let forwardFlops = 0;
  let firstLayerFlops = 0;
  layers.forEach(([cin, cout, stride], i) => {
    const conv = E.conv2dBias(h, init(`conv${i}.weight`, [cout, cin, 3, 3]), zeros(`conv${i}.bias`, cout), { padding: 1, stride });
    const flops = 2 * conv.size * cin * 9;
    forwardFlops += flops;
    if (i === 0) firstLayerFlops = flops;
    h = E.silu(E.groupNorm(conv, 32));
  });
  const logits = E.linear(E.mean(h, [2, 3]), init('head.weight', [10, 256]), zeros('head.bias', 10));
  const loss = E.neg(E.mean(E.sum(E.mul(E.logSoftmax(logits), labels), -1)));
  // Backward costs a weight gradient per conv and an input gradient per conv but the first.
  const stepFlops = 3 * forwardFlops - firstLayerFlops;
  const labelData = new Float32Array(batch * 10);
  for (let i = 0; i < batch; i++) labelData[i * 10 + (i % 10)] = 1;
  const batchFeeds = { images: hostTensor(images.shape), labels: { dtype: 'float32', shape: [batch, 10], data: labelData } as E.HostTensor };

  const trainer = await E.Trainer.create(loss, { optimizer: E.adamw({ lr: 1e-3 }), threads });
  const forward = await E.Program.compile({ loss }, { threads });
  // The same training-step model straight through onnxruntime (what the engine's wrapper costs).
  const graph = E.emitGraph(trainerOutputs(loss), { paramsAsInputs: true });
  const session = await ort.InferenceSession.create(E.encodeModel(graph), sessionOptions);
  const feeds: Record<string, ort.Tensor> = {};
  for (const info of graph.inputs) {
    const known = graph.paramValues.find((p) => p.name === info.name);
    feeds[info.name] = info.name === 'images' || info.name === 'labels'
      ? E.toOrt(batchFeeds[info.name])
      : E.toOrt(known ?? { dtype: 'float32', shape: info.shape, data: new Float32Array(E.numel(info.shape)).fill(info.shape.length === 0 ? 0.5 : 0) });
  }
  const [step, raw, forwardTime] = (await timeEach([() => trainer.step(batchFeeds), () => session.run(feeds), () => forward.run(batchFeeds)], 7)) as [number, number, number];
  console.log(`batch ${batch}, 3x64x64 images, 5 convs + GroupNorm + SiLU, ${(stepFlops / 1e9).toFixed(1)} GFLOP per step`);
  row('training step (engine Trainer vs same model raw)', stepFlops, step, raw);
  console.log(`${'forward only (for scale)'.padEnd(44)} engine ${(forwardFlops / forwardTime / 1e9).toFixed(1).padStart(7)} GFLOP/s; step / forward time = ${(step / forwardTime).toFixed(2)} (ideal about 3)`);
  await trainer.release();
  await forward.release();
  await session.release();

  function trainerOutputs(lossTensor: E.Tensor): Record<string, E.Tensor> {
    const params = E.topologicalOrder([lossTensor]).filter((t) => t.op === 'param');
    const grads = E.grad(lossTensor, params);
    const optimizer = E.adamw({ lr: 1e-3 });
    const scalars = optimizer.scalarNames.map((name) => E.input(`optimizer.${name}`, []));
    const outputs: Record<string, E.Tensor> = { loss: lossTensor };
    params.forEach((p, i) => {
      const state = optimizer.slots.map((slot) => E.input(`${p.leaf.name}.${slot}`, p.shape));
      const next = optimizer.update(p, grads[i] as E.Tensor, state, scalars);
      outputs[`${p.leaf.name}:next`] = next.param;
      next.state.forEach((s, k) => (outputs[`${p.leaf.name}.${optimizer.slots[k]}:next`] = s));
    });
    return outputs;
  }
}

async function stableDiffusionSizeUNet(): Promise<void> {
  const latent = Number(process.env.BENCH_LATENT ?? 32);
  console.log(`\n== Stable-Diffusion-1.5-size UNet (random weights), batch 1, ${latent}x${latent} latent, 77 tokens ==`);
  const dir = mkdtempSync(join(tmpdir(), 'engine-bench-'));
  try {
    let start = performance.now();
    const unet = sd15UNet(latent);
    const graph = E.emitGraph({ noise: unet.out });
    const buildSeconds = (performance.now() - start) / 1000;
    console.log(`build: ${buildSeconds.toFixed(1)} s (${(unet.parameterCount / 1e6).toFixed(1)}M parameters, ${graph.nodes.length} ONNX nodes; includes generating the random weights), RSS ${rssGb()} GiB`);
    start = performance.now();
    const saved = E.saveModel(graph, join(dir, 'unet.onnx'));
    const saveSeconds = (performance.now() - start) / 1000;
    console.log(`save: ${saveSeconds.toFixed(1)} s (model ${(statSync(saved.modelPath).size / 2 ** 20).toFixed(1)} MiB + external data ${(statSync(saved.dataPath as string).size / 2 ** 30).toFixed(2)} GiB)`);
    start = performance.now();
    const session = await ort.InferenceSession.create(saved.modelPath, sessionOptions);
    const loadSeconds = (performance.now() - start) / 1000;
    console.log(`load: ${loadSeconds.toFixed(1)} s (onnxruntime session from the saved files), RSS ${rssGb()} GiB`);
    const feeds = {
      sample: E.toOrt(hostTensor(unet.sample.shape)),
      timestep: E.toOrt({ dtype: 'float32', shape: [1], data: Float32Array.of(981) }),
      encoder_hidden_states: E.toOrt(hostTensor(unet.context.shape)),
    };
    start = performance.now();
    const out = await session.run(feeds);
    const firstRun = (performance.now() - start) / 1000;
    const [steady] = await timeEach([() => session.run(feeds)], 3);
    const noise = out.noise?.data as Float32Array;
    const finite = noise.every(Number.isFinite);
    console.log(`run: first ${firstRun.toFixed(2)} s, then median ${(steady as number).toFixed(2)} s; output [${out.noise?.dims.join(', ')}], all finite: ${finite}`);
    console.log(`peak RSS: ${peakRssGb()} GiB (includes the weights held by the JS graph while saving)`);
    await session.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Optional (`npm run bench:engine -- unet-grad`): the gradient graph of the same UNet, for fine-tuning. */
async function stableDiffusionSizeUNetGradient(): Promise<void> {
  const latent = 8;
  console.log(`\n== gradient of the SD-1.5-size UNet, batch 1, ${latent}x${latent} latent: loss and two weight gradients ==`);
  const dir = mkdtempSync(join(tmpdir(), 'engine-bench-'));
  try {
    let start = performance.now();
    const unet = sd15UNet(latent);
    const params = E.topologicalOrder([unet.out]).filter((t) => t.op === 'param');
    const target = E.input('target', unet.out.shape);
    const loss = E.mean(E.square(E.sub(unet.out, target)));
    const grads = E.grad(loss, params);
    const wanted = ['down_blocks.0.resnets.0.conv1.weight', 'mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight'];
    const outputs: Record<string, E.Tensor> = { loss };
    params.forEach((p, i) => {
      if (wanted.includes(p.leaf.name as string)) outputs[`grad:${p.leaf.name}`] = grads[i] as E.Tensor;
    });
    const graph = E.emitGraph(outputs);
    console.log(`build forward + gradient graph: ${((performance.now() - start) / 1000).toFixed(1)} s, ${graph.nodes.length} ONNX nodes`);
    start = performance.now();
    const program = await E.Program.fromGraph(graph, { saveTo: join(dir, 'unet-grad.onnx') });
    console.log(`save + load: ${((performance.now() - start) / 1000).toFixed(1)} s, RSS ${rssGb()} GiB`);
    const feeds = {
      sample: hostTensor(unet.sample.shape),
      timestep: { dtype: 'float32', shape: [1], data: Float32Array.of(500) } as E.HostTensor,
      encoder_hidden_states: hostTensor(unet.context.shape),
      target: hostTensor(unet.out.shape),
    };
    start = performance.now();
    const out = await program.run(feeds);
    console.log(`run: ${((performance.now() - start) / 1000).toFixed(2)} s, loss ${(out.loss?.data as Float32Array)[0]?.toFixed(4)}, peak RSS ${peakRssGb()} GiB`);
    await program.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`onnxruntime-node ${ort.env.versions.common}, CPU execution provider, ${threads ?? 'default'} intra-op threads`);
const only = process.argv[2];
if (!only || only === 'matmul') await matmuls();
if (!only || only === 'conv') await convolutions();
if (!only || only === 'train') await convNetStep();
if (!only || only === 'unet') await stableDiffusionSizeUNet();
if (only === 'unet-grad') await stableDiffusionSizeUNetGradient();
