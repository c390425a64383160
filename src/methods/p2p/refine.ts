// Prompt-to-prompt refinement (Hertz et al. 2022, AttentionRefine): the target prompt adds or
// changes words ("a cat" → "a fluffy cat on the sofa"); the token sequences are aligned globally
// (the official seq_aligner) and the target's aligned tokens take the source's cross-attention maps
// for the first steps, while the tokens it adds keep their own (alpha 0).
import { z } from 'zod';
import { defineMethod } from '../types.ts';
import { P2P_INVERSIONS, promptEdit, runPromptToPrompt, scheduleParams, tokenizerOf } from './shared.ts';

export const p2pRefine = defineMethod({
  id: 'p2p.refine',
  name: 'Prompt-to-Prompt refinement',
  summary: 'Add or change words of the prompt keeping the layout: aligned tokens take the source’s attention maps',
  edit: 'add',
  alternativeFor: { add: 0, attribute: 1, swap: 2 },
  promptDriven: true,
  dial: { kind: 'injection', params: ['crossReplaceSteps', 'selfReplaceSteps'] },
  params: z.strictObject({ ...scheduleParams }),
  needs: { inversion: P2P_INVERSIONS, sourcePrompt: true, hooks: true },
  async run(input, params) {
    const edit = promptEdit(tokenizerOf(input.diffusion), input.source.prompt, input.target.prompt, 'refine');
    const output = await runPromptToPrompt(input, { edit, crossReplaceSteps: params.crossReplaceSteps, selfReplaceSteps: params.selfReplaceSteps });
    const added = edit.alphas instanceof Float32Array ? edit.alphas.reduce((n, a, i) => (i > 0 && a === 0 ? n + 1 : n), 0) : 0;
    return { ...output, metrics: { ...output.metrics, addedTokens: added } };
  },
});
