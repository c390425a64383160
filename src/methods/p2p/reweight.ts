// Prompt-to-prompt attention reweighting (Hertz et al. 2022, AttentionReweight): the target's
// cross-attention column of the chosen token(s) is multiplied by c (the official equalizer), on top
// of the source's maps (replace / refine), while the maps are replaced: c > 1 strengthens the word
// ("more snowy"), 0 < c < 1 weakens it, c < 0 pushes away from it. The prompts may be the same.
import { z } from 'zod';
import { defineMethod } from '../types.ts';
import { editModeParam, P2P_INVERSIONS, positionsOf, promptEdit, runPromptToPrompt, scheduleParams, tokenizerOf } from './shared.ts';

const Word = z.string().trim().min(1).max(120);

export const p2pReweight = defineMethod({
  id: 'p2p.reweight',
  name: 'Prompt-to-Prompt reweighting',
  summary: 'Strengthen or weaken a word of the prompt by scaling its cross-attention (c > 1 more, c < 1 less)',
  edit: 'reweight',
  promptDriven: false,
  dial: { kind: 'weight' },
  params: z.strictObject({
    /** The word(s) of the target prompt to reweight (the official equalizer indexes prompts[1]); a phrase is several words. */
    token: z.union([Word, z.array(Word).min(1).max(8)]),
    /** c: official eq_params values (2,) in the PIE-Bench run; the plan schema's range −2 … 5. */
    weight: z.number().min(-2).max(5).default(2),
    /** How the target takes the source's maps underneath (auto: replace for same-length prompts, else refine). */
    edit: editModeParam,
    ...scheduleParams,
  }),
  needs: { inversion: P2P_INVERSIONS, sourcePrompt: true, hooks: true },
  async run(input, params) {
    const tokenizer = tokenizerOf(input.diffusion);
    const edit = promptEdit(tokenizer, input.source.prompt, input.target.prompt, params.edit);
    const words = typeof params.token === 'string' ? [params.token] : params.token;
    const positions = positionsOf(tokenizer, input.target.prompt, words, 'target prompt');
    const scales = new Float32Array(tokenizer.maxLength).fill(1);
    for (const p of positions) scales[p] = params.weight;
    const output = await runPromptToPrompt(input, { edit: { ...edit, scales }, crossReplaceSteps: params.crossReplaceSteps, selfReplaceSteps: params.selfReplaceSteps });
    return { ...output, metrics: { ...output.metrics, reweightedTokens: positions.length, weight: params.weight } };
  },
});
