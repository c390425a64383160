// Prompt-to-prompt with local blending (Hertz et al. 2022, LocalBlend): a replace or refine edit
// whose target branch is pulled back to the source outside a mask after every step. The mask comes
// from the cross-attention maps of the blend words (the source's words in the source branch, the
// target's in the target branch), OR-ed; see LocalBlend in shared.ts. Returns the mask.
import { z } from 'zod';
import { EditRequestError, defineMethod } from '../types.ts';
import { differingWords, editModeParam, P2P_INVERSIONS, positionsOf, promptEdit, runPromptToPrompt, scheduleParams, tokenizerOf } from './shared.ts';

const Word = z.string().trim().min(1).max(120);

export const p2pLocal = defineMethod({
  id: 'p2p.local',
  name: 'Prompt-to-Prompt with local blending',
  summary: 'Prompt-to-prompt edit that changes only where the edited words attend (local blend); the rest stays the source',
  edit: 'swap',
  alternativeFor: { swap: 1, attribute: 2 },
  promptDriven: true,
  dial: { kind: 'injection', params: ['crossReplaceSteps', 'selfReplaceSteps'] },
  params: z.strictObject({
    /** Blend words in the source prompt (official blend_word[0]); default: the words the target changes. */
    sourceWords: z.array(Word).max(8).optional(),
    /** Blend words in the target prompt (official blend_word[1]); default: the words it brings in. */
    targetWords: z.array(Word).max(8).optional(),
    /** Mask threshold on the max-normalised maps (official LocalBlend th = (0.3, 0.3)). */
    threshold: z.number().gt(0).lt(1).default(0.3),
    /** Blending starts after this fraction of the steps (official start_blend = 0.2). */
    startBlend: z.number().min(0).max(1).default(0.2),
    /**
     * Side of the cross-attention maps the mask is read from, in SD-1.x-at-512 terms, mapped by
     * resolution (16 → a quarter of the latent side, 64 → the latent's own). Absent: the official
     * 16×16 maps as SD has them, one level above the bottleneck (8×8 on the shipped model; there a
     * quarter of the latent, 4×4, is the bottleneck, whose word maps cover the whole image).
     */
    blendResolution: z.number().int().min(1).max(64).optional(),
    /** How the target takes the source's maps (auto: replace for same-length prompts, else refine). */
    edit: editModeParam,
    ...scheduleParams,
  }),
  needs: { inversion: P2P_INVERSIONS, sourcePrompt: true, hooks: true, local: true },
  async run(input, params) {
    const tokenizer = tokenizerOf(input.diffusion);
    const source = input.source.prompt;
    const target = input.target.prompt;
    const edit = promptEdit(tokenizer, source, target, params.edit);
    let sourceWords = params.sourceWords;
    let targetWords = params.targetWords;
    const notes: string[] = [];
    if (!sourceWords && !targetWords) {
      const differing = differingWords(tokenizer, source, target);
      sourceWords = differing.source;
      targetWords = differing.target;
      if (sourceWords.length + targetWords.length === 0) {
        throw new EditRequestError(`p2p.local: the prompts '${source}' and '${target}' have the same words; say which words to blend (sourceWords / targetWords)`);
      }
      notes.push(`blend words: ${[...sourceWords, ...targetWords].map((w) => `'${w}'`).join(', ')}`);
    }
    const sourcePositions = positionsOf(tokenizer, source, sourceWords ?? [], 'source prompt');
    const targetPositions = positionsOf(tokenizer, target, targetWords ?? [], 'target prompt');
    const output = await runPromptToPrompt(input, {
      edit,
      crossReplaceSteps: params.crossReplaceSteps,
      selfReplaceSteps: params.selfReplaceSteps,
      blend: { sourcePositions, targetPositions, threshold: params.threshold, startBlend: params.startBlend, sdSide: params.blendResolution },
    });
    return { ...output, notes: [...notes, ...(output.notes ?? [])] };
  },
});
