import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ModelLoadError } from '../../models/weights.ts';

/** The beta schedules the schedulers implement (diffusers' `beta_schedule` names). */
export const BETA_SCHEDULES = ['scaled_linear', 'linear', 'squaredcos_cap_v2'] as const;
export const PREDICTION_TYPES = ['epsilon', 'v_prediction', 'sample'] as const;
export const TIMESTEP_SPACINGS = ['leading', 'trailing', 'linspace'] as const;
export const VARIANCE_TYPES = ['fixed_small', 'fixed_large'] as const;
export const SOLVER_TYPES = ['midpoint', 'heun'] as const;
export const FINAL_SIGMAS_TYPES = ['zero', 'sigma_min'] as const;

export type BetaSchedule = (typeof BETA_SCHEDULES)[number];
export type PredictionType = (typeof PREDICTION_TYPES)[number];
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];
export type VarianceType = (typeof VARIANCE_TYPES)[number];
export type SolverType = (typeof SOLVER_TYPES)[number];
export type FinalSigmasType = (typeof FINAL_SIGMAS_TYPES)[number];

/**
 * Keys whose diffusers default differs between scheduler classes are left `undefined` here and
 * resolved by each scheduler (see `resolveSpacing` / `resolveClipSample`). Unknown keys are kept
 * (a PNDM config carries `skip_prk_steps`, ...) and ignored.
 */
const schema = z.looseObject({
  _class_name: z.string().optional(),
  _diffusers_version: z.string().optional(),
  num_train_timesteps: z.number().int().positive().default(1000),
  beta_start: z.number().positive().default(0.00085),
  beta_end: z.number().positive().default(0.012),
  beta_schedule: z.string().default('scaled_linear'),
  trained_betas: z.array(z.number()).nullable().default(null),
  prediction_type: z.string().default('epsilon'),
  steps_offset: z.number().int().nonnegative().default(0),
  set_alpha_to_one: z.boolean().default(true),
  timestep_spacing: z.string().optional(),
  clip_sample: z.boolean().optional(),
  clip_sample_range: z.number().positive().default(1),
  thresholding: z.boolean().default(false),
  rescale_betas_zero_snr: z.boolean().default(false),
  variance_type: z.string().nullable().optional(),
  // DPM-Solver keys (diffusers' DPMSolverMultistepScheduler defaults).
  solver_order: z.number().int().positive().default(2),
  algorithm_type: z.string().default('dpmsolver++'),
  solver_type: z.string().default('midpoint'),
  lower_order_final: z.boolean().default(true),
  euler_at_final: z.boolean().default(false),
  final_sigmas_type: z.string().default('zero'),
  lambda_min_clipped: z.number().nullable().optional(),
  use_karras_sigmas: z.boolean().nullable().default(false),
  use_exponential_sigmas: z.boolean().nullable().default(false),
  use_beta_sigmas: z.boolean().nullable().default(false),
  use_lu_lambdas: z.boolean().nullable().default(false),
  use_flow_sigmas: z.boolean().nullable().default(false),
  timestep_type: z.string().default('discrete'),
  interpolation_type: z.string().default('linear'),
});

type Raw = z.infer<typeof schema>;

/** A diffusers `scheduler/scheduler_config.json`, validated, with defaults filled in. */
export interface SchedulerConfig {
  className: string | null;
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  trained_betas: number[] | null;
  prediction_type: PredictionType;
  steps_offset: number;
  set_alpha_to_one: boolean;
  /** `undefined`: the scheduler's own default (leading for DDIM/DDPM, linspace for Euler/DPM). */
  timestep_spacing: TimestepSpacing | undefined;
  /** `undefined`: the scheduler's own default (true for DDIM/DDPM, as diffusers). */
  clip_sample: boolean | undefined;
  clip_sample_range: number;
  variance_type: VarianceType;
  solver_order: 1 | 2;
  solver_type: SolverType;
  lower_order_final: boolean;
  euler_at_final: boolean;
  final_sigmas_type: FinalSigmasType;
  /** Where the config came from (used in error messages). */
  source: string;
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(root)';
}

function oneOf<T extends string>(source: string, key: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ModelLoadError(`${source}: ${key}: '${value}' is not supported (one of ${allowed.join(', ')})`);
}

/** The default config: Stable Diffusion 1.x's DDIM (`scaled_linear` 0.00085 → 0.012, offset 1, leading). */
export const SD_SCHEDULER_CONFIG = {
  _class_name: 'DDIMScheduler',
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  prediction_type: 'epsilon',
  steps_offset: 1,
  set_alpha_to_one: false,
  clip_sample: false,
  timestep_spacing: 'leading',
} as const;

/**
 * Validates a raw scheduler config object. `source` names the file in messages, e.g.
 * `models/sd/scheduler/scheduler_config.json: beta_schedule: 'sigmoid' is not supported (one of ...)`.
 */
export function parseSchedulerConfig(raw: unknown, source = 'scheduler/scheduler_config.json'): SchedulerConfig {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelLoadError(`${source}: ${issue ? `${keyPath(issue.path)}: ${issue.message}` : parsed.error.message}`);
  }
  const c: Raw = parsed.data;
  const fail = (key: string, message: string): never => {
    throw new ModelLoadError(`${source}: ${key}: ${message}`);
  };
  if (c.thresholding) fail('thresholding', 'dynamic thresholding is not supported');
  if (c.rescale_betas_zero_snr) fail('rescale_betas_zero_snr', 'zero-terminal-SNR rescaling is not supported');
  for (const key of ['use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas', 'use_lu_lambdas', 'use_flow_sigmas'] as const) {
    if (c[key]) fail(key, 'only the default sigma schedule is supported');
  }
  if (c.timestep_type !== 'discrete') fail('timestep_type', `'${c.timestep_type}' is not supported (only discrete)`);
  if (c.interpolation_type !== 'linear') fail('interpolation_type', `'${c.interpolation_type}' is not supported (only linear)`);
  if (c.lambda_min_clipped != null && Number.isFinite(c.lambda_min_clipped)) fail('lambda_min_clipped', 'clipping lambda is not supported');
  if (c.algorithm_type !== 'dpmsolver++') fail('algorithm_type', `'${c.algorithm_type}' is not supported (only dpmsolver++)`);
  if (c.solver_order !== 1 && c.solver_order !== 2) fail('solver_order', `${c.solver_order} is not supported (1 or 2)`);
  if (c.beta_end < c.beta_start) fail('beta_end', `${c.beta_end} is below beta_start ${c.beta_start}`);
  if (c.trained_betas) {
    if (c.trained_betas.length !== c.num_train_timesteps) {
      fail('trained_betas', `${c.trained_betas.length} betas for num_train_timesteps = ${c.num_train_timesteps}`);
    }
    c.trained_betas.forEach((b, i) => {
      if (!(b > 0 && b < 1)) fail(`trained_betas[${i}]`, `${b} is not in (0, 1)`);
    });
  }
  return {
    className: c._class_name ?? null,
    num_train_timesteps: c.num_train_timesteps,
    beta_start: c.beta_start,
    beta_end: c.beta_end,
    beta_schedule: oneOf(source, 'beta_schedule', c.beta_schedule, BETA_SCHEDULES),
    trained_betas: c.trained_betas,
    prediction_type: oneOf(source, 'prediction_type', c.prediction_type, PREDICTION_TYPES),
    steps_offset: c.steps_offset,
    set_alpha_to_one: c.set_alpha_to_one,
    timestep_spacing: c.timestep_spacing === undefined ? undefined : oneOf(source, 'timestep_spacing', c.timestep_spacing, TIMESTEP_SPACINGS),
    clip_sample: c.clip_sample,
    clip_sample_range: c.clip_sample_range,
    variance_type: c.variance_type == null ? 'fixed_small' : oneOf(source, 'variance_type', c.variance_type, VARIANCE_TYPES),
    solver_order: c.solver_order as 1 | 2,
    solver_type: oneOf(source, 'solver_type', c.solver_type, SOLVER_TYPES),
    lower_order_final: c.lower_order_final,
    euler_at_final: c.euler_at_final,
    final_sigmas_type: oneOf(source, 'final_sigmas_type', c.final_sigmas_type, FINAL_SIGMAS_TYPES),
    source,
  };
}

/** Reads and validates a `scheduler_config.json` file; errors name the file. */
export function loadSchedulerConfig(path: string): SchedulerConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelLoadError(`${path}: cannot read scheduler config: ${(error as Error).message}`);
  }
  return parseSchedulerConfig(raw, path);
}
