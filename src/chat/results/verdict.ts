// What a result's reply may claim. Where the worker read its result back (the shipped model), the
// reply says what the read-back found: done, done with other changes, or not done (the closest
// attempt shown as failed), with the ways tried. Where nothing was read back (other models), it
// says what the method is designed to do and that the result was not checked.
import { methodName, type MethodId } from '../../methods/index.ts';
import type { EditPlan } from '../../plan/index.ts';
import type { Change } from '../../reading/index.ts';
import type { CheckReport, StepReport, TryReport } from '../../studio/checked.ts';
import type { DrawingReport } from '../../studio/generate.ts';

export type Verdict = 'done' | 'partly' | 'failed' | 'unchecked';

/** The one word a result is shown under; `failed` results are labelled so wherever they appear. */
export function verdictOf(report: CheckReport | undefined): Verdict {
  if (!report || report.steps.some((s) => !s.checked)) return 'unchecked';
  if (report.skipped > 0 || report.steps.some((s) => !s.done)) return 'failed';
  return report.steps.every((s) => s.kept) ? 'done' : 'partly';
}

const list = (items: string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
const fact = (change: Change) => `${change.subject} is ${change.value === 'gone' ? 'gone' : `now ${change.value}`}`;
const wish = (change: Change) => (change.value === 'gone' ? `remove ${change.subject}` : /^an? /.test(change.subject) ? `add ${change.subject} ${change.value}` : `make ${change.subject} ${change.value}`);
const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
const name = (id: string) => methodName(id as MethodId);

function tryLine(t: TryReport, index: number): string {
  const how = `${index === 0 ? 'first' : index === 1 ? 'second' : 'third'} try (${name(t.method)}${t.seed ? `, seed ${t.seed}` : ''})`;
  if (t.done && t.kept) return `the ${how} read back right`;
  return `the ${how}: ${t.problems.join('; ') || 'did not read back right'}`;
}

/** The retries of a step, when there were any: which tries failed and why. */
function triesLine(step: StepReport): string | undefined {
  if (step.tries.length < 2) return undefined;
  return `${sentence(list(step.tries.map(tryLine)))}.`;
}

/** The lines an edit's reply says about its outcome (after the plan's reason). */
export function outcomeLines(plan: EditPlan, report: CheckReport | undefined): string[] {
  const verdict = verdictOf(report);
  if (verdict === 'unchecked' || !report) {
    const methods = [...new Set(plan.steps.map((s) => name(s.method)))].join(', then ');
    return [`Made with ${methods}. This model's pictures can't be read back, so I haven't checked the result: the plan above says what the method is designed to do, not what it achieved.`];
  }
  const asked = report.steps.flatMap((s) => s.asked);
  const tries = report.steps.map(triesLine).filter((line): line is string => line !== undefined);
  switch (verdict) {
    case 'done':
      return [`✅ Done, and checked by reading the picture back: ${list(asked.map(fact))}; everything else reads as before.`, ...tries];
    case 'partly': {
      const other = report.steps.flatMap((s) => s.problems);
      return [`⚠️ Partly: reading the picture back, ${list(asked.map(fact))}, but something else changed too: ${list(other)}.`, ...tries];
    }
    case 'failed': {
      const failed = report.steps.find((s) => !s.done)!;
      const lines = [
        `❌ Not done: I couldn't ${list(failed.asked.map(wish))}. After ${failed.tries.length} tr${failed.tries.length === 1 ? 'y' : 'ies'}, the closest attempt is shown below as a failed attempt: ${list(failed.problems)}.`,
        ...tries,
      ];
      if (report.skipped > 0) lines.push(`The rest of your request (${report.skipped} more step${report.skipped === 1 ? '' : 's'}) was not attempted, since it builds on this one.`);
      lines.push('You could try saying it another way, or go back with **Undo**.');
      return lines;
    }
  }
}

/** The labels of a before/after pair: a failed attempt is never shown as an "after". */
export function afterLabel(report: CheckReport | undefined): string {
  return verdictOf(report) === 'failed' ? 'failed attempt' : 'after';
}

/** What a drawing's reply says about the read-back: nothing on a model without one. */
export function drawingLines(report: DrawingReport | undefined): string[] {
  if (!report) return [];
  const redrawn = report.tries.slice(0, -1).filter((t) => t.problems.length > 0);
  const earlier = redrawn.length
    ? ` I drew it ${report.tries.length} times: ${list(report.tries.filter((t) => t.problems.length).map((t) => `seed ${t.seed}: ${list(t.problems)}`))}.`
    : '';
  const lines = report.drawnFrom ? [`Drawn from “${report.drawnFrom}”: this model draws whole captions of its world best, so what your prompt left open was chosen.`] : [];
  if (report.done) return [...lines, `✅ Checked by reading the picture back: it shows what the prompt names.${earlier ? `${earlier} This is seed ${report.tries.find((t) => t.problems.length === 0)?.seed}.` : ''}`];
  return [...lines, `⚠️ Not quite: reading the picture back, ${list(report.problems)}. This is the closest of ${report.tries.length} drawings.${earlier} This model may not draw that reliably yet.`];
}
