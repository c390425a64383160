import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ModelLoadError } from '../../../src/models/weights.ts';
import {
  DdimScheduler,
  DdpmScheduler,
  DpmSolverMultistepScheduler,
  EulerAncestralScheduler,
  guide,
  NoiseSource,
  parseSchedulerConfig,
  SD_SCHEDULER_CONFIG,
  strengthStart,
  type Latent,
  type Scheduler,
} from '../../../src/pipeline/schedulers/index.ts';

interface Run {
  timesteps: number[];
  init_noise_sigma: number;
  after_first: number[];
  x0_first: number[];
  after_10: number[];
  final: number[];
  start_index?: number;
  start_timestep?: number;
  noised?: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/schedulers.json', import.meta.url), 'utf8')) as {
  steps: number;
  init_latent_head: number[];
  alphas_cumprod: Record<string, number>;
  runs: Record<string, Run>;
};

const N = 256; // 1×4×8×8
const SD = parseSchedulerConfig(SD_SCHEDULER_CONFIG, 'sd');
const sdWith = (extra: Record<string, unknown>) => parseSchedulerConfig({ ...SD_SCHEDULER_CONFIG, ...extra }, 'sd');

/** ‖a − b‖∞ / ‖b‖∞ over the first b.length values. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

function close(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  const error = relError(actual, expected);
  assert.ok(error <= tolerance, `${name}: relative error ${error.toExponential(2)} > ${tolerance}`);
}

const IDX = Float64Array.from({ length: N }, (_, i) => i);
const model = (x: Latent, t: number) => x.map((v) => 0.1 * v + 0.05 * Math.sin(t / 100)) as Float64Array;
const modelCond = (x: Latent, t: number) => Float64Array.from(x, (v, i) => 0.12 * v + 0.03 * Math.cos(t / 150 + 0.1 * IDX[i]!));
const initLatent = () => Float64Array.from(new NoiseSource(1234).normal(N));

function replay(scheduler: Scheduler, eps: (x: Float64Array, t: number) => Float64Array, run: Run, start?: Float64Array) {
  const noise = new NoiseSource(5678);
  scheduler.setTimesteps(fixture.steps);
  assert.deepEqual([...scheduler.timesteps], run.timesteps, 'timesteps');
  assert.ok(Math.abs(scheduler.initNoiseSigma - run.init_noise_sigma) <= 1e-6 * run.init_noise_sigma, 'initNoiseSigma');
  let x = start ?? initLatent().map((v) => v * scheduler.initNoiseSigma);
  const timesteps = scheduler.timesteps.slice(run.start_index ?? 0);
  timesteps.forEach((t, k) => {
    const out = scheduler.step(eps(scheduler.scaleModelInput(x, t), t), t, x, { noise });
    x = out.prevSample;
    if (k === 0) {
      close('after the first step', x, run.after_first);
      close('x0 at the first step', out.predOriginal, run.x0_first);
    }
    if (k === 9) close('after 10 steps', x, run.after_10);
  });
  close('final latent', x, run.final);
  return x;
}

const fixtureRun = (name: string): Run => {
  const run = fixture.runs[name];
  assert.ok(run, `fixture has no run ${name}`);
  return run;
};

// torch's vectorised float32 linspace rounds some betas differently by an ulp (≈1e-7 in alphas_cumprod).
test('the noise source and the training schedule match the Python reference', () => {
  close('init latent', initLatent(), fixture.init_latent_head, 1e-7);
  const ddim = new DdimScheduler(SD);
  for (const [t, value] of Object.entries(fixture.alphas_cumprod)) {
    assert.ok(Math.abs(ddim.alphaBar(Number(t)) - value) <= 1e-6 * value, `alphas_cumprod[${t}] ${ddim.alphaBar(Number(t))} vs ${value}`);
  }
});

const cases: Array<[string, () => Scheduler, (x: Float64Array, t: number) => Float64Array]> = [
  ['ddim', () => new DdimScheduler(SD), model],
  ['ddim_eta1', () => new DdimScheduler(SD, { eta: 1 }), model],
  ['ddim_v', () => new DdimScheduler(sdWith({ prediction_type: 'v_prediction' })), model],
  ['ddpm', () => new DdpmScheduler(SD), model],
  ['euler_a', () => new EulerAncestralScheduler(sdWith({ timestep_spacing: undefined })), model],
  ['euler_a_leading', () => new EulerAncestralScheduler(SD), model],
  ['dpmpp2m', () => new DpmSolverMultistepScheduler(sdWith({ timestep_spacing: undefined })), model],
  ['ddim_cfg', () => new DdimScheduler(SD), (x, t) => guide(model(x, t), modelCond(x, t), 7.5, { rescale: 0.7 })],
];

for (const [name, make, eps] of cases) {
  test(`${name}: a 20-step loop on the synthetic model matches the Python reference to 1e-5`, () => {
    replay(make(), eps, fixtureRun(name));
  });
}

for (const [name, make] of [
  ['ddim_img2img', () => new DdimScheduler(SD)],
  ['dpmpp2m_img2img', () => new DpmSolverMultistepScheduler(sdWith({ timestep_spacing: undefined }))],
] as const) {
  test(`${name}: strength 0.6 img2img (addNoise, then the tail of the schedule) matches the reference`, () => {
    const run = fixtureRun(name);
    const scheduler: Scheduler = make();
    const { startIndex, startTimestep, timesteps } = scheduler.timestepsForStrength(fixture.steps, 0.6);
    assert.equal(startIndex, run.start_index);
    assert.equal(startTimestep, run.start_timestep);
    assert.equal(timesteps.length, fixture.steps - startIndex);
    const init = IDX.map((i) => 0.5 * Math.sin(0.1 * i));
    const noised = scheduler.addNoise(init, new NoiseSource(91).normal(N), startTimestep!);
    close('noised init', noised, run.noised!);
    replay(scheduler, model, run, noised);
  });
}

test('float32 latents follow the float64 loop closely (DPM-Solver++ 2M)', () => {
  const run = fixtureRun('dpmpp2m');
  const scheduler = new DpmSolverMultistepScheduler(sdWith({ timestep_spacing: undefined }));
  scheduler.setTimesteps(fixture.steps);
  let x: Float32Array = new NoiseSource(1234).normal(N);
  for (const t of scheduler.timesteps) {
    const eps = Float32Array.from(x, (v) => 0.1 * v + 0.05 * Math.sin(t / 100));
    x = scheduler.step(eps, t, x).prevSample;
    assert.ok(x instanceof Float32Array);
  }
  close('float32 final', x, run.final, 1e-4);
});

test("SD's DDIM at 50 steps runs 981, 961, …, 1 and ends at alphas_cumprod[0]", () => {
  const ddim = new DdimScheduler(SD);
  ddim.setTimesteps(50);
  assert.deepEqual([...ddim.timesteps], Array.from({ length: 50 }, (_, i) => 981 - 20 * i));
  assert.equal(ddim.previousTimestep(1), -19);
  assert.equal(ddim.alphaBar(-19), ddim.alphasCumprod[0]);
  assert.equal(new DdimScheduler(sdWith({ set_alpha_to_one: true })).finalAlphaCumprod, 1);
});

test('img2img at strength 0.6 and 50 steps starts at index 20, timestep 581', () => {
  assert.deepEqual(strengthStart(50, 0.6), { initSteps: 30, startIndex: 20 });
  const ddim = new DdimScheduler(SD);
  const { timesteps, startTimestep } = ddim.timestepsForStrength(50, 0.6);
  assert.equal(startTimestep, 581);
  assert.equal(timesteps.length, 30);
  assert.equal(timesteps.at(-1), 1);
  assert.equal(new DdimScheduler(SD).timestepsForStrength(50, 0).startTimestep, null);
  assert.equal(new DdimScheduler(SD).timestepsForStrength(50, 1).startTimestep, 981);
});

test('DDIM (eta 0) sampling then DDIM inversion recovers the start latent of the synthetic model', () => {
  const ddim = new DdimScheduler(SD);
  ddim.setTimesteps(50);
  const start = initLatent();
  let x: Float64Array = start;
  for (const t of ddim.timesteps) x = ddim.step(model(x, t), t, x).prevSample;
  // Inversion as diffusers' DDIMInverseScheduler / null-text inversion: ε at (x_t, tNext).
  for (const [t, tNext] of ddim.inversionTimesteps()) x = ddim.ddimInvertStep(model(x, tNext), t, tNext, x);
  const error = relError(x, start);
  console.log(`# DDIM 50-step round trip: relative error ${error.toExponential(3)}`);
  assert.ok(error < 2.5e-2, `round-trip relative error ${error}`);
});

test('the DDIM round-trip error is first order in the step size', () => {
  const roundTrip = (steps: number) => {
    const ddim = new DdimScheduler(SD);
    ddim.setTimesteps(steps);
    const start = initLatent();
    let x: Float64Array = start;
    for (const t of ddim.timesteps) x = ddim.step(model(x, t), t, x).prevSample;
    for (const [t, tNext] of ddim.inversionTimesteps()) x = ddim.ddimInvertStep(model(x, tNext), t, tNext, x);
    return relError(x, start);
  };
  const [e50, e100, e200] = [roundTrip(50), roundTrip(100), roundTrip(200)];
  console.log(`# DDIM round trip: 50 steps ${e50.toExponential(3)}, 100 steps ${e100.toExponential(3)}, 200 steps ${e200.toExponential(3)}`);
  assert.ok(e100 < 0.6 * e50 && e200 < 0.6 * e100);
});

test('DDIM inversion with the exact epsilon inverts a DDIM step exactly', () => {
  const ddim = new DdimScheduler(SD);
  ddim.setTimesteps(50);
  const x = initLatent();
  const eps = model(x, 981);
  const prev = ddim.step(eps, 981, x).prevSample;
  close('inverted', ddim.ddimInvertStep(eps, 961, 981, prev), x, 1e-12);
});

test('the same seed gives identical bytes', () => {
  const a = new NoiseSource(42).normal(1024);
  const b = new NoiseSource(42).normal(1024);
  assert.deepEqual(Buffer.from(a.buffer), Buffer.from(b.buffer));
  assert.notDeepEqual(Buffer.from(new NoiseSource(43).normal(1024).buffer), Buffer.from(a.buffer));
  const sample = () => {
    const euler = new EulerAncestralScheduler(SD);
    const noise = new NoiseSource(7);
    euler.setTimesteps(10);
    let x: Float32Array = noise.normal(N).map((v) => v * euler.initNoiseSigma);
    for (const t of euler.timesteps) {
      const eps = euler.scaleModelInput(x, t).map((v) => 0.1 * v);
      x = euler.step(eps, t, x, { noise }).prevSample;
    }
    return Buffer.from(x.buffer);
  };
  assert.deepEqual(sample(), sample());
});

test('stochastic steps without noise say so; DDIM eta 0 needs none', () => {
  const ddpm = new DdpmScheduler(SD);
  ddpm.setTimesteps(10);
  const x = initLatent();
  assert.throws(() => ddpm.step(x, 901, x), /needs options\.noise/);
  const ddim = new DdimScheduler(SD);
  ddim.setTimesteps(10);
  assert.throws(() => ddim.step(x, 901, x, { eta: 0.5 }), /needs options\.noise/);
  assert.doesNotThrow(() => ddim.step(x, 901, x));
  assert.throws(() => new EulerAncestralScheduler(SD).step(x, 901, x), /setTimesteps/);
});

test('config errors name the file and the key', () => {
  const file = 'models/sd/scheduler/scheduler_config.json';
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ beta_schedule: 'sigmoid' }, /scheduler_config\.json: beta_schedule: 'sigmoid' is not supported/],
    [{ prediction_type: 'flow_prediction' }, /: prediction_type: 'flow_prediction' is not supported/],
    [{ timestep_spacing: 'karras' }, /: timestep_spacing: 'karras' is not supported/],
    [{ num_train_timesteps: 'many' }, /: num_train_timesteps: /],
    [{ clip_sample: 'yes' }, /: clip_sample: /],
    [{ algorithm_type: 'sde-dpmsolver++' }, /: algorithm_type: /],
    [{ use_karras_sigmas: true }, /: use_karras_sigmas: /],
    [{ thresholding: true }, /: thresholding: /],
    [{ solver_order: 3 }, /: solver_order: 3 is not supported/],
    [{ trained_betas: [0.1, 0.2] }, /: trained_betas: 2 betas/],
  ];
  for (const [extra, pattern] of bad) {
    assert.throws(
      () => parseSchedulerConfig({ ...SD_SCHEDULER_CONFIG, ...extra }, file),
      (error: Error) => error instanceof ModelLoadError && error.message.startsWith(file) && pattern.test(error.message),
      JSON.stringify(extra),
    );
  }
  // A PNDM config (SD 1.x's own) parses: unknown keys are ignored.
  const pndm = parseSchedulerConfig({ _class_name: 'PNDMScheduler', skip_prk_steps: true, steps_offset: 1, set_alpha_to_one: false }, file);
  assert.equal(pndm.className, 'PNDMScheduler');
  assert.equal(pndm.beta_schedule, 'scaled_linear');
});
