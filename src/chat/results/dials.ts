// Stronger / Weaker: the one knob of a plan that says how far its result moves, turned one notch.
// A drawing's knob is its guidance (how closely it follows the prompt); an edit's is what its step's
// method declares as its dial (src/methods/types.ts): its own strength, the injection fractions the
// studio derives from the step's strength, or a word's attention weight.
import { z } from 'zod';
import { GUIDANCE_DIAL } from '../../config/limits.ts';
import { findMethod, methodName, NEUTRAL_STRENGTH } from '../../methods/index.ts';
import { EditPlan, type PlanStep } from '../../plan/index.ts';

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

const STRENGTH_NOTCH = 0.1;
const WEIGHT_NOTCH = 0.5;

const round = (value: number) => Math.round(value * 100) / 100;

function withStep(plan: EditPlan, index: number, step: PlanStep): EditPlan {
  return EditPlan.parse({ ...plan, steps: plan.steps.map((s, i) => (i === index ? step : s)) });
}

/** A numeric parameter of the method's schema: its default and range. */
function declared(schema: z.ZodType, name: string): { default?: number; min: number; max: number } {
  const field = schema instanceof z.ZodObject ? (schema.shape[name] as z.ZodType | undefined) : undefined;
  // A defaulted field parses `undefined` to its default.
  const parsed = field?.safeParse(undefined);
  let inner: unknown = field;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap();
  const number = inner instanceof z.ZodNumber ? inner : undefined;
  return {
    ...(parsed?.success && typeof parsed.data === 'number' ? { default: parsed.data } : {}),
    min: number?.minValue ?? -Infinity,
    max: number?.maxValue ?? Infinity,
  };
}

function stepDial(plan: EditPlan, index: number): Dial | undefined {
  const step = plan.steps[index]!;
  const params = step.params;
  const setParams = (changes: Partial<PlanStep['params']>) => withStep(plan, index, { ...step, params: { ...params, ...changes } });
  const method = findMethod(step.method);
  switch (method?.dial?.kind) {
    case 'strength': {
      const strength = declared(method.params, 'strength');
      // SDEdit's t0 must stay above 0 (a strength of 0 would return the source unchanged).
      return { name: 'strength', value: params.strength ?? strength.default ?? NEUTRAL_STRENGTH, min: STRENGTH_NOTCH, max: Math.min(1, strength.max), notch: STRENGTH_NOTCH, increasing: true, set: (s) => setParams({ strength: s }) };
    }
    case 'injection':
      return { name: 'strength', value: params.strength ?? NEUTRAL_STRENGTH, min: 0, max: 1, notch: STRENGTH_NOTCH, increasing: true, set: (s) => setParams({ strength: s }) };
    case 'weight': {
      const weight = declared(method.params, 'weight');
      const value = params.weight ?? weight.default ?? 1;
      // More of a word: weights above 1 (up to the schema's maximum); less: below 1 (down to its minimum). 1 is no change.
      return value >= 1
        ? { name: 'weight', value, min: 1.1, max: weight.max, notch: WEIGHT_NOTCH, increasing: true, set: (w) => setParams({ weight: w }) }
        : { name: 'weight', value, min: weight.min, max: 0.9, notch: WEIGHT_NOTCH, increasing: false, set: (w) => setParams({ weight: w }) };
    }
    case undefined:
      return undefined;
  }
}

function dialOf(plan: EditPlan): Dial | undefined {
  if (plan.steps[0]?.edit === 'generate') {
    return { name: 'guidance', value: plan.output.guidance, ...GUIDANCE_DIAL, increasing: true, set: (guidance) => EditPlan.parse({ ...plan, output: { ...plan.output, guidance } }) };
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
