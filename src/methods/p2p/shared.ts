// What the prompt-to-prompt methods (Hertz et al. 2022) share: two branches [source, target] from
// the source image's inversion in one UNet batch, the attention-edit schedule, the token alignment of
// the two prompts, and the local blend. Follows the official code (google/prompt-to-prompt and its
// real-image version in PnP-Inversion's run_editing_p2p.py):
//   - cross-attention: the target's maps become the source's (through the word mapper / aligner) in
//     every cross-attention layer for steps < ⌊cross_replace_steps·(T+1)⌋ (get_time_words_attention_alpha);
//   - self-attention: the target's maps become the source's in layers of at most 32² tokens (SD at
//     512²) for steps < ⌊self_replace_steps·T⌋;
//   - both only on the conditional batch elements (AttentionControl edits attn[h//2:]); the
//     unconditional halves run untouched;
//   - local blend: after each step from ⌊start_blend·T⌋, x_t ← x_src + mask·(x_t − x_src), the mask
//     from the cross-attention maps of the blend words summed over all steps so far, 16×16 maps of
//     SD's down and up blocks averaged, 3×3 max-pool, nearest upsampling, / max, > threshold, and
//     the source words' mask OR the target words' mask.
// Layers map onto other models by resolution (shared/layers.ts): SD's 32² of a 64² latent is half
// the latent side (8×8 on the shipped model's 16×16 latent), SD's 16² maps a quarter (4×4 there).
import { z } from 'zod';
import type { HostTensor } from '../../engine/index.ts';
import { averageCrossAttention, type UNetControls } from '../../models/unet/controls.ts';
import type { UNetLayout } from '../../models/unet/hooks.ts';
import type { CompiledUNet } from '../../models/unet/model.ts';
import type { InversionMethod } from '../../pipeline/inversion/index.ts';
import { branchElements, sampleBranches } from '../../pipeline/sampler.ts';
import { invertedBranches } from '../shared/inverted-branches.ts';
import { aboveBottleneck, atMostSdTokens, mapSide } from '../shared/layers.ts';
import { normalizeWord, promptTokens, refinementMapper, replacementMapper, tokenizerOf, wordPositions, type PromptTokenizer } from '../shared/tokens.ts';
import { EditRequestError, type EditInput, type EditOutput } from '../types.ts';

/** The inversions prompt-to-prompt edits real images through (Direct Inversion first: exact source, no optimisation). */
export const P2P_INVERSIONS: readonly InversionMethod[] = ['invert.direct', 'invert.null_text', 'invert.negative_prompt', 'invert.ddim'];

/** SD's self-attention replacement limit: maps of at most 32² tokens (official replace_self_attention). */
export const SD_SELF_REPLACE_SIDE = 32;

/** The schedule parameters every P2P method takes (PIE-Bench run of the official code: 0.4 / 0.6). */
export const scheduleParams = {
  /** Fraction of the steps in which the target takes the source's cross-attention maps (run_editing_p2p.py: 0.4). */
  crossReplaceSteps: z.number().min(0).max(1).default(0.4),
  /** Fraction of the steps in which it takes the source's self-attention maps (run_editing_p2p.py: 0.6). */
  selfReplaceSteps: z.number().min(0).max(1).default(0.6),
};

/** How the target's tokens take the source's maps: replace (word swap) or refine (aligned tokens). */
export const editModeParam = z.enum(['auto', 'replace', 'refine']).default('auto');
export type EditMode = z.infer<typeof editModeParam>;

/** Steps (0-based, from x_T) in which each replacement is on, as the official code counts them. */
export function p2pSchedule(steps: number, crossReplaceSteps: number, selfReplaceSteps: number): { crossSteps: number; selfSteps: number } {
  // get_time_words_attention_alpha has steps + 1 rows and turns on rows [0, ⌊f·(steps+1)⌋);
  // num_self_replace = (0, ⌊f·steps⌋). Neither exceeds the steps run.
  return {
    crossSteps: Math.min(steps, Math.floor(crossReplaceSteps * (steps + 1))),
    selfSteps: Math.min(steps, Math.floor(selfReplaceSteps * steps)),
  };
}

/** The target's cross-attention edit: align [keys × keys] (row = source token, column = target token), per-token alphas and scales. */
export interface AttentionEdit {
  mode: 'replace' | 'refine';
  align: Float32Array;
  /** 1 (replace) or per target token (refine: 1 = aligned, 0 = a token the target adds). */
  alphas: number | Float32Array;
  /** Reweighting: per target token (the official equalizer), 1 elsewhere. */
  scales?: Float32Array;
}

/** Replace when the prompts swap words of equal token length; refine otherwise (or as asked). */
export function promptEdit(tokenizer: PromptTokenizer, source: string, target: string, mode: EditMode): AttentionEdit {
  const x = promptTokens(tokenizer, source);
  const y = promptTokens(tokenizer, target);
  const swap = x.words.length === y.words.length && x.ids.length === y.ids.length;
  if (mode === 'replace' || (mode === 'auto' && swap)) {
    const { align } = replacementMapper(tokenizer, source, target);
    return { mode: 'replace', align, alphas: 1 };
  }
  const { align, alphas } = refinementMapper(tokenizer, source, target);
  return { mode: 'refine', align, alphas };
}

/**
 * The words that differ between the prompts, as blend words when none are given: for a swap the
 * words at the same place that differ, else the words one prompt has and the other lacks.
 */
export function differingWords(tokenizer: PromptTokenizer, source: string, target: string): { source: string[]; target: string[] } {
  const x = promptTokens(tokenizer, source);
  const y = promptTokens(tokenizer, target);
  if (x.words.length === y.words.length) {
    const idx = x.words.map((_, i) => i).filter((i) => normalizeWord(x.words[i] as string) !== normalizeWord(y.words[i] as string));
    return { source: idx.map((i) => x.words[i] as string), target: idx.map((i) => y.words[i] as string) };
  }
  const xs = new Set(x.words.map(normalizeWord));
  const ys = new Set(y.words.map(normalizeWord));
  return {
    source: x.words.filter((w) => normalizeWord(w) && !ys.has(normalizeWord(w))),
    target: y.words.filter((w) => normalizeWord(w) && !xs.has(normalizeWord(w))),
  };
}

/** Context positions of several words in a prompt (each must be there: the error names the word and the prompt). */
export function positionsOf(tokenizer: PromptTokenizer, prompt: string, words: readonly string[], what: string): number[] {
  const out = new Set<number>();
  for (const word of words) for (const p of wordPositions(tokenizer, prompt, word, what)) out.add(p);
  return [...out].sort((a, b) => a - b);
}

export interface LocalBlendSpec {
  /** Context positions of the blend words in the source prompt and in the target prompt. */
  sourcePositions: readonly number[];
  targetPositions: readonly number[];
  /** Official th = 0.3. */
  threshold: number;
  /** Fraction of the steps before blending starts (official start_blend = 0.2). */
  startBlend: number;
  /**
   * The map side in SD-at-512 terms, mapped onto this latent by resolution; absent: the official
   * 16×16 maps taken as what they are in SD, one level above the bottleneck (8×8 on the shipped
   * model, whose missing level would put a quarter of the latent, 4×4, on its bottleneck).
   */
  sdSide?: number;
}

export interface P2PSpec {
  edit: AttentionEdit;
  crossReplaceSteps: number;
  selfReplaceSteps: number;
  blend?: LocalBlendSpec;
}

/** Lets a caller (a test, the attention inspector) fetch captures of the P2P run. */
export interface P2PObserver {
  captures?: (step: number, timestep: number) => readonly string[] | undefined;
  onCaptures?: (step: number, captures: Record<string, HostTensor>) => void | Promise<void>;
  /** The UNet and where the branches sit in its batch, before sampling starts. */
  onStart?: (info: { unet: CompiledUNet; elements: { sourceCond: number; targetCond: number; sourceUncond?: number; targetUncond?: number }; crossSteps: number; selfSteps: number }) => void;
}

/**
 * Runs the two branches with the attention edits of `spec`. The output latent is the target
 * branch's; `extraLatents.source` is the source branch's (the reconstruction).
 */
export async function runPromptToPrompt(input: EditInput, spec: P2PSpec, observe: P2PObserver = {}): Promise<EditOutput> {
  const { diffusion } = input;
  const targetCond = await diffusion.encodePrompt(input.target.prompt);
  const run = await invertedBranches(input, [targetCond]);
  const guided = run.guidance !== 1;
  const layout = branchElements(2, guided);
  const unet = await diffusion.unet(layout.batch);
  const sourceCond = layout.cond(0);
  const targetCondElement = layout.cond(1);
  const [, channels, latentHeight, latentWidth] = diffusion.latentShape;
  const { crossSteps, selfSteps } = p2pSchedule(run.steps, spec.crossReplaceSteps, spec.selfReplaceSteps);
  const selfLayers = atMostSdTokens(latentHeight, latentWidth, SD_SELF_REPLACE_SIDE);
  observe.onStart?.({
    unet,
    elements: { sourceCond, targetCond: targetCondElement, sourceUncond: guided ? layout.uncond(0) : undefined, targetUncond: guided ? layout.uncond(1) : undefined },
    crossSteps,
    selfSteps,
  });

  const controls = (step: number): UNetControls | undefined => {
    if (step >= crossSteps && step >= selfSteps) return undefined;
    const c = unet.controls();
    if (step < crossSteps) {
      c.replaceCrossAttention({ from: sourceCond, to: targetCondElement, align: spec.edit.align, alpha: spec.edit.alphas });
      if (spec.edit.scales) c.scaleTokens({ element: targetCondElement, scales: spec.edit.scales });
    }
    if (step < selfSteps) c.shareAttentionMaps({ layers: selfLayers, from: sourceCond, to: targetCondElement });
    return c;
  };

  const blend = spec.blend
    ? new LocalBlend(unet.layout, { source: sourceCond, target: targetCondElement }, { channels, height: latentHeight, width: latentWidth }, spec.blend, run.steps)
    : undefined;
  const correction = run.afterStep;
  const afterStep =
    correction || blend
      ? (step: number, latent: Float32Array): Float32Array => {
          // Direct inversion's correction first, then the blend toward the corrected source (official order).
          const corrected = correction ? correction(step, latent) : latent;
          return blend ? blend.apply(step, corrected) : corrected;
        }
      : undefined;

  const { latents } = await sampleBranches({
    ...run,
    unet,
    afterStep,
    controls,
    captures: (step, t) => {
      const wanted = [...(blend?.captureNames ?? []), ...(observe.captures?.(step, t) ?? [])];
      return wanted.length ? [...new Set(wanted)] : undefined;
    },
    onCaptures: async (step, captures) => {
      blend?.accumulate(captures);
      await observe.onCaptures?.(step, captures);
    },
    onStep: input.onStep,
    signal: input.signal,
  });

  const metrics: Record<string, number> = { crossReplaceSteps: crossSteps, selfReplaceSteps: selfSteps };
  const notes: string[] = [];
  if (blend?.mask) {
    metrics.maskArea = blend.mask.reduce((a, b) => a + b, 0) / blend.mask.length;
    notes.push(`local blend: kept the source outside a mask of ${(100 * metrics.maskArea).toFixed(0)}% of the image (from the cross-attention of the blend words, ${blend.side.height}×${blend.side.width} maps)`);
  }
  return {
    latent: latents[1] as Float32Array,
    extraLatents: { source: latents[0] as Float32Array },
    metrics,
    mask: blend?.mask,
    notes: notes.length ? notes : undefined,
  };
}

/**
 * The official LocalBlend: cross-attention maps of the blend words at SD's 16×16 (down and up
 * blocks, averaged over layers), summed over the steps so far, 3×3 max-pooled, upsampled to the
 * latent (nearest), divided by their maximum and thresholded; the source's and the target's masks
 * are OR-ed; from step ⌊start_blend·T⌋ on, the target branch becomes x_src + mask·(x_tgt − x_src).
 */
export class LocalBlend {
  readonly side: { height: number; width: number };
  readonly captureNames: string[];
  /** The mask of the latest blend, at latent resolution (0 / 1). */
  mask: Float32Array | undefined;
  private readonly sums: { source: Float32Array; target: Float32Array };
  private readonly startStep: number;

  constructor(
    private readonly layout: UNetLayout,
    private readonly elements: { source: number; target: number },
    private readonly latent: { channels: number; height: number; width: number },
    private readonly spec: LocalBlendSpec,
    steps: number,
  ) {
    const levels = layout.crossAttention.filter((s) => s.place !== 'mid');
    this.side =
      spec.sdSide === undefined
        ? (aboveBottleneck(levels, 1) ?? aboveBottleneck(levels, 0)!)
        : { height: mapSide(latent.height, spec.sdSide), width: mapSide(latent.width, spec.sdSide) };
    const { height, width } = this.side;
    const sites = levels.filter((s) => s.height === height && s.width === width);
    if (sites.length === 0) {
      const sides = [...new Set(levels.map((s) => `${s.height}×${s.width}`))].join(', ');
      throw new EditRequestError(`the local blend reads ${height}×${width} cross-attention maps and this model has them only at ${sides}`);
    }
    this.captureNames = sites.map((s) => `capture.${s.path}.probs`);
    this.sums = { source: new Float32Array(height * width), target: new Float32Array(height * width) };
    // Official: counter > ⌊start_blend·T⌋ with the counter at step + 1.
    this.startStep = Math.floor(spec.startBlend * steps);
  }

  accumulate(captures: Readonly<Record<string, HostTensor>>): void {
    const { height, width } = this.side;
    // The maps before any edit (the official AttentionStore stores attn before replacing it).
    const maps = averageCrossAttention(captures, this.layout, { height, width, which: 'probs', place: ['down', 'up'] });
    const data = maps.data as Float32Array;
    const keys = this.layout.textLength;
    const pixels = height * width;
    const add = (sum: Float32Array, element: number, positions: readonly number[]) => {
      for (let p = 0; p < pixels; p++) {
        let v = 0;
        const row = (element * pixels + p) * keys;
        for (const n of positions) v += data[row + n] as number;
        sum[p] = (sum[p] as number) + v;
      }
    };
    add(this.sums.source, this.elements.source, this.spec.sourcePositions);
    add(this.sums.target, this.elements.target, this.spec.targetPositions);
  }

  /** The blend mask now, at latent resolution. */
  currentMask(): Float32Array {
    const source = this.wordMask(this.sums.source, this.spec.sourcePositions.length > 0);
    const target = this.wordMask(this.sums.target, this.spec.targetPositions.length > 0);
    return source.map((v, i) => (v > 0 || (target[i] as number) > 0 ? 1 : 0));
  }

  apply(step: number, latent: Float32Array): Float32Array {
    if (step < this.startStep) return latent;
    const mask = this.currentMask();
    this.mask = mask;
    const plane = mask.length;
    const size = plane * this.latent.channels;
    const out = latent.slice();
    for (let i = 0; i < size; i++) {
      const m = mask[i % plane] as number;
      const src = latent[i] as number;
      out[size + i] = src + m * ((latent[size + i] as number) - src);
    }
    return out;
  }

  private wordMask(sum: Float32Array, any: boolean): Float32Array {
    const { height: h, width: w } = this.side;
    const { height: lh, width: lw } = this.latent;
    const out = new Float32Array(lh * lw);
    if (!any) return out;
    // 3×3 max-pool, stride 1, padding 1 (padding never wins).
    const pooled = new Float32Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let m = -Infinity;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) m = Math.max(m, sum[yy * w + xx] as number);
          }
        }
        pooled[y * w + x] = m;
      }
    }
    // Nearest upsampling as torch's interpolate (source index ⌊dst·in/out⌋), then / max, > threshold.
    let max = 0;
    for (const v of pooled) max = Math.max(max, v);
    if (!(max > 0)) return out;
    for (let y = 0; y < lh; y++) {
      const sy = Math.min(h - 1, Math.floor((y * h) / lh));
      for (let x = 0; x < lw; x++) {
        const sx = Math.min(w - 1, Math.floor((x * w) / lw));
        out[y * lw + x] = (pooled[sy * w + sx] as number) / max > this.spec.threshold ? 1 : 0;
      }
    }
    return out;
  }
}

export { tokenizerOf };
