// The EditPlan: what an edit will do, stored with every edit. Objects are strict so a stored plan
// never carries fields a later reader doesn't know; any change of meaning bumps `version`.
import { z } from 'zod';
import { GRID_CELLS } from '../methods/shared/grid.ts';
import { EDIT_KINDS, INVERSION_METHODS, METHOD_IDS, SCHEDULER_KINDS, type InversionMethod, type MethodId, type SchedulerKind } from '../methods/index.ts';
import { GUIDANCE, PROMPT_MAX_CHARS, SEED, STEPS } from '../config/limits.ts';
import { MODEL_NAME } from '../models/catalog.ts';

export const PLAN_VERSION = 1;

/** The 3×3 grid of the canvas. */
export const REGIONS = GRID_CELLS;
export const Region = z.enum(REGIONS);
export type Region = z.infer<typeof Region>;

export const DIRECTIONS = ['left', 'right', 'up', 'down'] as const;
export const Direction = z.enum(DIRECTIONS);
export type Direction = z.infer<typeof Direction>;

export const EditKind = z.enum(EDIT_KINDS);
export type EditKind = z.infer<typeof EditKind>;

export const ATTRIBUTES = ['color', 'size', 'texture', 'material', 'background', 'adjective'] as const;
export const Attribute = z.enum(ATTRIBUTES);
export type Attribute = z.infer<typeof Attribute>;

/** Plain words only: plans are shown to people and fed to tokenizers. */
const Words = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[\p{L}\p{N} ,.'&:-]+$/u, 'letters, digits and simple punctuation only');

export const Method = z.custom<MethodId>(
  (value) => typeof value === 'string' && (METHOD_IDS as string[]).includes(value),
  { message: 'not a method id from METHODS.md' },
);

export const Mask = z.discriminatedUnion('kind', [
  /** From the cross-attention (or a segmenter) of a word; `invert` keeps the word, changes the rest. */
  z.strictObject({ kind: z.literal('word'), word: Words, invert: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('region'), region: Region }),
]);
export type Mask = z.infer<typeof Mask>;

export const RegionPrompt = z.strictObject({ prompt: Words, region: Region });
export type RegionPrompt = z.infer<typeof RegionPrompt>;

export const Ratio = z.strictObject({
  width: z.number().int().min(1).max(16),
  height: z.number().int().min(1).max(16),
});
export type Ratio = z.infer<typeof Ratio>;

/** Every parameter any step may carry; which ones a step uses depends on its method. */
export const StepParams = z.strictObject({
  /** What the edit acts on ("cat"), as the image's caption names it when it does. */
  object: Words.optional(),
  /** The words of the source prompt that change (a swap's "cat", a colour's "red"). */
  source: Words.optional(),
  /** What they become ("tiger", "blue"), or the phrase added. */
  target: Words.optional(),
  attribute: Attribute.optional(),
  /** What a relative placement is relative to ("next to the sofa"). */
  anchor: Words.optional(),
  /** The prompt token whose attention is reweighted (p2p.reweight). */
  token: Words.optional(),
  /** The word whose attention gives the mask of what is removed. */
  word: Words.optional(),
  /** P2P reweighting factor c (1 = unchanged). */
  weight: z.number().min(-2).max(5).optional(),
  /** Local-blend words (p2p.local). */
  localWords: z.array(Words).max(8).optional(),
  mask: Mask.optional(),
  region: Region.optional(),
  direction: Direction.optional(),
  /** How far a move goes, as a fraction of the canvas. */
  distance: z.number().min(0).max(1).optional(),
  style: Words.optional(),
  action: Words.optional(),
  ratio: Ratio.optional(),
  /** Which side a wider / taller canvas grows on. */
  extend: z.enum(['horizontal', 'vertical', 'left', 'right', 'up', 'down']).optional(),
  regions: z.array(RegionPrompt).min(1).max(9).optional(),
  /** How far the edit may move from the source, 0..1 (SDEdit's t0, PnP's injection, …). */
  strength: z.number().min(0).max(1).optional(),
  count: z.number().int().min(1).max(16).optional(),
  /** The whole target prompt, when it can be written from the caption. */
  prompt: z.string().min(1).max(PROMPT_MAX_CHARS).optional(),
  negativePrompt: z.string().min(1).max(PROMPT_MAX_CHARS).optional(),
});
export type StepParams = z.infer<typeof StepParams>;

export const PlanStep = z.strictObject({
  edit: EditKind,
  method: Method,
  params: StepParams,
});
export type PlanStep = z.infer<typeof PlanStep>;

export const SourceKind = z.enum(['generated', 'uploaded', 'none']);
export type SourceKind = z.infer<typeof SourceKind>;

export const EditPlan = z.strictObject({
  version: z.literal(PLAN_VERSION),
  source: z.strictObject({
    /** `generated`: we know its prompt and seed; `uploaded`: a photo; `none`: a new image. */
    kind: SourceKind,
    /** What the image shows: its prompt when generated, a caption when uploaded. */
    caption: z.string().max(PROMPT_MAX_CHARS).optional(),
    imageId: z.string().max(200).optional(),
  }),
  inversion: z.strictObject({
    method: z.union([z.literal('none'), z.custom<InversionMethod>((value) => (INVERSION_METHODS as readonly unknown[]).includes(value), { message: 'not an inversion id' })]),
    /** Reuse the inversion stored for this image instead of computing it again. */
    reuseStored: z.boolean(),
  }),
  steps: z.array(PlanStep).min(1).max(8),
  output: z.strictObject({
    seed: z.number().int().min(SEED.min).max(SEED.max).optional(),
    /** The sampler of every step; absent: each method's default (DDIM). */
    scheduler: z.custom<SchedulerKind>((value) => (SCHEDULER_KINDS as readonly unknown[]).includes(value), { message: 'not a scheduler' }).optional(),
    steps: z.number().int().min(STEPS.min).max(STEPS.max),
    guidance: z.number().min(GUIDANCE.min).max(GUIDANCE.max),
    /** The model by its catalog name; absent: the deployment's default. */
    model: z.string().regex(MODEL_NAME).optional(),
  }),
  /** One sentence for the user: what will happen and why this method. */
  reason: z.string().min(1).max(600),
});
export type EditPlan = z.infer<typeof EditPlan>;

export const DEFAULT_OUTPUT = { steps: STEPS.default, guidance: GUIDANCE.default } as const;

/** Parses a stored plan; throws a ZodError when it isn't a valid version-1 plan. */
export function parsePlan(value: unknown): EditPlan {
  return EditPlan.parse(value);
}
