import * as E from '../../engine/index.ts';
import { activation, layerNorm, linear, type LoraSet } from '../layers.ts';
import type { Weights } from '../weights.ts';

/** The sizes a CLIP encoder layer needs (shared by the text and vision towers). */
export interface EncoderSizes {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  hidden_act: string;
  layer_norm_eps: number;
}

/** Large negative added to masked attention logits (transformers uses the dtype's minimum). */
export function maskValue(dtype: E.DType): number {
  return dtype === 'float16' ? -65504 : dtype === 'bfloat16' ? -3.38e38 : -1e9;
}

/**
 * transformers' CLIPAttention: q, k, v, out projections; heads of hidden/heads; logits scaled by
 * head_dim^-0.5. `mask` is added to the logits ([length, length] or [batch, 1, length, length]).
 * Without a mask it is emitted as onnxruntime's fused MultiHeadAttention.
 */
export function clipAttention(w: Weights, x: E.Tensor, heads: number, mask?: E.Tensor, lora?: LoraSet, path = ''): E.Tensor {
  const site = (name: string) => lora?.siteFor(`${path}${path ? '.' : ''}${name}`);
  const q = linear(w.at('q_proj'), x, site('q_proj'));
  const k = linear(w.at('k_proj'), x, site('k_proj'));
  const v = linear(w.at('v_proj'), x, site('v_proj'));
  const width = x.shape[2] as number;
  const scale = 1 / Math.sqrt(width / heads);
  const attended = mask
    ? E.mergeHeads(E.scaledDotProductAttention(E.splitHeads(q, heads), E.splitHeads(k, heads), E.splitHeads(v, heads), { mask, scale }))
    : E.multiHeadAttention(q, k, v, heads, scale);
  return linear(w.at('out_proj'), attended, site('out_proj'));
}

/** transformers' CLIPEncoderLayer (pre-norm): x + attn(ln1(x)), then + mlp(ln2(.)). */
export function clipEncoderLayer(w: Weights, x: E.Tensor, sizes: EncoderSizes, mask?: E.Tensor, lora?: LoraSet, path = ''): E.Tensor {
  const eps = sizes.layer_norm_eps;
  const prefix = path ? `${path}.` : '';
  const attended = E.scope('self_attn', () =>
    clipAttention(w.at('self_attn'), layerNorm(w.at('layer_norm1'), x, eps), sizes.num_attention_heads, mask, lora, `${prefix}self_attn`),
  );
  const h = E.add(x, attended);
  const mlp = E.scope('mlp', () => {
    const up = linear(w.at('mlp.fc1'), layerNorm(w.at('layer_norm2'), h, eps), lora?.siteFor(`${prefix}mlp.fc1`));
    return linear(w.at('mlp.fc2'), activation(sizes.hidden_act, up), lora?.siteFor(`${prefix}mlp.fc2`));
  });
  return E.add(h, mlp);
}

/**
 * transformers' CLIPEncoder: returns every hidden state, [embeddings, after layer 1, ..., after layer N]
 * (N + 1 tensors, as `output_hidden_states=True` gives them).
 */
export function clipEncoder(w: Weights, x: E.Tensor, sizes: EncoderSizes, mask?: E.Tensor, lora?: LoraSet, path = ''): E.Tensor[] {
  const states = [x];
  let h = x;
  for (let i = 0; i < sizes.num_hidden_layers; i++) {
    const layerPath = `${path}${path ? '.' : ''}layers.${i}`;
    h = E.scope(`layers.${i}`, () => clipEncoderLayer(w.at(`layers.${i}`), h, sizes, mask, lora, layerPath));
    states.push(h);
  }
  return states;
}

/** x / ||x||_2 over the last axis (torch: x / x.norm(p=2, dim=-1, keepdim=True)). */
export function l2Normalize(x: E.Tensor): E.Tensor {
  return E.div(x, E.sqrt(E.sum(E.square(x), -1, true)));
}
