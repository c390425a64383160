// Scores a labelled instruction set against the parser: method family and key arguments per case.
import { familyOf } from '../../src/methods/catalogue.ts';
import { planFromInstruction, type PlanResult } from '../../src/plan/index.ts';
import type { PlanStep } from '../../src/plan/schema.ts';
import type { ArgExpectation, ExpectedStep, LabelledCase } from './instructions.ts';

const singular = (word: string) => word.replace(/(?<!s)s$/, '');

function actualArg(step: PlanStep, name: string): unknown {
  const params = step.params as Record<string, unknown>;
  if (name === 'ratio') return step.params.ratio ? `${step.params.ratio.width}:${step.params.ratio.height}` : undefined;
  return params[name];
}

function argMatches(step: PlanStep, name: string, expected: ArgExpectation): boolean {
  const actual = actualArg(step, name);
  if (name === 'regions') {
    const regions = step.params.regions ?? [];
    const wanted = String(expected).split(',');
    return (
      regions.length === wanted.length &&
      wanted.every((piece) => {
        const [word, region] = piece.split('@');
        return regions.some((r) => r.region === region && r.prompt.split(' ').some((w) => singular(w) === singular(word!)));
      })
    );
  }
  if (typeof expected === 'string') return typeof actual === 'string' && actual.toLowerCase() === expected;
  if (typeof expected === 'number') return actual === expected;
  if ('gt' in expected) return typeof actual === 'number' && actual > expected.gt;
  if ('lt' in expected) return typeof actual === 'number' && actual < expected.lt;
  if ('includes' in expected) return typeof actual === 'string' && actual.includes(expected.includes);
  if ('oneOf' in expected) return typeof actual === 'string' && expected.oneOf.includes(actual);
  const ratio = step.params.ratio;
  if ('wide' in expected) return !!ratio && ratio.width > ratio.height;
  if ('tall' in expected) return !!ratio && ratio.height > ratio.width;
  return false;
}

function familyMatches(step: PlanStep, expected: ExpectedStep): boolean {
  const families = Array.isArray(expected.family) ? expected.family : [expected.family];
  return families.includes(familyOf(step.method));
}

function methodMatches(step: PlanStep, expected: ExpectedStep): boolean {
  if (!expected.method) return familyMatches(step, expected);
  const methods = Array.isArray(expected.method) ? expected.method : [expected.method];
  return methods.includes(step.method);
}

export interface Score {
  family: boolean;
  method: boolean;
  args: boolean;
}

export function score(item: LabelledCase, result: PlanResult): Score {
  if ('clarify' in item.expect) {
    const ok = result.kind === 'clarify';
    return { family: ok, method: ok, args: ok };
  }
  if (result.kind !== 'plan' || result.plan.steps.length !== item.expect.steps.length) {
    return { family: false, method: false, args: false };
  }
  const pairs = item.expect.steps.map((expected, i) => [expected, result.plan.steps[i]!] as const);
  const family = pairs.every(([expected, step]) => familyMatches(step, expected));
  const method = pairs.every(([expected, step]) => methodMatches(step, expected));
  const args =
    family &&
    pairs.every(([expected, step]) =>
      Object.entries(expected.args ?? {}).every(([name, value]) => argMatches(step, name, value)),
    );
  return { family, method, args };
}

export function summarise(result: PlanResult): string {
  if (result.kind === 'clarify') return `clarify: ${result.question}`;
  return result.plan.steps.map((s) => `${s.method} ${JSON.stringify(s.params)}`).join(' | ');
}

export interface SetScore {
  n: number;
  family: number;
  method: number;
  args: number;
  misses: string[];
}

/** Runs every case through planFromInstruction and counts family, method and argument agreement. */
export function scoreSet(cases: LabelledCase[]): SetScore {
  let family = 0;
  let method = 0;
  let args = 0;
  const misses: string[] = [];
  for (const item of cases) {
    const result = planFromInstruction(item.text, {
      ...(item.caption ? { caption: item.caption } : {}),
      source: item.source ?? 'generated',
      ...(item.storedInversion ? { storedInversion: true } : {}),
    });
    const s = score(item, result);
    if (s.family) family++;
    if (s.method) method++;
    if (s.args) args++;
    if (!s.family || !s.args) {
      misses.push(`${JSON.stringify(item.text.slice(0, 80))} [${item.caption ?? '-'}] → ${summarise(result)}`);
    }
  }
  return { n: cases.length, family, method, args, misses };
}

export function report(name: string, s: SetScore): void {
  const pct = (k: number) => `${((100 * k) / s.n).toFixed(1)}%`;
  console.log(`${name}: ${s.n} instructions`);
  console.log(`method-family accuracy: ${s.family}/${s.n} = ${pct(s.family)}`);
  console.log(`key-argument accuracy:  ${s.args}/${s.n} = ${pct(s.args)}`);
  console.log(`exact-method agreement: ${s.method}/${s.n} = ${pct(s.method)} (informational)`);
  if (s.misses.length > 0) console.log(`misses:\n  ${s.misses.join('\n  ')}`);
}
