// Prompt-to-prompt word swap (Hertz et al. 2022, AttentionReplace): source and target prompts of the
// same length run together from the source's inversion; the target takes the source's
// cross-attention maps (through the word mapper) for the first steps and its self-attention maps in
// the coarse layers, so the swapped word is drawn where the source drew its word, in the same layout.
import { z } from 'zod';
import { defineMethod } from '../types.ts';
import { P2P_INVERSIONS, promptEdit, runPromptToPrompt, scheduleParams, tokenizerOf } from './shared.ts';

export const p2pReplace = defineMethod({
  id: 'p2p.replace',
  name: 'Prompt-to-Prompt word swap',
  summary: 'Swap words of the prompt (same length) keeping the layout: the new words take the old words’ attention maps',
  edit: 'swap',
  alternativeFor: { swap: 0, attribute: 0 },
  promptDriven: true,
  dial: { kind: 'injection', params: ['crossReplaceSteps', 'selfReplaceSteps'] },
  params: z.strictObject({ ...scheduleParams }),
  needs: { inversion: P2P_INVERSIONS, sourcePrompt: true, hooks: true },
  async run(input, params) {
    // Refuses prompts of different lengths with a message that points to p2p.refine.
    const edit = promptEdit(tokenizerOf(input.diffusion), input.source.prompt, input.target.prompt, 'replace');
    return runPromptToPrompt(input, { edit, crossReplaceSteps: params.crossReplaceSteps, selfReplaceSteps: params.selfReplaceSteps });
  },
});
