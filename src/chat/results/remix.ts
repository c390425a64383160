// Remix: a gallery entry's plan carried over to another image. A plan's prompts are written for its
// own image ("a large red star …" → "a large blue star …"), so each step's change is read as a
// word-level difference from the caption it started from (red → blue, or words appended) and made
// again on the new image's caption. A change whose words the new image doesn't have can't apply.
import { mentions, readCaption } from '../../plan/caption.ts';
import { PlanRefused } from '../../plan/check.ts';
import { assemblePlan } from '../../plan/plan.ts';
import type { EditPlan, PlanStep } from '../../plan/index.ts';

export type Retargeted = { kind: 'plan'; plan: EditPlan } | { kind: 'refused'; reason: string };

const tokens = (text: string) => text.replace(/,/g, ' , ').split(/\s+/).filter((t) => t !== '');
const join = (words: readonly string[]) => words.join(' ').replace(/ ,/g, ',');

/** What turned `before` into `after`: a span of words replaced, or words put at the start or end. */
type Change = { kind: 'none' } | { kind: 'append' | 'prepend'; words: string[] } | { kind: 'replace'; from: string[]; to: string[] };

function changeBetween(before: string, after: string): Change {
  const a = tokens(before.toLowerCase());
  const b = tokens(after.toLowerCase());
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const from = a.slice(prefix, a.length - suffix);
  const to = b.slice(prefix, b.length - suffix);
  if (from.length === 0 && to.length === 0) return { kind: 'none' };
  if (from.length === 0 && prefix === a.length) return { kind: 'append', words: to };
  if (from.length === 0 && suffix === a.length) return { kind: 'prepend', words: to };
  if (from.length === 0) {
    // Words inserted in the middle: anchor them on the word before ("star" → "star with a hat").
    const anchor = a[prefix - 1]!;
    return { kind: 'replace', from: [anchor], to: [anchor, ...to] };
  }
  return { kind: 'replace', from, to };
}

function applyChange(change: Change, caption: string): string | undefined {
  switch (change.kind) {
    case 'none':
      return caption;
    case 'append':
      return join([...tokens(caption), ...change.words]);
    case 'prepend':
      return join([...change.words, ...tokens(caption)]);
    case 'replace': {
      const words = tokens(caption);
      const lower = words.map((w) => w.toLowerCase());
      for (let i = 0; i + change.from.length <= words.length; i++) {
        if (change.from.every((w, j) => lower[i + j] === w)) return join([...words.slice(0, i), ...change.to, ...words.slice(i + change.from.length)]);
      }
      return undefined;
    }
  }
}

const quote = (text: string) => `“${text}”`;

/** The words a step acts on, which the new image must have too. */
function wordsActedOn(step: PlanStep): string[] {
  const p = step.params;
  const words = [p.token, p.word, p.mask?.kind === 'word' && !p.mask.invert ? p.mask.word : undefined];
  if (p.prompt === undefined && p.source !== undefined && p.target !== undefined) words.push(p.source);
  return words.filter((w): w is string => w !== undefined);
}

/** The plan made again on the image `target` (an image the bot made, whose prompt is `caption`). */
export function retargetPlan(plan: EditPlan, target: { caption: string; imageId: string }): Retargeted {
  const read = readCaption(target.caption);
  if (!read) return { kind: 'refused', reason: 'I don\'t know what your image shows, so I can\'t tell where the change goes' };
  let before = plan.source.caption ?? '';
  let caption = read.text;
  const steps: PlanStep[] = [];
  for (const step of plan.steps) {
    if (step.edit === 'generate') {
      const prompt = step.params.prompt ? ` To draw it yourself: \`/imagine ${step.params.prompt}\`.` : '';
      return { kind: 'refused', reason: `that entry was drawn from a prompt, not made by an edit, so there is no change to carry over to your image.${prompt}` };
    }
    const current = readCaption(caption);
    for (const word of wordsActedOn(step)) {
      if (!current || !mentions(current, word.toLowerCase())) {
        return { kind: 'refused', reason: `that edit works on ${quote(word)}, and your image (${quote(caption)}) has no ${quote(word)}` };
      }
    }
    const p = step.params;
    if (p.prompt !== undefined) {
      const change = changeBetween(before, p.prompt);
      const prompt = applyChange(change, caption);
      if (prompt === undefined) {
        const from = change.kind === 'replace' ? join(change.from) : '';
        return { kind: 'refused', reason: `that edit changes ${quote(from)}, and your image (${quote(caption)}) has no ${quote(from)}` };
      }
      steps.push({ ...step, params: { ...p, prompt: prompt.slice(0, 500) } });
      before = p.prompt;
      caption = prompt;
    } else {
      steps.push(step);
      // As the studio does without a prompt: the source words replaced by the target words.
      if (p.source !== undefined && p.target !== undefined) {
        before = before.replace(p.source, p.target);
        caption = caption.replace(new RegExp(`\\b${p.source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i'), p.target);
      }
    }
  }
  const reason = `Remixing a gallery entry onto your image. The original: ${plan.reason}`;
  try {
    const remixed = assemblePlan(steps, [reason], { source: 'generated', imageId: target.imageId, seed: plan.output.seed, scheduler: plan.output.scheduler, steps: plan.output.steps, guidance: plan.output.guidance }, read);
    return { kind: 'plan', plan: remixed };
  } catch (error) {
    if (error instanceof PlanRefused) return { kind: 'refused', reason: error.message.replace(/\.$/, '') };
    throw error;
  }
}
