import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { toFloat32, type HostTensor } from '../../src/engine/index.ts';
import { runEdit } from '../../src/methods/index.ts';
import { p2pRefine } from '../../src/methods/p2p/refine.ts';
import { promptEdit, runPromptToPrompt, tokenizerOf } from '../../src/methods/p2p/shared.ts';
import { globalAlign, promptTokens, refinementMapper, replacementMapper, type PromptTokenizer } from '../../src/methods/shared/tokens.ts';
import { releaseShipped, shippedDiffusion } from './support.ts';
import { colourSwap, editInput, maxAbsDiff, P2P_STEPS } from './support-p2p.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

function element(tensor: HostTensor, index: number): Float32Array {
  const all = toFloat32(tensor.dtype, tensor.data);
  const size = all.length / (tensor.shape[0] as number);
  return all.slice(index * size, (index + 1) * size);
}

/** One token per character, lengths in a 12-slot context: easy to read mappers. */
const chars: PromptTokenizer = { encode: (t) => [...t.replace(/\s+/g, '')].map((c) => c.charCodeAt(0)), maxLength: 12 };

describe('prompt-to-prompt token alignment', () => {
  it('aligns as the official seq_aligner (gap 0, match 1, mismatch −1; ties: gap in x, gap in y, diagonal)', () => {
    assert.deepEqual(globalAlign([1, 2, 3], [1, 2, 3]), [0, 1, 2]);
    assert.deepEqual(globalAlign([1, 2, 3], [1, 9, 2, 3]), [0, -1, 1, 2]);
    assert.deepEqual(globalAlign([1, 2, 3], [1, 9, 3]), [0, -1, 2]); // a swap is a deletion plus an insertion (gap 0 beats mismatch −1)
    assert.deepEqual(globalAlign([1, 2, 3, 4], [1, 4]), [0, 3]);
  });

  it('maps the target onto the source: refine keeps added tokens, replace swaps blocks', () => {
    const { align, alphas, added } = refinementMapper(chars, 'ab c', 'ab x c');
    // positions: 0 start, a1 b2 c3 end4 (source); a1 b2 x3 c4 end5 (target)
    assert.deepEqual(added, [3]);
    assert.deepEqual(Array.from(alphas.slice(0, 7)), [1, 1, 1, 0, 1, 1, 1]);
    const from = (n: number) => [...Array(12).keys()].find((w) => align[w * 12 + n] === 1);
    assert.deepEqual([0, 1, 2, 4, 5, 6].map(from), [0, 1, 2, 3, 4, 6]);
    const swap = replacementMapper(chars, 'a bc d', 'a xy d');
    assert.deepEqual(swap.changed, [1]);
    for (let n = 0; n < 12; n++) assert.equal(swap.align[n * 12 + n], 1);
    const spread = replacementMapper(chars, 'a b cd e', 'a xy z e'); // b → xy (1 → 2 tokens), cd → z (2 → 1)
    assert.deepEqual([spread.align[2 * 12 + 2], spread.align[2 * 12 + 3], spread.align[3 * 12 + 4], spread.align[4 * 12 + 4], spread.align[5 * 12 + 5]], [0.5, 0.5, 1, 1, 1]);
    assert.throws(() => replacementMapper(chars, 'a b', 'a b c'), /use p2p\.refine/);
  });
});

describe('p2p.refine on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('gives aligned tokens the source maps and added tokens their own during the replacement steps', async () => {
    const diffusion = shippedDiffusion();
    const { rendered, source } = colourSwap();
    const target = source.replace(' on ', ' and a small red ring in the bottom right on ');
    const tokenizer = tokenizerOf(diffusion);
    const edit = promptEdit(tokenizer, source, target, 'refine');
    assert.equal(edit.mode, 'refine');
    const alphas = edit.alphas as Float32Array;
    const length = promptTokens(tokenizer, target).length;
    const aligned = [...Array(length).keys()].filter((n) => alphas[n] === 1);
    const added = [...Array(length).keys()].filter((n) => alphas[n] === 0);
    assert.equal(added.length, promptTokens(tokenizer, target).ids.length - promptTokens(tokenizer, source).ids.length);
    const keys = diffusion.textLength;
    const sourceOf = (n: number) => [...Array(keys).keys()].find((w) => edit.align[w * keys + n] === 1)!;
    const input = await editInput(diffusion, rendered, { source, target }, { inversion: 'invert.direct' });
    let crossSteps = 0;
    let el = { sourceCond: 0, targetCond: 0 };
    let sites: string[] = [];
    const alignedDiff: number[] = [];
    const addedDiff: number[] = [];
    const output = await runPromptToPrompt(input, { edit, crossReplaceSteps: 0.4, selfReplaceSteps: 0.6 }, {
      onStart: (i) => {
        crossSteps = i.crossSteps;
        el = i.elements;
        sites = i.unet.layout.crossAttention.map((s) => s.path);
      },
      captures: (step) => (step < crossSteps ? sites.flatMap((p) => [`capture.${p}.probs`, `capture.${p}.edited`]) : undefined),
      onCaptures: (_step, captures) => {
        let a = 0;
        let b = 0;
        for (const path of sites) {
          const src = element(captures[`capture.${path}.probs`]!, el.sourceCond);
          const own = element(captures[`capture.${path}.probs`]!, el.targetCond);
          const tgt = element(captures[`capture.${path}.edited`]!, el.targetCond);
          for (let i = 0; i < src.length; i += keys) {
            for (const n of aligned) a = Math.max(a, Math.abs(tgt[i + n]! - src[i + sourceOf(n)]!));
            for (const n of added) b = Math.max(b, Math.abs(tgt[i + n]! - own[i + n]!));
          }
        }
        alignedDiff.push(a);
        addedDiff.push(b);
      },
    });
    console.log(`  '${source}' → '${target}': ${aligned.length} aligned tokens, ${added.length} added; max |edited − source| on aligned ${Math.max(...alignedDiff).toExponential(1)}, max |edited − own| on added ${Math.max(...addedDiff).toExponential(1)} over ${crossSteps} steps`);
    assert.ok(Math.max(...alignedDiff) < 1e-5 && Math.max(...addedDiff) < 1e-5);
    assert.ok(maxAbsDiff(output.extraLatents!.source!, input.source.latent) < 1e-5, 'the source branch stays on the inversion');
  });

  it('with the target prompt equal to the source, the edit equals the reconstruction', async () => {
    const { rendered, source } = colourSwap();
    const run = await runEdit(shippedDiffusion(), { method: p2pRefine, source: { image: rendered, prompt: source }, targetPrompt: source, inversion: 'invert.negative_prompt', steps: P2P_STEPS });
    const d = maxAbsDiff(run.output.latent, run.output.extraLatents!.source!);
    assert.ok(d < 1e-4, `edit vs source branch latent max |Δ| ${d}`);
    assert.equal(run.output.metrics!.addedTokens, 0);
  });
});
