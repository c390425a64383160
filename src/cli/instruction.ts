// `retouch edit --instruction "…" --image FILE`: a plain-English instruction planned and run exactly
// as a chat reply runs it — the picture read back and its caption completed on the shipped model,
// the plan, the edit framed to the model's size and back, checked and retried — printing the plan,
// the reply's text and what the check found.
import { writeFile } from 'node:fs/promises';
import { planTurn, type TurnPlan } from '../chat/edit-turn.ts';
import { outcomeLines } from '../chat/results/verdict.ts';
import { modelNameOf, SHIPPED_MODEL_NAME } from '../models/catalog.ts';
import { resolveModelPath, SHIPPED_MODEL_DIR } from '../models/shipped.ts';
import { openStableDiffusion } from '../models/stable-diffusion.ts';
import { Diffusion } from '../pipeline/diffusion.ts';
import { runOnPicture, type PictureRun } from '../studio/edit.ts';
import { fromImageFile, toPng, type RgbImage } from '../support/image.ts';
import { probeImage } from './invert.ts';
import { printResult, UsageError } from './output.ts';

export interface InstructionOptions {
  instruction: string;
  image: string;
  caption?: string;
  method?: string;
  steps: number;
  guidance: number;
  seed: number;
  model?: string;
  out: string;
  json: boolean;
}

/** The catalog name a model folder goes by (the shipped model's is the one with a read-back). */
export function modelNameFor(path: string): string {
  return path === SHIPPED_MODEL_DIR ? SHIPPED_MODEL_NAME : modelNameOf(path);
}

/** Both compiled forms of one model, made when first asked for. */
export function diffusionsOf(path: string): { diffusion: (options: { hooks: boolean }) => Diffusion; release: () => Promise<void> } {
  const model = openStableDiffusion(path);
  const compiled = new Map<boolean, Diffusion>();
  return {
    diffusion: ({ hooks }) => {
      let d = compiled.get(hooks);
      if (!d) compiled.set(hooks, (d = new Diffusion(model, { hooks })));
      return d;
    },
    release: async () => {
      for (const d of compiled.values()) await d.release();
    },
  };
}

export interface InstructionOutcome {
  /** What the bot would say before running: the question, or the refusal, when there is no plan. */
  planned: Exclude<TurnPlan, { kind: 'reply' }> | { kind: 'refused'; text: string };
  run?: PictureRun;
  reply: string;
  seconds: number;
}

/** Plans and runs `instruction` on `picture` as the chat does (a file has no parent picture to undo to). */
export async function runInstruction(diffusion: (options: { hooks: boolean }) => Diffusion, modelName: string, picture: RgbImage, options: Omit<InstructionOptions, 'image' | 'out' | 'json' | 'model'>): Promise<InstructionOutcome> {
  const started = performance.now();
  const turn = await planTurn({
    options: { instruction: options.instruction, ...(options.method ? { method: options.method } : {}), ...(options.caption ? { caption: options.caption } : {}) },
    picture: { pixels: async () => picture },
    modelName,
    defaults: { seed: options.seed, steps: options.steps, guidance: options.guidance, model: modelName },
  });
  const seconds = () => (performance.now() - started) / 1000;
  if (turn.kind === 'reply') return { planned: { kind: 'refused', text: turn.text }, reply: turn.text, seconds: seconds() };
  if (turn.kind === 'clarify') return { planned: turn, reply: [turn.question, ...turn.choices.map((c) => `[${c.label}]`)].join('\n'), seconds: seconds() };
  const run = await runOnPicture(diffusion, turn.plan, picture, modelName);
  const reply = [turn.plan.reason, ...outcomeLines(turn.plan, run.report), ...run.notes.map((n) => `Note: ${n}.`)].join('\n');
  return { planned: turn, run, reply, seconds: seconds() };
}

export async function instructionCommand(options: InstructionOptions): Promise<void> {
  await probeImage(options.image);
  let picture: RgbImage;
  try {
    picture = await fromImageFile(options.image);
  } catch (error) {
    throw new UsageError(`--image ${options.image}: cannot decode it (${(error as Error).message})`);
  }
  const path = resolveModelPath(options.model);
  const models = diffusionsOf(path);
  try {
    const outcome = await runInstruction(models.diffusion, modelNameFor(path), picture, options);
    if (outcome.run) await writeFile(options.out, await toPng(outcome.run.image));
    const plan = outcome.planned.kind === 'plan' ? outcome.planned.plan : undefined;
    printResult(
      options.json,
      {
        kind: outcome.planned.kind,
        plan: plan ?? null,
        ...(outcome.planned.kind === 'clarify' ? { question: outcome.planned.question, choices: outcome.planned.choices.map((c) => c.label) } : {}),
        reply: outcome.reply,
        check: outcome.run?.report ?? null,
        out: outcome.run ? options.out : null,
        seconds: Number(outcome.seconds.toFixed(3)),
      },
      [
        ...(plan ? [`plan: ${plan.steps.map((s) => `${s.method} → “${s.params.prompt ?? ''}”`).join('; ')}`] : []),
        '',
        outcome.reply,
        '',
        ...(outcome.run ? [`wrote ${options.out} (${outcome.run.image.width}×${outcome.run.image.height}, ${outcome.seconds.toFixed(1)} s)`] : []),
      ].join('\n'),
    );
  } finally {
    await models.release();
  }
}
