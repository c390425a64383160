import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { paintWithWords } from '../../src/methods/paint-with-words.ts';
import { boxMask, maskAtSite, wordTokens } from '../../src/methods/shared/feature-control.ts';
import {  } from './support.ts';
import { elementOf, RecordingDiffusion } from './support-feature.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const STEPS = 10;
const PROMPT = 'a large red circle in the top left on sky';
const BOX = { x0: 0.5, y0: 0.5, x1: 1, y1: 1 };

describe('paint_with_words on models/world-sd', () => {
  requireShippedModel();
  const diffusion = new RecordingDiffusion();
  after(() => diffusion.release());

  it("moves a word's cross-attention into its painted region, more with a larger weight", async () => {
    const [, , h, w] = diffusion.latentShape;
    const token = wordTokens(diffusion, PROMPT, 'circle')[0]!;
    const share: number[] = [];
    const weights = [0, 0.4, 1, 2];
    for (const weight of weights) {
      // The share of the word's attention mass (conditional element, every layer, every step) inside its box.
      let inside = 0;
      let total = 0;
      diffusion.names = () => [];
      diffusion.listener = (_call, captures, unet) => {
        if (unet.options.batch !== 2) return;
        for (const site of unet.layout.crossAttention) {
          const probs = captures[`capture.${site.path}.probs`];
          if (!probs) continue;
          const map = elementOf(probs, 1);
          const mask = maskAtSite(boxMask(BOX, w, h), w, h, site);
          for (let p = 0; p < site.tokens; p++) {
            const v = map[p * site.keys + token]!;
            inside += v * mask[p]!;
            total += v;
          }
        }
      };
      const run = await runEdit(diffusion, { method: paintWithWords, params: { regions: [{ word: 'circle', region: BOX }], weight }, targetPrompt: PROMPT, steps: STEPS, seed: 11 });
      diffusion.listener = undefined;
      share.push(inside / total);
      assert.ok(run.output.metrics!.maxLogitScale! > 0);
    }
    const figures = weights.map((w, i) => `w=${w}: ${(100 * share[i]!).toFixed(1)}%`).join(', ');
    for (let i = 1; i < share.length; i++) assert.ok(share[i]! > share[i - 1]!, `attention mass of 'circle' inside its box (a quarter of the image): ${figures}`);
    assert.ok(share[2]! > share[0]! + 0.1, figures);
    console.log(`paint_with_words: attention mass of 'circle' in its region ${figures}`);
  });

  it('refuses words not in the prompt and regions without a mask', async () => {
    const base = { method: paintWithWords, targetPrompt: PROMPT, steps: 2 };
    await assert.rejects(runEdit(diffusion, { ...base, params: { regions: [{ word: 'square', region: BOX }] } }), (e: Error) => e instanceof EditRequestError && /the word 'square' is not in the prompt/.test(e.message));
    await assert.rejects(runEdit(diffusion, { ...base, params: { regions: [{ word: 'circle', region: 'mask' }] } }), /the region of 'circle' is the mask, and no mask was given/);
    await assert.rejects(runEdit(diffusion, { ...base, params: { regions: [{ word: 'circle', region: { x0: 0.5, y0: 0, x1: 0.2, y1: 1 } }] } }), /x0 < x1/);
  });
});
