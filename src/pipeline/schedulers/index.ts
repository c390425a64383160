export {
  BETA_SCHEDULES,
  loadSchedulerConfig,
  parseSchedulerConfig,
  PREDICTION_TYPES,
  SD_SCHEDULER_CONFIG,
  TIMESTEP_SPACINGS,
  type BetaSchedule,
  type PredictionType,
  type SchedulerConfig,
  type TimestepSpacing,
} from './config.ts';
export { NoiseSource, type Latent } from './noise.ts';
export {
  Scheduler,
  strengthStart,
  type SchedulerKind,
  type StepOptions,
  type StepResult,
  type StrengthSchedule,
} from './base.ts';
export { DdimScheduler, type DdimOptions, type DdimStepOptions } from './ddim.ts';
export { DdpmScheduler } from './ddpm.ts';
export { EulerAncestralScheduler } from './euler-ancestral.ts';
export { DpmSolverMultistepScheduler } from './dpm-solver.ts';
export { classifierFreeGuidance, guide, rescaleGuidance, type GuidanceOptions } from './guidance.ts';

import type { SchedulerKind, Scheduler } from './base.ts';
import type { SchedulerConfig } from './config.ts';
import { DdimScheduler } from './ddim.ts';
import { DdpmScheduler } from './ddpm.ts';
import { DpmSolverMultistepScheduler } from './dpm-solver.ts';
import { EulerAncestralScheduler } from './euler-ancestral.ts';

export const SCHEDULER_KINDS: readonly SchedulerKind[] = ['ddim', 'ddpm', 'euler_a', 'dpmpp2m'];

/** The METHODS.md foundation id (`sample.ddim`, …) and the name in replies of each scheduler kind. */
export const SCHEDULER_IDS: Record<SchedulerKind, { id: string; name: string }> = {
  ddim: { id: 'sample.ddim', name: 'DDIM sampling' },
  ddpm: { id: 'sample.ddpm', name: 'DDPM sampling' },
  euler_a: { id: 'sample.euler', name: 'Euler ancestral sampling' },
  dpmpp2m: { id: 'sample.dpmpp2m', name: 'DPM-Solver++ 2M sampling' },
};

const CLASS_KINDS: Record<string, SchedulerKind> = {
  DDIMScheduler: 'ddim',
  DDPMScheduler: 'ddpm',
  EulerAncestralDiscreteScheduler: 'euler_a',
  DPMSolverMultistepScheduler: 'dpmpp2m',
};

/** The kind a config's `_class_name` names, or null for classes not implemented here (PNDM, LMS, ...). */
export function schedulerKindForClass(className: string | null | undefined): SchedulerKind | null {
  return className ? (CLASS_KINDS[className] ?? null) : null;
}

/**
 * A scheduler of `kind` over a model's training schedule (any diffusers scheduler config works: the
 * betas, prediction type and spacing are what matter). Without a kind, the config's own class
 * decides, falling back to DDIM.
 */
export function createScheduler(config: SchedulerConfig, kind?: SchedulerKind, options: { eta?: number } = {}): Scheduler {
  switch (kind ?? schedulerKindForClass(config.className) ?? 'ddim') {
    case 'ddim':
      return new DdimScheduler(config, options);
    case 'ddpm':
      return new DdpmScheduler(config);
    case 'euler_a':
      return new EulerAncestralScheduler(config);
    case 'dpmpp2m':
      return new DpmSolverMultistepScheduler(config);
  }
}
