import * as E from '../../engine/index.ts';
import { layerNorm, type LoraSet } from '../layers.ts';
import { ModelLoadError, Weights } from '../weights.ts';
import { readClipConfig, weightsFile, type ClipConfig, type ClipVisionConfig } from './config.ts';
import { clipEncoder, l2Normalize } from './encoder.ts';
import { buildClipText, type ClipTextOptions, type ClipTextOutputs } from './text-encoder.ts';

/**
 * transformers' CLIPVisionModel and CLIPModel (text tower + vision tower + projections +
 * logit_scale) on the engine. Vision weights are read under `vision_model.`.
 */

export interface ClipVisionOptions {
  batch: number;
  /** Name of the graph input (default `pixel_values`); or pass `pixelValues` to build on a tensor. */
  name?: string;
  /** Build on this [batch, channels, image_size, image_size] tensor instead of a new input. */
  pixelValues?: E.Tensor;
  lora?: LoraSet;
}

export interface ClipVisionOutputs {
  pixelValues: E.Tensor;
  /** Encoder output [batch, 1 + patches, hidden] (no post layer norm, as transformers). */
  lastHiddenState: E.Tensor;
  /** post_layernorm(class token) [batch, hidden]. */
  poolerOutput: E.Tensor;
  /** [embeddings after pre_layrnorm, after layer 1, ..., after layer N]. */
  hiddenStates: E.Tensor[];
  /** visual_projection(poolerOutput) [batch, projection_dim] if the weights have it. */
  imageEmbeds?: E.Tensor;
}

export function buildClipVision(weights: Weights, config: ClipVisionConfig, options: ClipVisionOptions): ClipVisionOutputs {
  const w = weights.at('vision_model');
  const dtype = weights.dtype;
  const { batch } = options;
  const { hidden_size: hidden, image_size: size, patch_size: patch, num_channels: channels } = config;
  if (size % patch !== 0) throw new ModelLoadError(`${weights.source}: image_size ${size} is not a multiple of patch_size ${patch}`);
  if (hidden % config.num_attention_heads !== 0) {
    throw new ModelLoadError(`${weights.source}: hidden_size ${hidden} is not divisible by num_attention_heads ${config.num_attention_heads}`);
  }
  const grid = size / patch;
  const tokens = grid * grid + 1;
  const pixelValues = options.pixelValues ?? E.input(options.name ?? 'pixel_values', [batch, channels, size, size], dtype);
  const expected = [batch, channels, size, size];
  if (pixelValues.shape.join() !== expected.join()) {
    throw new E.GraphError(`clip vision: pixel values ${E.formatShape(pixelValues.shape)} do not match the config's ${E.formatShape(expected)}`);
  }

  return E.scope('vision_model', () => {
    const embeddings = E.scope('embeddings', () => {
      const e = w.at('embeddings');
      const patches = E.conv2d(pixelValues, e.get('patch_embedding.weight', [hidden, channels, patch, patch]), { stride: patch });
      const sequence = E.swapAxes(E.reshape(patches, [batch, hidden, grid * grid]), 1, 2);
      const cls = E.expand(E.reshape(e.get('class_embedding', [hidden]), [1, 1, hidden]), [batch, 1, hidden]);
      return E.add(E.concat([cls, sequence], 1), e.get('position_embedding.weight', [tokens, hidden]));
    });
    const normed = E.scope('pre_layrnorm', () => layerNorm(w.at('pre_layrnorm'), embeddings, config.layer_norm_eps));
    const hiddenStates = E.scope('encoder', () => clipEncoder(w.at('encoder'), normed, config, undefined, options.lora, 'vision_model.encoder'));
    const lastHiddenState = hiddenStates[config.num_hidden_layers] as E.Tensor;
    const cls = E.reshape(E.slice(lastHiddenState, [{ axis: 1, start: 0, end: 1 }]), [batch, hidden]);
    const poolerOutput = E.scope('post_layernorm', () => layerNorm(w.at('post_layernorm'), cls, config.layer_norm_eps));
    const imageEmbeds = weights.has('visual_projection.weight')
      ? E.scope('visual_projection', () => E.linear(poolerOutput, weights.get('visual_projection.weight')))
      : undefined;
    return { pixelValues, lastHiddenState, poolerOutput, hiddenStates, imageEmbeds };
  });
}

export interface ClipModelOptions {
  /** Images per run (graph input `pixel_values` [images, 3, size, size]); 0 builds no vision tower. */
  images: number;
  /** Texts per run (graph input `input_ids` [texts, length]); 0 builds no text tower. */
  texts: number;
  text?: Omit<ClipTextOptions, 'batch'>;
  vision?: Omit<ClipVisionOptions, 'batch'>;
}

export interface ClipModelOutputs {
  vision?: ClipVisionOutputs;
  text?: ClipTextOutputs;
  /** L2-normalised visual_projection(vision pooler) [images, projection_dim]. */
  imageEmbeds?: E.Tensor;
  /** L2-normalised text_projection(text pooler) [texts, projection_dim]. */
  textEmbeds?: E.Tensor;
  /** exp(logit_scale) * imageEmbeds @ textEmbeds^T [images, texts]. */
  logitsPerImage?: E.Tensor;
  /** Its transpose [texts, images]. */
  logitsPerText?: E.Tensor;
  /** exp(logit_scale), a scalar. */
  logitScale: E.Tensor;
}

/** transformers' CLIPModel.forward (with return_loss=False). */
export function buildClipModel(weights: Weights, config: ClipConfig, options: ClipModelOptions): ClipModelOutputs {
  const projection = config.projection_dim;
  const rawScale = weights.get('logit_scale');
  if (rawScale.size !== 1) throw new ModelLoadError(`${weights.source}: logit_scale has shape ${E.formatShape(rawScale.shape)}, expected a scalar`);
  const out: ClipModelOutputs = { logitScale: E.exp(E.reshape(rawScale, [])) };
  if (options.images > 0) {
    out.vision = buildClipVision(weights, config.vision_config, { ...options.vision, batch: options.images });
    const projected = E.scope('visual_projection', () =>
      E.linear(out.vision!.poolerOutput, weights.get('visual_projection.weight', [projection, config.vision_config.hidden_size])),
    );
    out.imageEmbeds = l2Normalize(projected);
  }
  if (options.texts > 0) {
    out.text = buildClipText(weights, config.text_config, { ...options.text, batch: options.texts });
    const projected = E.scope('text_projection', () =>
      E.linear(out.text!.poolerOutput, weights.get('text_projection.weight', [projection, config.text_config.hidden_size])),
    );
    out.textEmbeds = l2Normalize(projected);
  }
  if (out.imageEmbeds && out.textEmbeds) {
    out.logitsPerImage = E.mul(E.matmul(out.imageEmbeds, E.swapAxes(out.textEmbeds, 0, 1)), out.logitScale);
    out.logitsPerText = E.swapAxes(out.logitsPerImage, 0, 1);
  }
  return out;
}

/** A transformers CLIPModel folder (config.json + model.safetensors): its config and weights. */
export function loadClipModel(dir: string, options: { dtype?: E.DType; namespace?: string } = {}): { config: ClipConfig; weights: Weights } {
  return { config: readClipConfig(dir), weights: Weights.fromFile(weightsFile(dir), options) };
}
