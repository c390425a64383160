// Shared by the CLIP tests: fixture I/O and tiny random-weight checkpoints (the comparison rule is support.ts's).
import { join } from 'node:path';
import * as E from '../../../src/engine/index.ts';
import { Weights } from '../../../src/models/weights.ts';

import { FIXTURES } from '../support.ts';

export { FIXTURES } from '../support.ts';

export function readIo(dir: string): Map<string, E.HostTensor> {
  return E.readSafetensors(join(FIXTURES, dir, 'io.safetensors')).tensors;
}

export function need(map: ReadonlyMap<string, E.HostTensor>, key: string): E.HostTensor {
  const value = map.get(key);
  if (!value) throw new Error(`fixture tensor '${key}' missing`);
  return value;
}

/** Random weights with transformers' CLIP key names for a tiny config. */
export function tinyClipWeights(
  sizes: { hidden: number; intermediate: number; layers: number; vocab?: number; positions?: number; projection?: number; patch?: number; image?: number; visionLayers?: number },
  dtype: E.DType = 'float64',
  seed = 3,
): Weights {
  const random = new E.Random(seed);
  const tensors = new Map<string, E.HostTensor>();
  const put = (key: string, shape: number[], kind: 'normal' | 'one' | 'small' = 'normal') => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = kind === 'one' ? 1 + 0.1 * random.normal() : (kind === 'small' ? 0.05 : 0.3) * random.normal();
    tensors.set(key, E.convertHost({ dtype: 'float64', shape, data }, dtype));
  };
  const { hidden: h, intermediate: m } = sizes;
  const layer = (prefix: string) => {
    for (const ln of ['layer_norm1', 'layer_norm2']) {
      put(`${prefix}.${ln}.weight`, [h], 'one');
      put(`${prefix}.${ln}.bias`, [h], 'small');
    }
    for (const p of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
      put(`${prefix}.self_attn.${p}.weight`, [h, h]);
      put(`${prefix}.self_attn.${p}.bias`, [h], 'small');
    }
    put(`${prefix}.mlp.fc1.weight`, [m, h]);
    put(`${prefix}.mlp.fc1.bias`, [m], 'small');
    put(`${prefix}.mlp.fc2.weight`, [h, m]);
    put(`${prefix}.mlp.fc2.bias`, [h], 'small');
  };
  if (sizes.vocab) {
    put('text_model.embeddings.token_embedding.weight', [sizes.vocab, h]);
    put('text_model.embeddings.position_embedding.weight', [sizes.positions ?? 8, h]);
    for (let i = 0; i < sizes.layers; i++) layer(`text_model.encoder.layers.${i}`);
    put('text_model.final_layer_norm.weight', [h], 'one');
    put('text_model.final_layer_norm.bias', [h], 'small');
    if (sizes.projection) put('text_projection.weight', [sizes.projection, h]);
  }
  if (sizes.patch && sizes.image) {
    const grid = sizes.image / sizes.patch;
    put('vision_model.embeddings.class_embedding', [h]);
    put('vision_model.embeddings.patch_embedding.weight', [h, 3, sizes.patch, sizes.patch]);
    put('vision_model.embeddings.position_embedding.weight', [grid * grid + 1, h]);
    put('vision_model.pre_layrnorm.weight', [h], 'one');
    put('vision_model.pre_layrnorm.bias', [h], 'small');
    for (let i = 0; i < (sizes.visionLayers ?? sizes.layers); i++) layer(`vision_model.encoder.layers.${i}`);
    put('vision_model.post_layernorm.weight', [h], 'one');
    put('vision_model.post_layernorm.bias', [h], 'small');
    if (sizes.projection) put('visual_projection.weight', [sizes.projection, h]);
    tensors.set('logit_scale', E.convertHost({ dtype: 'float64', shape: [], data: new Float64Array([Math.log(1 / 0.07)]) }, dtype));
  }
  return new Weights(tensors, 'tiny-clip', dtype);
}
