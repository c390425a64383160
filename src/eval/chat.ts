// The edit benchmark as a user meets it: each case's plain-English instruction ("make the star
// blue", "move the circle to the top left") planned from the source image's caption, the plan run
// step by step as the bot runs it, the result read back by the world's analysis. Where `eval edits`
// measures each method given the true target caption (and, for mask methods, the true mask), this
// measures the planner's choice of method, its target prompt and its mask together.
import { GUIDANCE } from '../config/limits.ts';
import { planFromInstruction } from '../plan/index.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { applyPlan } from '../studio/plan-run.ts';
import { EDIT_TYPES, generateEditBenchmark, renderScene, scoreEdit, type EditType } from '../world/index.ts';
import { psnr } from '../support/image.ts';

export interface ChatEvalOptions {
  /** Cases per edit type. */
  n: number;
  types?: readonly EditType[];
  steps?: number;
  guidance?: number;
  onEdit?: (done: number, total: number) => void;
}

export interface ChatEvalRow {
  type: EditType;
  cases: number;
  /** Cases where the bot asked a question instead of planning (they count as failures). */
  asked: number;
  /** How often each method was planned, over all steps. */
  methods: Record<string, number>;
  success: number;
  kept: number;
  /** Kept, not counting patterns read back (the VAE draws most of them flat; see the model card). */
  keptStyleAside: number;
  /** Mean PSNR (dB) to the source outside the edited object, over the cases that ran. */
  unchangedPsnr: number;
  /** Mean PSNR (dB) to the true edited scene, over the cases that ran. */
  targetPsnr: number;
  secondsPerEdit: number;
}

export interface ChatEvalResult {
  steps: number;
  guidance: number;
  rows: ChatEvalRow[];
  /** A question the bot asked, per type, to show why (the first one). */
  questions: Partial<Record<EditType, { instruction: string; question: string }>>;
}

const finite = (x: number) => (Number.isFinite(x) ? x : 99);

export async function evaluateChatEdits(diffusion: Diffusion, options: ChatEvalOptions): Promise<ChatEvalResult> {
  const steps = options.steps ?? 50;
  const guidance = options.guidance ?? GUIDANCE.default;
  const cases = generateEditBenchmark({ casesPerType: options.n, types: options.types });
  const size = diffusion.width;
  const rows = new Map<EditType, ChatEvalRow & { ran: number }>();
  const questions: ChatEvalResult['questions'] = {};
  for (const type of options.types ?? EDIT_TYPES) {
    rows.set(type, { type, cases: 0, asked: 0, methods: {}, success: 0, kept: 0, keptStyleAside: 0, unchangedPsnr: 0, targetPsnr: 0, secondsPerEdit: 0, ran: 0 });
  }
  for (const [index, item] of cases.entries()) {
    const row = rows.get(item.type)!;
    row.cases += 1;
    const planned = planFromInstruction(item.instruction, { caption: item.sourceCaption, source: 'generated', steps, guidance, seed: index });
    if (planned.kind === 'clarify') {
      row.asked += 1;
      questions[item.type] ??= { instruction: item.instruction, question: planned.question };
      options.onEdit?.(index + 1, cases.length);
      continue;
    }
    for (const step of planned.plan.steps) row.methods[step.method] = (row.methods[step.method] ?? 0) + 1;
    const source = renderScene(item.source, { size });
    const started = performance.now();
    const run = await applyPlan(() => diffusion, planned.plan, source);
    row.secondsPerEdit += (performance.now() - started) / 1000;
    const score = scoreEdit(item.source, item.edit, run.image, { sourceImage: source });
    row.ran += 1;
    row.success += score.intended ? 1 : 0;
    row.kept += score.kept ? 1 : 0;
    row.keptStyleAside += score.keptStyleAside ? 1 : 0;
    row.unchangedPsnr += finite(score.unchangedPsnr);
    row.targetPsnr += psnr(run.image, renderScene(item.target, { size }));
    options.onEdit?.(index + 1, cases.length);
  }
  return {
    steps,
    guidance,
    questions,
    rows: [...rows.values()].map(({ ran, ...row }) => ({
      ...row,
      success: row.success / Math.max(row.cases, 1),
      kept: row.kept / Math.max(row.cases, 1),
      keptStyleAside: row.keptStyleAside / Math.max(row.cases, 1),
      unchangedPsnr: ran ? row.unchangedPsnr / ran : NaN,
      targetPsnr: ran ? row.targetPsnr / ran : NaN,
      secondsPerEdit: ran ? row.secondsPerEdit / ran : NaN,
    })),
  };
}

/** The table as Markdown. */
export function chatTable(result: ChatEvalResult): string {
  const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
  const methods = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([id, count]) => `${id} ${count}`).join(', ') || '—';
  return [
    '| edit | cases (asked) | methods planned | success | kept | kept, patterns aside | PSNR outside edit (dB) | PSNR to true edit (dB) | s / edit |',
    '|---|---|---|---|---|---|---|---|---|',
    ...result.rows.map((r) => `| ${r.type} | ${r.cases}${r.asked ? ` (${r.asked})` : ''} | ${methods(r.methods)} | ${fmt(100 * r.success, 0)}% | ${fmt(100 * r.kept, 0)}% | ${fmt(100 * r.keptStyleAside, 0)}% | ${fmt(r.unchangedPsnr)} | ${fmt(r.targetPsnr)} | ${fmt(r.secondsPerEdit, 2)} |`),
  ].join('\n');
}
