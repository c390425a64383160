// From an instruction (or intents) to an EditPlan, or to a clarifying question with choices.
import { readCaption, type Caption } from './caption.ts';
import type { Intent } from './intents.ts';
import { findMethod, methodName, type InversionMethod, type SchedulerKind } from '../methods/index.ts';
import { checkPlan, PlanRefused } from './check.ts';
import type { DrawnWith } from './redraw.ts';
import { parseInstruction } from './parse.ts';
import { DEFAULT_OUTPUT, EditPlan, PLAN_VERSION, type PlanStep, type SourceKind } from './schema.ts';
import { selectMethod, type SelectionContext } from './select.ts';
import { cleanInstruction, correctTowardCaption, safeWords, singular } from './text.ts';
import { fitPlanToWorld, fitToWorld } from './world.ts';

export interface PlanOptions {
  /** What the image shows: its prompt when we generated it, a caption when uploaded. */
  caption?: string;
  source?: SourceKind;
  /** An inversion of this image is stored and can be reused. */
  storedInversion?: boolean;
  imageId?: string;
  seed?: number;
  steps?: number;
  guidance?: number;
  /** The sampler of every step (one the steps' methods list); absent: their default. */
  scheduler?: SchedulerKind;
  /** The model to run on, by its catalog name (src/models/catalog.ts); absent: the deployment's default. */
  model?: string;
  /** The model draws only the procedural world (src/plan/world.ts): fit instructions to it, refuse what it can't draw. */
  world?: boolean;
  /** The object the conversation was last about (the previous edit's), which "it" then means. */
  focus?: string;
  /** How the bot drew the picture, when it did (an /imagine): a method that redraws from its own noise uses it. */
  drawnWith?: DrawnWith;
}

export interface Choice {
  /** A button's label. */
  label: string;
  plan: EditPlan;
}

export type PlanResult =
  | { kind: 'plan'; plan: EditPlan }
  | { kind: 'clarify'; question: string; choices: Choice[] };

const MAX_CHOICES = 5;

// Drawable by the shipped model, whose world is all a new user's first images come from.
const EXAMPLES = '“make the star blue”, “move the star to the top left”, “make it striped”, “put it on sand”, “make it wider”';

/** Reads a plain-English instruction into a plan, or a question when it is unclear. Never throws. */
export function planFromInstruction(text: unknown, options: PlanOptions = {}): PlanResult {
  try {
    return planOrAsk(text, options);
  } catch {
    return { kind: 'clarify', question: `Sorry, I couldn't read that. Try something like ${EXAMPLES}.`, choices: [] };
  }
}

function planOrAsk(text: unknown, options: PlanOptions): PlanResult {
  const clean = cleanInstruction(text);
  if (clean.problem === 'too_long') {
    return { kind: 'clarify', question: `That's longer than I can read. Please describe the change in a sentence or two, e.g. ${EXAMPLES}.`, choices: fallbackChoices(options) };
  }
  if (clean.problem) {
    return { kind: 'clarify', question: `What would you like to change? For example ${EXAMPLES}.`, choices: fallbackChoices(options) };
  }
  const captionRead = readCaption(options.caption);
  const nouns = captionRead ? [...captionRead.objects.map((o) => o.noun), ...(captionRead.background ? [captionRead.background] : [])] : [];
  const parsed = parseInstruction(correctTowardCaption(clean.text, nouns));
  if (parsed.intents.length === 0) {
    return { kind: 'clarify', question: `I'm not sure what to change. Could you say it another way, e.g. ${EXAMPLES}?`, choices: fallbackChoices(options) };
  }
  const result = planFromIntents(parsed.intents, options);
  if (result.kind === 'plan' && parsed.unparsed.length > 0) {
    const skipped = parsed.unparsed.map((p) => `“${safeWords(p, 40)}”`).filter((p) => p !== '“”').join(', ');
    return {
      kind: 'clarify',
      question: `I understood part of that, but not ${skipped || 'all of it'}. Should I go ahead with what I understood?`,
      choices: [{ label: 'Go ahead', plan: result.plan }],
    };
  }
  return result;
}

/** Turns intents into a plan, asking about the first one that is unclear. */
export function planFromIntents(intents: Intent[], options: PlanOptions = {}, depth = 0): PlanResult {
  const caption = readCaption(options.caption);
  const source: SourceKind = options.source ?? 'generated';
  const context: SelectionContext = { caption, source, introduced: new Set<string>(), ...(options.focus ? { focus: options.focus } : {}) };
  const steps: PlanStep[] = [];
  const reasons: string[] = [];
  for (let index = 0; index < intents.length; index++) {
    let intent = intents[index]!;
    if (options.world) {
      const fit = fitToWorld(intent, context.caption);
      if (fit.kind === 'ask') return askWithChoices(fit, intents, index, options, depth);
      intent = fit.intent;
    }
    const selection = selectMethod(intent, context);
    if (selection.kind === 'ask') return askWithChoices(selection, intents, index, options, depth);
    if (intent.kind === 'swap') context.introduced?.add(singular(intent.target.split(' ').at(-1)!));
    if (intent.kind === 'add') context.introduced?.add(singular(intent.object.split(' ').at(-1)!));
    steps.push(selection.step);
    // Later steps see the image as this step leaves it ("make it blue, then make it red").
    const rewritten = selection.step.params.prompt;
    if (context.caption && rewritten && (options.world || (['swap', 'attribute', 'add', 'remove'].includes(selection.step.edit) && selection.step.method !== 'masactrl'))) {
      context.caption = readCaption(rewritten) ?? context.caption;
    }
    reasons.push(selection.reason);
  }
  let plan: EditPlan;
  try {
    plan = assemblePlan(steps.slice(0, 8), reasons, options, caption);
  } catch (error) {
    if (error instanceof PlanRefused) return { kind: 'clarify', question: error.message, choices: [] };
    throw error;
  }
  if (!options.world) return { kind: 'plan', plan };
  const fitted = fitPlanToWorld(plan);
  return typeof fitted === 'string' ? { kind: 'clarify', question: fitted, choices: [] } : { kind: 'plan', plan: EditPlan.parse(fitted) };
}

/**
 * A question whose every choice is a whole plan. An alternative that would itself ask ("which one?"
 * and then "which corner?") offers its own choices under both labels, taken in turn across the
 * alternatives so each gets a button before any gets a second.
 */
function askWithChoices(ask: { question: string; alternatives: { label: string; intent: Intent }[] }, intents: Intent[], index: number, options: PlanOptions, depth: number): PlanResult {
  const perAlternative: Choice[][] = [];
  for (const alternative of depth > 2 ? [] : ask.alternatives) {
    const replaced = [...intents.slice(0, index), alternative.intent, ...intents.slice(index + 1)];
    const result = planFromIntents(replaced, options, depth + 1);
    perAlternative.push(
      result.kind === 'plan'
        ? [{ label: alternative.label, plan: result.plan }]
        : result.choices.map((choice) => ({ label: `${alternative.label}, ${choice.label}`, plan: choice.plan })),
    );
  }
  // Dealt one round at a time up to MAX_CHOICES, then shown grouped by alternative.
  const taken = perAlternative.map(() => 0);
  let dealt = 0;
  for (let round = 0; dealt < MAX_CHOICES && perAlternative.some((list) => list.length > round); round++) {
    for (const [i, list] of perAlternative.entries()) {
      if (round < list.length && dealt < MAX_CHOICES) {
        taken[i] = round + 1;
        dealt++;
      }
    }
  }
  const choices = perAlternative.flatMap((list, i) => list.slice(0, taken[i]));
  return { kind: 'clarify', question: ask.question, choices };
}

/**
 * The inversion the steps run with: the first choice of the first step's method that takes one,
 * when there is an image to invert.
 */
function plannedInversion(steps: PlanStep[], source: SourceKind): InversionMethod | 'none' {
  if (source === 'none') return 'none';
  for (const step of steps) {
    const first = findMethod(step.method)?.needs.inversion?.[0];
    if (first) return first;
  }
  return 'none';
}

/**
 * Steps, reasons and options as a whole plan: the inversion its methods run with, the output
 * settings, validated against every step's method (throws PlanRefused naming what is wrong).
 */
export function assemblePlan(steps: PlanStep[], reasons: string[], options: PlanOptions, caption?: Caption): EditPlan {
  const source: SourceKind = options.source ?? 'generated';
  const method = plannedInversion(steps, source);
  const inversion: EditPlan['inversion'] = { method, reuseStored: method !== 'none' && options.storedInversion === true };
  let inversionNote = '';
  if (source === 'uploaded' && method !== 'none') {
    inversionNote = options.storedInversion
      ? 'the stored inversion of your photo is reused'
      : method === 'invert.direct'
        ? 'your photo is first inverted with Direct Inversion, which pins the unedited branch to it'
        : `your photo is first inverted with ${methodName(method)}`;
  }
  const sentence = joinReasons(reasons);
  const reason = inversionNote ? `${sentence.replace(/\.$/, '')}; ${inversionNote}.` : sentence;
  const plan: EditPlan = {
    version: PLAN_VERSION,
    source: {
      kind: source,
      ...(caption ? { caption: caption.text } : {}),
      ...(options.imageId ? { imageId: options.imageId } : {}),
    },
    inversion,
    steps,
    output: {
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.scheduler !== undefined ? { scheduler: options.scheduler } : {}),
      steps: options.steps ?? DEFAULT_OUTPUT.steps,
      guidance: options.guidance ?? DEFAULT_OUTPUT.guidance,
      ...(options.model !== undefined ? { model: options.model } : {}),
    },
    reason: reason.length > 600 ? `${reason.slice(0, 597)}...` : reason,
  };
  return checkPlan(EditPlan.parse(plan));
}

function joinReasons(reasons: string[]): string {
  if (reasons.length === 1) return reasons[0]!;
  const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1).replace(/\.$/, '');
  return `First ${lower(reasons[0]!)}; ${reasons.slice(1).map((r, i) => `${i === reasons.length - 2 ? 'finally' : 'then'} ${lower(r)}`).join('; ')}.`;
}

/** Buttons offered when we understood nothing: things that work on any image. */
function fallbackChoices(options: PlanOptions): Choice[] {
  if ((options.source ?? 'generated') === 'none') return [];
  const result = planFromIntents([{ kind: 'variations', count: 4, amount: 'normal' }], options);
  return result.kind === 'plan' ? [{ label: 'Show 4 variations', plan: result.plan }] : [];
}
