import * as E from '../../engine/index.ts';
import type { LoraSet } from '../layers.ts';
import { ModelLoadError, Weights } from '../weights.ts';
import { readClipTextConfig, weightsFile, type ClipTextConfig } from './config.ts';
import { clipEncoder, maskValue } from './encoder.ts';
import { layerNorm } from '../layers.ts';

/**
 * transformers' CLIPTextModel (and CLIPTextModelWithProjection when `text_projection.weight` is
 * present) on the engine. Weights are read under `text_model.` of the given Weights (pass the
 * text encoder's own file: keys `text_model.embeddings...`).
 */

export interface ClipTextOptions {
  batch: number;
  /** Sequence length (default: max_position_embeddings, 77). */
  length?: number;
  /**
   * 'ids' (default): graph input `input_ids` int64 [batch, length], embedded by a gather.
   * 'embeds': graph input `inputs_embeds` [batch, length, hidden] (token embeddings, before the
   * position embeddings are added, as transformers' inputs_embeds), so gradients can be taken with
   * respect to them (textual inversion). `input_ids` is then still an input, used only for the
   * pooled output: it is absent from a compiled graph that does not fetch the pooled output.
   */
  inputs?: 'ids' | 'embeds';
  /**
   * Diffusers' clip_skip: `promptEmbeds` is final_layer_norm(hidden_states[-(clipSkip + 1)]), i.e.
   * the output of layer N - clipSkip with the final layer norm applied (0: last_hidden_state).
   */
  clipSkip?: number;
  /** Adds a graph input `attention_mask` int64 [batch, length] (1 keep, 0 masked) on top of the causal mask. */
  attentionMask?: boolean;
  lora?: LoraSet;
  /** Names of the graph inputs (default `input_ids`, `inputs_embeds`, `attention_mask`). */
  names?: { inputIds?: string; inputsEmbeds?: string; attentionMask?: string };
  /**
   * Build on these tensors instead of new graph inputs: `inputIds` int64 [batch, length] (a constant,
   * or part of a larger graph), `inputsEmbeds` [batch, length, hidden] (implies 'embeds' mode).
   */
  tensors?: { inputIds?: E.Tensor; inputsEmbeds?: E.Tensor };
}

export interface ClipTextOutputs {
  /** The int64 [batch, length] ids input (for the embedding lookup in 'ids' mode, pooling always). */
  inputIds: E.Tensor;
  /** The float [batch, length, hidden] input in 'embeds' mode. */
  inputsEmbeds?: E.Tensor;
  attentionMask?: E.Tensor;
  /** final_layer_norm(last layer's output) [batch, length, hidden]. */
  lastHiddenState: E.Tensor;
  /** lastHiddenState at the end-of-text position [batch, hidden]. */
  poolerOutput: E.Tensor;
  /** [embeddings, after layer 1, ..., after layer N], no final layer norm (transformers' hidden_states). */
  hiddenStates: E.Tensor[];
  /** What a diffusion model conditions on: lastHiddenState, or the clipSkip layer final-normed. */
  promptEmbeds: E.Tensor;
  /** text_projection(poolerOutput) [batch, projection_dim] if the weights have a text projection. */
  textEmbeds?: E.Tensor;
}

/** [length, length] additive causal mask: 0 on and below the diagonal, a large negative above. */
export function causalMask(length: number, dtype: E.DType): E.Tensor {
  const masked = maskValue(dtype);
  const values = Array.from({ length: length * length }, (_, i) => (i % length > Math.floor(i / length) ? masked : 0));
  if (dtype === 'float16' || dtype === 'bfloat16') return E.cast(E.constant(values, [length, length], 'float32'), dtype);
  return E.constant(values, [length, length], dtype);
}

/**
 * One-hot [batch, length] of the pooled (end-of-text) position, as transformers picks it:
 * eos_token_id == 2 (legacy configs): the first position of the largest id (argmax);
 * otherwise the first position whose id is eos_token_id (position 0 if there is none, as argmax of
 * an all-false row). Comparisons run in float32 (ids < 2^24) and the result carries no gradient.
 */
export function eosOneHot(inputIds: E.Tensor, eosTokenId: number, dtype: E.DType): E.Tensor {
  const [, length] = inputIds.shape as [number, number];
  const ids = E.cast(inputIds, 'float32');
  const hit = eosTokenId === 2 ? E.equal(ids, E.max(ids, -1, true)) : E.equal(ids, eosTokenId);
  // Score 2L - p at hits, L - p elsewhere: the unique maximum is the first hit (or position 0).
  const positions = Array.from({ length }, (_, p) => p);
  const atHit = E.constant(positions.map((p) => 2 * length - p), [length], 'float32');
  const atMiss = E.constant(positions.map((p) => length - p), [length], 'float32');
  const score = E.where(hit, atHit, atMiss);
  const first = E.cast(E.equal(score, E.max(score, -1, true)), dtype);
  return E.stopGradient(first);
}

/** Picks x [batch, length, hidden] at the one-hot positions [batch, length] -> [batch, hidden]. */
export function poolAt(x: E.Tensor, oneHot: E.Tensor): E.Tensor {
  const [batch, length, hidden] = x.shape as [number, number, number];
  return E.reshape(E.matmul(E.reshape(oneHot, [batch, 1, length]), x), [batch, hidden]);
}

function checkShape(what: string, t: E.Tensor, shape: readonly number[], dtype: E.DType): void {
  if (t.shape.join() !== shape.join() || t.dtype !== dtype) {
    throw new E.GraphError(`clip text: ${what} are ${t.dtype} ${E.formatShape(t.shape)}, expected ${dtype} ${E.formatShape(shape)}`);
  }
}

export function buildClipText(weights: Weights, config: ClipTextConfig, options: ClipTextOptions): ClipTextOutputs {
  const w = weights.at('text_model');
  const dtype = weights.dtype;
  const length = options.length ?? config.max_position_embeddings;
  const { batch } = options;
  const hidden = config.hidden_size;
  if (length > config.max_position_embeddings) {
    throw new ModelLoadError(`${weights.source}: sequence length ${length} exceeds max_position_embeddings ${config.max_position_embeddings}`);
  }
  if (config.hidden_size % config.num_attention_heads !== 0) {
    throw new ModelLoadError(`${weights.source}: hidden_size ${config.hidden_size} is not divisible by num_attention_heads ${config.num_attention_heads}`);
  }
  const clipSkip = options.clipSkip ?? 0;
  if (!Number.isInteger(clipSkip) || clipSkip < 0 || clipSkip >= config.num_hidden_layers) {
    throw new RangeError(`clipSkip must be an integer in [0, ${config.num_hidden_layers - 1}], got ${clipSkip}`);
  }
  const names = options.names ?? {};

  return E.scope('text_model', () => {
    const given = options.tensors ?? {};
    const inputIds = given.inputIds ?? E.input(names.inputIds ?? 'input_ids', [batch, length], 'int64');
    checkShape('input ids', inputIds, [batch, length], 'int64');
    let inputsEmbeds: E.Tensor | undefined;
    const embeddings = E.scope('embeddings', () => {
      const e = w.at('embeddings');
      let tokens: E.Tensor;
      if (options.inputs === 'embeds' || given.inputsEmbeds) {
        inputsEmbeds = given.inputsEmbeds ?? E.input(names.inputsEmbeds ?? 'inputs_embeds', [batch, length, hidden], dtype);
        checkShape('input embeddings', inputsEmbeds, [batch, length, hidden], dtype);
        tokens = inputsEmbeds;
      } else {
        tokens = E.gather(e.get('token_embedding.weight', [config.vocab_size, hidden]), inputIds, 0);
      }
      const table = e.get('position_embedding.weight', [config.max_position_embeddings, hidden]);
      const positions = length === config.max_position_embeddings ? table : E.slice(table, [{ axis: 0, start: 0, end: length }]);
      return E.add(tokens, positions);
    });

    let mask = causalMask(length, dtype);
    let attentionMask: E.Tensor | undefined;
    if (options.attentionMask) {
      attentionMask = E.input(names.attentionMask ?? 'attention_mask', [batch, length], 'int64');
      const keep = E.cast(E.cast(attentionMask, 'float32'), dtype);
      const padding = E.reshape(E.mul(E.sub(1, keep), maskValue(dtype)), [batch, 1, 1, length]);
      mask = E.add(mask, E.stopGradient(padding));
    }

    const hiddenStates = E.scope('encoder', () => clipEncoder(w.at('encoder'), embeddings, config, mask, options.lora, 'text_model.encoder'));
    const finalNorm = (x: E.Tensor) => E.scope('final_layer_norm', () => layerNorm(w.at('final_layer_norm'), x, config.layer_norm_eps));
    const lastHiddenState = finalNorm(hiddenStates[config.num_hidden_layers] as E.Tensor);
    const poolerOutput = E.scope('pooler', () => poolAt(lastHiddenState, eosOneHot(inputIds, config.eos_token_id, dtype)));
    const promptEmbeds = clipSkip === 0 ? lastHiddenState : finalNorm(hiddenStates[config.num_hidden_layers - clipSkip] as E.Tensor);
    const textEmbeds = weights.has('text_projection.weight')
      ? E.scope('text_projection', () => E.linear(poolerOutput, weights.get('text_projection.weight')))
      : undefined;
    return { inputIds, inputsEmbeds, attentionMask, lastHiddenState, poolerOutput, hiddenStates, promptEmbeds, textEmbeds };
  });
}

/** A CLIP text encoder folder (diffusers' text_encoder/, or a CLIPModel folder): its config and weights. */
export function loadClipText(dir: string, options: { dtype?: E.DType; namespace?: string } = {}): { config: ClipTextConfig; weights: Weights } {
  return { config: readClipTextConfig(dir), weights: Weights.fromFile(weightsFile(dir), options) };
}
