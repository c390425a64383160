// Slash-command options map straight onto plans: `/imagine prompt:…` and
// `/edit method:… strength:… source:… target:…` (or `/edit instruction:…`, which is parsed).
import { z } from 'zod';
import { readCaption } from './caption.ts';
import { familyOf, findMethod, isAvailable, isMethodId, methodName, SCHEDULER_KINDS, type MethodId, type SchedulerKind } from '../methods/index.ts';
import { PlanRefused } from './check.ts';
import { assemblePlan, planFromInstruction, type PlanOptions, type PlanResult } from './plan.ts';
import { readDirection, readRegion } from './positions.ts';
import { redrawnPlan } from './redraw.ts';
import { EditPlan, StepParams, type EditKind, type PlanStep } from './schema.ts';
import { fitPlanToWorld } from './world.ts';
import { safeWords, stripMarkup } from './text.ts';
import { GUIDANCE, PROMPT_MAX_CHARS, SEED, STEPS } from '../config/limits.ts';

export type SlashCommand = 'edit' | 'imagine';
export type SlashOptions = Record<string, string | number | boolean | undefined>;

const text = (max = 200) =>
  z
    .string()
    .transform((value) => stripMarkup(value).slice(0, max).trim())
    .pipe(z.string().min(1));
const unit = z.coerce.number().min(0).max(1);

const ImagineOptions = z.object({
  prompt: text(PROMPT_MAX_CHARS),
  negative: text(PROMPT_MAX_CHARS).optional(),
  seed: z.coerce.number().int().min(SEED.min).max(SEED.max).optional(),
  steps: z.coerce.number().int().min(STEPS.min).max(STEPS.max).optional(),
  guidance: z.coerce.number().min(GUIDANCE.min).max(GUIDANCE.max).optional(),
  ratio: z.string().regex(/^\d{1,2}:\d{1,2}$/).optional(),
});

const EditOptions = z.object({
  method: z.string().optional(),
  instruction: text(1000).optional(),
  strength: unit.optional(),
  source: text(60).optional(),
  target: text(120).optional(),
  word: text(60).optional(),
  token: text(60).optional(),
  weight: z.coerce.number().min(-2).max(5).optional(),
  mask: text(60).optional(),
  region: z.string().optional(),
  direction: z.string().optional(),
  style: text(60).optional(),
  action: text(60).optional(),
  ratio: z.string().regex(/^\d{1,2}:\d{1,2}$/).optional(),
  count: z.coerce.number().int().min(1).max(16).optional(),
  prompt: text(PROMPT_MAX_CHARS).optional(),
  caption: text(PROMPT_MAX_CHARS).optional(),
  seed: z.coerce.number().int().min(SEED.min).max(SEED.max).optional(),
  steps: z.coerce.number().int().min(STEPS.min).max(STEPS.max).optional(),
  guidance: z.coerce.number().min(GUIDANCE.min).max(GUIDANCE.max).optional(),
  scheduler: z.enum(SCHEDULER_KINDS as [string, ...string[]]).optional(),
});

/** The edit kind of a method chosen by hand: its own, or 'custom' for one not available yet. */
function editOfMethod(method: MethodId): EditKind {
  return findMethod(method)?.edit ?? 'custom';
}

function ratioOf(value: string | undefined) {
  if (!value) return undefined;
  const [w, h] = value.split(':').map(Number);
  if (!w || !h || w > 16 || h > 16) return undefined;
  return { width: w, height: h };
}

/** Maps a slash command's options onto a plan; invalid options become a question, never a throw. */
export function planFromSlashOptions(command: SlashCommand, options: SlashOptions, context: PlanOptions = {}): PlanResult {
  try {
    return command === 'imagine' ? imagine(options, context) : edit(options, context);
  } catch (error) {
    if (error instanceof PlanRefused) return { kind: 'clarify', question: error.message, choices: [] };
    return { kind: 'clarify', question: 'Sorry, I could not read those options.', choices: [] };
  }
}

/** Each bad option by name, with the value given and what it may be. */
function problem(error: z.ZodError, raw: SlashOptions): PlanResult {
  const described = new Map<string, string>();
  for (const issue of error.issues) {
    const field = safeWords(String(issue.path[0] ?? 'option'), 30);
    if (described.has(field)) continue;
    const given = raw[String(issue.path[0])];
    const shown = typeof given === 'string' ? `"${safeWords(given, 40)}"` : String(given);
    const allowed =
      issue.code === 'too_big' ? `at most ${String(issue.maximum)}`
      : issue.code === 'too_small' ? (typeof given === 'string' ? 'some words (emoji, code and formatting are left out)' : `at least ${String(issue.minimum)}`)
      : issue.code === 'invalid_format' ? 'like 2:1 (width:height)'
      : issue.code === 'invalid_value' ? `one of ${issue.values.map(String).join(', ')}`
      : 'a valid value';
    described.set(field, `${field} must be ${allowed}, not ${shown}`);
  }
  return { kind: 'clarify', question: `${[...described.values()].join('; ')}.`, choices: [] };
}

function imagine(raw: SlashOptions, context: PlanOptions): PlanResult {
  const parsed = ImagineOptions.safeParse(raw);
  if (!parsed.success) return problem(parsed.error, raw);
  const o = parsed.data;
  const ratio = ratioOf(o.ratio);
  const wide = ratio && ratio.width !== ratio.height;
  const step: PlanStep = {
    edit: 'generate',
    method: wide ? 'multidiffusion' : 'sample.ddim',
    params: StepParams.parse({ prompt: o.prompt, ...(o.negative ? { negativePrompt: o.negative } : {}), ...(wide ? { ratio } : {}) }),
  };
  const reason = wide
    ? `Drawing a ${ratio.width}:${ratio.height} picture with MultiDiffusion, which draws overlapping squares and blends them, so any width works.`
    : 'Drawing a new picture from your prompt.';
  const plan = assemblePlan([step], [reason], {
    ...context,
    source: 'none',
    caption: undefined,
    seed: o.seed ?? context.seed,
    steps: o.steps ?? context.steps,
    guidance: o.guidance ?? context.guidance,
  });
  return { kind: 'plan', plan };
}

function edit(raw: SlashOptions, context: PlanOptions): PlanResult {
  const parsed = EditOptions.safeParse(raw);
  if (!parsed.success) return problem(parsed.error, raw);
  const o = parsed.data;
  const options: PlanOptions = {
    ...context,
    caption: o.caption ?? context.caption,
    seed: o.seed ?? context.seed,
    steps: o.steps ?? context.steps,
    guidance: o.guidance ?? context.guidance,
    ...(o.scheduler ? { scheduler: o.scheduler as SchedulerKind } : {}),
  };
  if (o.method !== undefined && !isMethodId(o.method)) {
    return { kind: 'clarify', question: `method must be an editing method (/help edit lists them), not "${safeWords(o.method, 40)}".`, choices: [] };
  }
  const method = o.method as MethodId | undefined;
  if (!method) {
    if (!o.instruction) return { kind: 'clarify', question: 'Tell me what to change (instruction:…) or pick a method (method:…).', choices: [] };
    return planFromInstruction(o.instruction, options);
  }
  if (familyOf(method) === 'inversion' || familyOf(method) === 'sampler') {
    return { kind: 'clarify', question: `${method} isn't an edit by itself; pick an editing method such as p2p.replace or sdedit.`, choices: [] };
  }
  // With an instruction, parse it and run its first step with the chosen method.
  if (o.instruction) {
    const result = planFromInstruction(o.instruction, options);
    if (result.kind !== 'plan') return result;
    const [first, ...rest] = result.plan.steps;
    const steps = [{ ...first!, method, params: StepParams.parse({ ...first!.params, ...explicitParams(o) }) }, ...rest];
    // The planner's reason describes the method it chose; for another one it would misname it.
    const reason = first!.method === method ? `${chosenReason(method)} ${result.plan.reason}` : chosenReason(method, o.instruction);
    const plan = assemblePlan(steps, [reason], options, readCaption(options.caption));
    return { kind: 'plan', plan: redrawnPlan(plan, options.drawnWith) };
  }
  const edit = editOfMethod(method);
  const explicit = explicitParams(o);
  // A move's target: names the object it moves.
  const params = StepParams.parse({ ...explicit, ...(edit === 'move' && explicit.target ? { object: explicit.target } : {}) });
  const plan = assemblePlan([{ edit, method, params }], [chosenReason(method)], options, readCaption(options.caption));
  if (!options.world || edit !== 'move') return { kind: 'plan', plan: redrawnPlan(plan, options.drawnWith) };
  // On a model of the world, the caption the move leaves is what the read-back checks it against.
  const fitted = fitPlanToWorld(plan);
  return typeof fitted === 'string' ? { kind: 'clarify', question: fitted, choices: [] } : { kind: 'plan', plan: redrawnPlan(EditPlan.parse(fitted), options.drawnWith) };
}

function chosenReason(method: MethodId, instruction?: string): string {
  const what = instruction ? ` for “${safeWords(instruction, 120)}”` : '';
  return `Running ${methodName(method)} (${method})${what} as you asked${isAvailable(method) ? '' : ', which is not available yet'}.`;
}

function explicitParams(o: z.infer<typeof EditOptions>) {
  const region = o.region ? readRegion(o.region.toLowerCase().replace(/_/g, ' ')) : undefined;
  const direction = o.direction ? readDirection(o.direction.toLowerCase()) : undefined;
  const ratio = ratioOf(o.ratio);
  const words = (value: string | undefined) => (value ? safeWords(value, 120) || undefined : undefined);
  return Object.fromEntries(
    Object.entries({
      strength: o.strength,
      source: words(o.source),
      target: words(o.target),
      word: words(o.word),
      token: words(o.token),
      weight: o.weight,
      mask: o.mask ? { kind: 'word', word: words(o.mask) ?? 'subject' } : region ? { kind: 'region', region } : undefined,
      region,
      direction,
      style: words(o.style),
      action: words(o.action),
      ratio,
      count: o.count,
      prompt: o.prompt,
    }).filter(([, v]) => v !== undefined),
  );
}
