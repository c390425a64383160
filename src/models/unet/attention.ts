import * as E from '../../engine/index.ts';
import { conv2d, groupNorm, layerNorm, linear, type LoraSet } from '../layers.ts';
import type { Weights } from '../weights.ts';
import { mixRows, type HookWiring, type Place } from './hooks.ts';

/** What a transformer module needs to know beyond its weights. */
export interface TransformerContext {
  hooks: HookWiring;
  lora: LoraSet;
  place: Place;
  heads: number;
  groups: number;
  layers: number;
  linearProjection: boolean;
  upcast: boolean;
}

/** softmax(q k^T / sqrt(d)) per head, [B, heads, Lq, Lk]; in float32 when `upcast` (SD 2.x). */
function attentionProbs(q: E.Tensor, k: E.Tensor, heads: number, upcast: boolean, bias?: E.Tensor): E.Tensor {
  const d = (q.shape[2] as number) / heads;
  const wide = upcast && q.dtype === 'float16';
  const qh = E.splitHeads(wide ? E.cast(q, 'float32') : q, heads);
  const kh = E.splitHeads(wide ? E.cast(k, 'float32') : k, heads);
  let logits = E.matmul(E.mul(qh, 1 / Math.sqrt(d)), E.swapAxes(kh, -1, -2));
  if (bias) logits = E.add(logits, E.unsqueeze(wide ? E.cast(bias, 'float32') : bias, 1));
  const probs = E.softmax(logits, -1);
  return wide ? E.cast(probs, q.dtype) : probs;
}

function attend(probs: E.Tensor, v: E.Tensor, heads: number): E.Tensor {
  return E.mergeHeads(E.matmul(probs, E.splitHeads(v, heads)));
}

/** diffusers' Attention as used in BasicTransformerBlock (no q/k/v bias, biased to_out.0). */
function projections(w: Weights, path: string, x: E.Tensor, context: E.Tensor, lora: LoraSet) {
  return {
    q: linear(w.at('to_q'), x, lora.siteFor(`${path}.to_q`)),
    k: linear(w.at('to_k'), context, lora.siteFor(`${path}.to_k`)),
    v: linear(w.at('to_v'), context, lora.siteFor(`${path}.to_v`)),
  };
}

/**
 * Self-attention with its hooks: q, k, v captured; each re-mixed across the batch (`mix_q`, `mix_k`,
 * `mix_v`, identity by default) — taking another element's q and k gives its attention map (FPE,
 * PnP), its k and v makes the query attend to that element (MasaCtrl).
 */
function selfAttention(w: Weights, path: string, x: E.Tensor, ctx: TransformerContext, spatial: [number, number]): E.Tensor {
  const { hooks, heads } = ctx;
  let { q, k, v } = projections(w, path, x, x, ctx.lora);
  hooks.capture(path, 'q', q);
  hooks.capture(path, 'k', k);
  hooks.capture(path, 'v', v);
  q = hooks.mixBatch(path, 'mix_q', q);
  k = hooks.mixBatch(path, 'mix_k', k);
  v = hooks.mixBatch(path, 'mix_v', v);
  const tokens = x.shape[1] as number;
  hooks.layout.selfAttention.push({
    path, index: hooks.layout.selfAttention.length, place: ctx.place,
    height: spatial[0], width: spatial[1], tokens, heads, keys: tokens,
  });
  let out: E.Tensor;
  const captureMap = hooks.enabled && tokens <= hooks.options.selfMapTokens;
  const bias = hooks.enabled && hooks.options.keyRegions ? keyRegionBias(hooks, path, x.shape[0] as number, tokens) : undefined;
  if (captureMap || bias || (ctx.upcast && x.dtype === 'float16')) {
    const probs = attentionProbs(q, k, heads, ctx.upcast, bias);
    if (captureMap) hooks.capture(path, 'probs', E.mean(probs, 1));
    out = attend(probs, v, heads);
  } else {
    out = E.multiHeadAttention(q, k, v, heads);
  }
  return linear(w.at('to_out.0'), out, ctx.lora.siteFor(`${path}.to_out.0`));
}

/**
 * The logit bias [B, tokens, keys] of key restriction by query region: a query inside its region
 * (`query_inside` 1) gets `key_bias_inside` over the keys, one outside gets `key_bias_outside`; a
 * large negative bias shuts a key out. Zeros (the neutral controls) change nothing.
 */
function keyRegionBias(hooks: HookWiring, path: string, batch: number, tokens: number): E.Tensor {
  const inside = E.unsqueeze(hooks.control(path, 'query_inside', [batch, tokens], 'zeros'), 2);
  const biasInside = E.unsqueeze(hooks.control(path, 'key_bias_inside', [batch, tokens], 'zeros'), 1);
  const biasOutside = E.unsqueeze(hooks.control(path, 'key_bias_outside', [batch, tokens], 'zeros'), 1);
  const outside = E.sub(E.onesLike(inside), inside);
  return E.add(E.mul(inside, biasInside), E.mul(outside, biasOutside));
}

/**
 * Cross-attention with its hooks. Maps are edited per batch element b as
 *   probs_b * keep_b + (sum_j source[b, j] probs_j) @ align_b
 * with keep [B, keys] (ones), source [B, B] (zeros) and align [B, keys, keys] (zeros): prompt-to-prompt's
 * replace (keep 0, align = the token alignment), refine (align = mapper x alpha, keep = 1 - alpha) and
 * reweight (scaled columns of both) are all this one form. `bias` [B, tokens, keys] is added to the
 * logits (paint-with-words). Maps are captured averaged over heads, before (`probs`) and after (`edited`) editing.
 */
function crossAttention(w: Weights, path: string, x: E.Tensor, context: E.Tensor, ctx: TransformerContext, spatial: [number, number]): E.Tensor {
  const { hooks, heads } = ctx;
  const { q, k, v } = projections(w, path, x, context, ctx.lora);
  const [batch, tokens] = x.shape as [number, number];
  const keys = context.shape[1] as number;
  hooks.layout.crossAttention.push({
    path, index: hooks.layout.crossAttention.length, place: ctx.place,
    height: spatial[0], width: spatial[1], tokens, heads, keys,
  });
  let out: E.Tensor;
  if (hooks.enabled) {
    const bias = hooks.control(path, 'bias', [batch, tokens, keys], 'zeros');
    const probs = attentionProbs(q, k, heads, ctx.upcast, bias);
    hooks.capture(path, 'probs', E.mean(probs, 1));
    const keep = hooks.control(path, 'keep', [batch, keys], 'ones');
    const source = hooks.control(path, 'source', [batch, batch], 'zeros');
    const align = hooks.control(path, 'align', [batch, keys, keys], 'zeros');
    const edited = E.add(
      E.mul(probs, E.reshape(keep, [batch, 1, 1, keys])),
      E.matmul(mixRows(source, probs), E.unsqueeze(align, 1)),
    );
    hooks.capture(path, 'edited', E.mean(edited, 1));
    out = attend(edited, v, heads);
  } else if (ctx.upcast && x.dtype === 'float16') {
    out = attend(attentionProbs(q, k, heads, true), v, heads);
  } else {
    out = E.multiHeadAttention(q, k, v, heads);
  }
  return linear(w.at('to_out.0'), out, ctx.lora.siteFor(`${path}.to_out.0`));
}

/** GEGLU feed-forward: net.0.proj -> (h, gate) -> h * gelu(gate) -> net.2. */
function feedForward(w: Weights, path: string, x: E.Tensor, lora: LoraSet): E.Tensor {
  const projected = linear(w.at('net.0.proj'), x, lora.siteFor(`${path}.net.0.proj`));
  const width = (projected.shape[2] as number) / 2;
  const [h, gate] = E.split(projected, 2, [width, width]) as [E.Tensor, E.Tensor];
  return linear(w.at('net.2'), E.mul(h, E.gelu(gate)), lora.siteFor(`${path}.net.2`));
}

/** diffusers' BasicTransformerBlock: self-attention, cross-attention, feed-forward, each pre-normed and residual. */
function transformerBlock(w: Weights, path: string, x: E.Tensor, context: E.Tensor, ctx: TransformerContext, spatial: [number, number]): E.Tensor {
  return E.scope(path, () => {
    let h = E.add(selfAttention(w.at('attn1'), `${path}.attn1`, layerNorm(w.at('norm1'), x, 1e-5), ctx, spatial), x);
    h = E.add(crossAttention(w.at('attn2'), `${path}.attn2`, layerNorm(w.at('norm2'), h, 1e-5), context, ctx, spatial), h);
    return E.add(feedForward(w.at('ff'), `${path}.ff`, layerNorm(w.at('norm3'), h, 1e-5), ctx.lora), h);
  });
}

/**
 * diffusers' Transformer2DModel over an NCHW feature map: group norm, projection in (1x1 conv or
 * linear), transformer blocks over H*W tokens, projection out, residual. Its residual delta
 * (output - input) is captured and can be added to (`hook.<path>.delta`).
 */
export function transformer2d(w: Weights, path: string, x: E.Tensor, context: E.Tensor, ctx: TransformerContext): E.Tensor {
  const [batch, channels, height, width] = x.shape as [number, number, number, number];
  const { hooks } = ctx;
  hooks.layout.transformers.push({ path, index: hooks.layout.transformers.length, place: ctx.place, channels, height, width });
  return E.scope(path, () => {
    const normed = groupNorm(w.at('norm'), x, ctx.groups, 1e-6);
    const toTokens = (t: E.Tensor) => E.transpose(E.reshape(t, [batch, t.shape[1] as number, height * width]), [0, 2, 1]);
    const toMap = (t: E.Tensor) => E.reshape(E.transpose(t, [0, 2, 1]), [batch, t.shape[2] as number, height, width]);
    let h = ctx.linearProjection ? linear(w.at('proj_in'), toTokens(normed), ctx.lora.siteFor(`${path}.proj_in`)) : toTokens(conv2d(w.at('proj_in'), normed));
    for (let i = 0; i < ctx.layers; i++) {
      h = transformerBlock(w.at(`transformer_blocks.${i}`), `${path}.transformer_blocks.${i}`, h, context, ctx, [height, width]);
    }
    const delta = ctx.linearProjection ? toMap(linear(w.at('proj_out'), h, ctx.lora.siteFor(`${path}.proj_out`))) : conv2d(w.at('proj_out'), toMap(h));
    hooks.capture(path, 'delta', delta);
    return hooks.addDelta(path, E.add(delta, x));
  });
}
