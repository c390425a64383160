// The edit benchmark run through the editing methods: each method on the edit types it is meant
// for, every result read back by the world's analysis. Per method and type: how often the asked-for
// change happened, how much else was kept, how close the result is to the true edited scene, and
// how long an edit took.
import { GUIDANCE } from '../config/limits.ts';
import type { EditMethod } from '../methods/types.ts';
import { runEdit } from '../methods/run.ts';
import { EditRequestError } from '../methods/types.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { editRegion, generateEditBenchmark, renderScene, scoreEdit, type EditCase, type EditType } from '../world/index.ts';
import { psnr } from '../support/image.ts';

/** Which edit types each method is meant for (the others would measure a misuse). */
export const METHOD_EDIT_TYPES: Readonly<Record<string, readonly EditType[]>> = {
  sdedit: ['shape', 'colour', 'restyle', 'background', 'move', 'resize', 'remove', 'add'],
  ilvr: ['colour', 'restyle', 'background'],
  repaint: ['shape', 'colour', 'restyle', 'remove', 'add', 'background'],
  blended: ['shape', 'colour', 'restyle', 'remove', 'add', 'background'],
  diffedit: ['shape', 'colour', 'restyle', 'background'],
  'p2p.replace': ['shape', 'colour', 'restyle', 'background'],
  'p2p.refine': ['resize', 'add', 'remove'],
  'p2p.local': ['shape', 'colour', 'restyle'],
  pnp: ['shape', 'colour', 'restyle', 'background'],
  fpe: ['shape', 'colour', 'restyle', 'background'],
  masactrl: ['move', 'resize', 'shape'],
  'guide.prompt_switch': ['shape', 'colour', 'restyle', 'background'],
};

export interface EditEvalOptions {
  methods: readonly EditMethod[];
  /** Cases per edit type. */
  n: number;
  types?: readonly EditType[];
  steps?: number;
  guidance?: number;
  /** Builds the method's parameters for a case (e.g. p2p.local's words); default none. */
  paramsFor?: (method: EditMethod, item: EditCase) => Record<string, unknown> | undefined;
  onEdit?: (done: number, total: number) => void;
}

export interface EditEvalRow {
  method: string;
  type: EditType;
  cases: number;
  /** Cases the method refused as requests it cannot do (e.g. p2p.replace on prompts of different lengths); they count as failures. */
  refused: number;
  /** Fraction where the requested attribute reads back changed as asked. */
  success: number;
  /** Fraction where every other object attribute and the background read back unchanged. */
  kept: number;
  /** Mean PSNR (dB) to the source outside the edited object (dilated by 2 px). */
  unchangedPsnr: number;
  /** Mean PSNR (dB) to the true edited scene. */
  targetPsnr: number;
  secondsPerEdit: number;
}

export interface EditEvalResult {
  steps: number;
  guidance: number;
  rows: EditEvalRow[];
  /** Reference: the source images themselves scored against the true edits (what doing nothing gets). */
  baseline: EditEvalRow[];
}

const finite = (x: number) => (Number.isFinite(x) ? x : 99);

/** Mask methods get the true region of the edit (old and new object, dilated 4 px): an oracle mask. */
function regionMask(item: EditCase, size: number): Uint8Array {
  const region = editRegion(item.source, item.edit, size, item.edit.type === 'background' ? 0 : 4);
  return Uint8Array.from(region, (v) => (v ? 255 : 0));
}

export async function evaluateEdits(diffusion: Diffusion, options: EditEvalOptions): Promise<EditEvalResult> {
  const steps = options.steps ?? 50;
  const guidance = options.guidance ?? GUIDANCE.default;
  const cases = generateEditBenchmark({ casesPerType: options.n, types: options.types });
  const size = diffusion.width;
  const jobs = options.methods.flatMap((method) => cases.filter((c) => (METHOD_EDIT_TYPES[method.id] ?? []).includes(c.type)).map((item) => ({ method, item })));
  const totals = new Map<string, { method: string; type: EditType; cases: number; refused: number; success: number; kept: number; unchanged: number; target: number; ms: number }>();
  const entry = (method: string, type: EditType) => {
    const key = `${method}|${type}`;
    const t = totals.get(key) ?? { method, type, cases: 0, refused: 0, success: 0, kept: 0, unchanged: 0, target: 0, ms: 0 };
    totals.set(key, t);
    return t;
  };
  const add = (method: string, type: EditType, s: { intended: boolean; kept: boolean; unchanged: number; target: number; ms: number }) => {
    const t = entry(method, type);
    t.cases += 1;
    t.success += s.intended ? 1 : 0;
    t.kept += s.kept ? 1 : 0;
    t.unchanged += finite(s.unchanged);
    t.target += finite(s.target);
    t.ms += s.ms;
  };
  const rendered = new Map<string, { source: ReturnType<typeof renderScene>; target: ReturnType<typeof renderScene> }>();
  const renders = (item: EditCase) => {
    let r = rendered.get(item.id);
    if (!r) {
      r = { source: renderScene(item.source, { size }), target: renderScene(item.target, { size }) };
      rendered.set(item.id, r);
    }
    return r;
  };
  const baselineTotals = new Map<EditType, EditEvalRow>();
  for (const item of cases) {
    const { source, target } = renders(item);
    const score = scoreEdit(item.source, item.edit, source, { sourceImage: source });
    const row = baselineTotals.get(item.type) ?? { method: 'none (the source image)', type: item.type, cases: 0, refused: 0, success: 0, kept: 0, unchangedPsnr: 0, targetPsnr: 0, secondsPerEdit: 0 };
    row.cases += 1;
    row.success += score.intended ? 1 : 0;
    row.kept += score.kept ? 1 : 0;
    row.targetPsnr += psnr(source, target);
    baselineTotals.set(item.type, row);
  }

  for (const [index, { method, item }] of jobs.entries()) {
    const { source, target } = renders(item);
    const started = performance.now();
    const run = await runEdit(diffusion, {
      method,
      params: options.paramsFor?.(method, item),
      source: { image: source, prompt: item.sourceCaption },
      targetPrompt: item.targetCaption,
      mask: method.needs.mask ? { data: regionMask(item, size), width: size, height: size } : undefined,
      steps,
      guidance,
      seed: index,
    }).catch((error: unknown) => {
      if (error instanceof EditRequestError) return undefined;
      throw error;
    });
    options.onEdit?.(index + 1, jobs.length);
    if (!run) {
      entry(method.id, item.type).refused += 1;
      continue;
    }
    const ms = performance.now() - started;
    const score = scoreEdit(item.source, item.edit, run.image, { sourceImage: source });
    add(method.id, item.type, { intended: score.intended, kept: score.kept, unchanged: score.unchangedPsnr, target: psnr(run.image, target), ms });
  }
  const rows = [...totals.values()].map((t) => {
    const all = t.cases + t.refused;
    const ran = Math.max(t.cases, 1);
    return {
      method: t.method,
      type: t.type,
      cases: all,
      refused: t.refused,
      success: t.success / all,
      kept: t.kept / all,
      unchangedPsnr: t.cases ? t.unchanged / ran : NaN,
      targetPsnr: t.cases ? t.target / ran : NaN,
      secondsPerEdit: t.cases ? t.ms / ran / 1000 : NaN,
    };
  });
  const baseline = [...baselineTotals.values()].map((r) => ({ ...r, success: r.success / r.cases, kept: r.kept / r.cases, unchangedPsnr: Infinity, targetPsnr: r.targetPsnr / r.cases }));
  return { steps, guidance, rows, baseline };
}

/** The table as Markdown (the docs keep it with the command that made it). */
export function editTable(result: EditEvalResult): string {
  const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
  const lines = [
    '| method | edit | cases (refused) | success | kept | PSNR outside edit (dB) | PSNR to true edit (dB) | s / edit |',
    '|---|---|---|---|---|---|---|---|',
    ...[...result.rows, ...result.baseline].map(
      (r) => `| ${r.method} | ${r.type} | ${r.cases}${r.refused ? ` (${r.refused})` : ''} | ${fmt(100 * r.success, 0)}% | ${fmt(100 * r.kept, 0)}% | ${fmt(r.unchangedPsnr)} | ${fmt(r.targetPsnr)} | ${r.secondsPerEdit ? fmt(r.secondsPerEdit, 2) : '—'} |`,
    ),
  ];
  return lines.join('\n');
}
