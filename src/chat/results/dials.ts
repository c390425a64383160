// Stronger / Weaker: the one knob of a plan that says how far its result moves, turned one notch.
// A drawing's knob is its guidance (how closely it follows the prompt); an edit's is its step's
// strength (SDEdit's and DiffEdit's own, or the injection fractions the studio derives from it for
// Prompt-to-Prompt, Plug-and-Play and Free-Prompt-Editing), or Prompt-to-Prompt reweighting's weight.
import { z } from 'zod';
import { findMethod } from '../../methods/index.ts';
import { EditPlan, type PlanStep } from '../../plan/index.ts';
import { methodName } from '../../plan/methods.ts';
import { NEUTRAL_STRENGTH, strengthIsMapped } from '../../studio/strength.ts';

export type Direction = 'stronger' | 'weaker';

interface Dial {
  /** The knob as the reply names it. */
  name: string;
  value: number;
  min: number;
  max: number;
  notch: number;
  /** A larger value is a stronger result (false for "less of a word", where stronger is lower). */
  increasing: boolean;
  /** The plan with the knob at `value`. */
  set(value: number): EditPlan;
}

export type Turn =
  | { kind: 'turned'; plan: EditPlan; name: string; from: number; to: number }
  | { kind: 'at-end'; message: string }
  | { kind: 'no-dial'; message: string };

const GUIDANCE = { min: 1, max: 20, notch: 2.5 };
const STRENGTH_NOTCH = 0.1;
const WEIGHT_NOTCH = 0.5;

const round = (value: number) => Math.round(value * 100) / 100;

function withStep(plan: EditPlan, index: number, step: PlanStep): EditPlan {
  return EditPlan.parse({ ...plan, steps: plan.steps.map((s, i) => (i === index ? step : s)) });
}

/** The schema default of a method's own `strength` (SDEdit 0.5, DiffEdit 0.8). */
function declaredStrengthDefault(step: PlanStep): number | undefined {
  const method = findMethod(step.method);
  const field = method?.params instanceof z.ZodObject ? (method.params.shape.strength as z.ZodType | undefined) : undefined;
  // A defaulted field parses `undefined` to its default.
  const parsed = field?.safeParse(undefined);
  return parsed?.success && typeof parsed.data === 'number' ? parsed.data : undefined;
}

function stepDial(plan: EditPlan, index: number): Dial | undefined {
  const step = plan.steps[index]!;
  const params = step.params;
  const setParams = (changes: Partial<PlanStep['params']>) => withStep(plan, index, { ...step, params: { ...params, ...changes } });
  const declared = declaredStrengthDefault(step);
  if (declared !== undefined) {
    // SDEdit's t0 must stay above 0 (a strength of 0 would return the source unchanged).
    return { name: 'strength', value: params.strength ?? declared, min: STRENGTH_NOTCH, max: 1, notch: STRENGTH_NOTCH, increasing: true, set: (strength) => setParams({ strength }) };
  }
  if (strengthIsMapped(step.method)) {
    return { name: 'strength', value: params.strength ?? NEUTRAL_STRENGTH, min: 0, max: 1, notch: STRENGTH_NOTCH, increasing: true, set: (strength) => setParams({ strength }) };
  }
  if (step.method === 'p2p.reweight') {
    const weight = params.weight ?? 2;
    // More of a word: weights above 1 (up to the schema's 5); less: below 1 (down to −2). 1 is no change.
    const more = weight >= 1;
    return more
      ? { name: 'weight', value: weight, min: 1.1, max: 5, notch: WEIGHT_NOTCH, increasing: true, set: (w) => setParams({ weight: w }) }
      : { name: 'weight', value: weight, min: -2, max: 0.9, notch: WEIGHT_NOTCH, increasing: false, set: (w) => setParams({ weight: w }) };
  }
  return undefined;
}

function dialOf(plan: EditPlan): Dial | undefined {
  if (plan.steps[0]?.edit === 'generate') {
    return { name: 'guidance', value: plan.output.guidance, ...GUIDANCE, increasing: true, set: (guidance) => EditPlan.parse({ ...plan, output: { ...plan.output, guidance } }) };
  }
  for (let index = 0; index < plan.steps.length; index++) {
    const dial = stepDial(plan, index);
    if (dial) return dial;
  }
  return undefined;
}

/** Whether Stronger / Weaker can do anything for this plan. */
export function hasDial(plan: EditPlan): boolean {
  return dialOf(plan) !== undefined;
}

/** The plan one notch stronger or weaker, or why not. */
export function turnDial(plan: EditPlan, direction: Direction): Turn {
  const dial = dialOf(plan);
  const method = plan.steps.map((s) => `${methodName(s.method)} (\`${s.method}\`)`).join(', ');
  if (!dial) return { kind: 'no-dial', message: `This result was made with ${method}, which has no strength to turn up or down. Try another method instead.` };
  const up = (direction === 'stronger') === dial.increasing;
  const to = round(Math.min(dial.max, Math.max(dial.min, dial.value + (up ? dial.notch : -dial.notch))));
  const moved = up ? to > dial.value : to < dial.value;
  if (!moved) {
    const end = direction === 'stronger' ? 'as strong' : 'as gentle';
    return { kind: 'at-end', message: `This result is already ${end} as ${method} goes: its ${dial.name} is ${round(dial.value)}, the end of the range ${dial.min} to ${dial.max}.` };
  }
  const turned = dial.set(to);
  // The reason said how the edit was set up; it now also says what was turned (only the last turn).
  const note = ` (${direction === 'stronger' ? 'Stronger' : 'Weaker'}: ${dial.name} ${round(dial.value)} → ${to}.)`;
  const reason = `${turned.reason.replace(/ \((?:Stronger|Weaker): [^)]*\)$/, '').slice(0, 600 - note.length)}${note}`;
  return { kind: 'turned', plan: { ...turned, reason }, name: dial.name, from: round(dial.value), to };
}
