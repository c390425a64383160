// Small Stable-Diffusion-style blocks built on the engine, for the composite gradient checks.
import * as E from '../../src/engine/index.ts';
import type { CheckedInput } from '../../src/engine/gradcheck.ts';

const shaped = (...shape: number[]): CheckedInput => ({ shape });

/** GroupNorm -> SiLU -> conv3x3 (+ time embedding) -> GroupNorm -> SiLU -> conv3x3, plus a 1x1 skip. */
export const resnetBlock = {
  inputs: [
    shaped(2, 4, 4, 4), // x
    shaped(2, 5), // time embedding
    shaped(4), shaped(4), // norm1
    shaped(6, 4, 3, 3), shaped(6), // conv1
    shaped(6, 5), shaped(6), // time projection
    shaped(6), shaped(6), // norm2
    shaped(6, 6, 3, 3), shaped(6), // conv2
    shaped(6, 4, 1, 1), shaped(6), // skip
  ],
  build(...t: E.Tensor[]): E.Tensor {
    const [x, temb, n1w, n1b, c1w, c1b, tw, tb, n2w, n2b, c2w, c2b, sw, sb] = t as [E.Tensor, ...E.Tensor[]] as E.Tensor[] as [
      E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor, E.Tensor,
    ];
    return E.scope('resnet', () => {
      let h = E.conv2dBias(E.silu(E.groupNorm(x, 2, n1w, n1b)), c1w, c1b, { padding: 1 });
      h = E.add(h, E.reshape(E.linear(E.silu(temb), tw, tb), [2, 6, 1, 1]));
      h = E.conv2dBias(E.silu(E.groupNorm(h, 2, n2w, n2b)), c2w, c2b, { padding: 1 });
      return E.add(h, E.conv2dBias(x, sw, sb));
    });
  },
};

function attention(x: E.Tensor, context: E.Tensor, heads: number, [q, k, v, o, ob]: E.Tensor[]): E.Tensor {
  const query = E.splitHeads(E.linear(x, q as E.Tensor), heads);
  const key = E.splitHeads(E.linear(context, k as E.Tensor), heads);
  const value = E.splitHeads(E.linear(context, v as E.Tensor), heads);
  return E.linear(E.mergeHeads(E.scaledDotProductAttention(query, key, value)), o as E.Tensor, ob);
}

/** LayerNorm + self-attention, LayerNorm + cross-attention, LayerNorm + GEGLU feed-forward, each residual. */
export const transformerBlock = {
  inputs: [
    shaped(2, 6, 8), // x: batch 2, 6 tokens, width 8
    shaped(2, 3, 5), // context: 3 tokens, width 5
    shaped(8), shaped(8), // norm1
    shaped(8, 8), shaped(8, 8), shaped(8, 8), shaped(8, 8), shaped(8), // self-attention
    shaped(8), shaped(8), // norm2
    shaped(8, 8), shaped(8, 5), shaped(8, 5), shaped(8, 8), shaped(8), // cross-attention
    shaped(8), shaped(8), // norm3
    shaped(32, 8), shaped(32), shaped(8, 16), shaped(8), // GEGLU feed-forward
  ],
  build(...t: E.Tensor[]): E.Tensor {
    const at = (i: number) => t[i] as E.Tensor;
    return E.scope('transformer', () => {
      let x = at(0);
      const context = at(1);
      let h = E.layerNorm(x, at(2), at(3));
      x = E.add(x, E.scope('attn1', () => attention(h, h, 2, t.slice(4, 9))));
      h = E.layerNorm(x, at(9), at(10));
      x = E.add(x, E.scope('attn2', () => attention(h, context, 2, t.slice(11, 16))));
      h = E.layerNorm(x, at(16), at(17));
      const [gate, value] = E.split(E.linear(h, at(18), at(19)), -1, [16, 16]) as [E.Tensor, E.Tensor];
      return E.add(x, E.linear(E.mul(gate, E.gelu(value)), at(20), at(21)));
    });
  },
};
