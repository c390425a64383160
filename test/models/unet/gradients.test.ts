import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkGradients, constant, type Tensor } from '../../../src/engine/index.ts';
import { parseUNetConfig } from '../../../src/models/unet/config.ts';
import { buildUNet } from '../../../src/models/unet/unet.ts';
import { Weights } from '../../../src/models/weights.ts';
import { loadFixture } from '../support.ts';

// Finite-difference spot checks (float64, Richardson central differences) through the reference
// fixture's UNet at a 4x4 latent and three text tokens.
const fixture = loadFixture('unet-sd1');
const config = parseUNetConfig(fixture.config);
const weights = () => Weights.fromFile(join(fixture.dir, 'diffusion_pytorch_model.safetensors'), { dtype: 'float64' });
const options = { batch: 1, height: 4, width: 4, textLength: 3, dtype: 'float64' as const };
const timestep = () => constant([500], [1], 'float32');
const LORA_SITE = 'mid_block.attentions.0.transformer_blocks.0.attn2.to_v';
const LIMIT = 1e-6;

describe('UNet gradients against finite differences', () => {
  it('with respect to the latent and the text embeddings (VJP and JVP)', async () => {
    const report = await checkGradients(
      (sample, text) => buildUNet(config, weights(), options, { sample, encoderHiddenStates: text, timestep: timestep() }).output,
      [{ shape: [1, 4, 4, 4] }, { shape: [1, 3, 32], sample: (r) => 0.5 * r.normal() }],
      { seed: 7 },
    );
    console.log(JSON.stringify(report.perInput));
    assert.ok(report.vjpError < LIMIT && report.jvpError < LIMIT, JSON.stringify(report.perInput));
  });

  it('with respect to a LoRA delta on a cross-attention projection', async () => {
    const report = await checkGradients(
      (sample, text, down, up) => buildUNet(config, weights(), {
        ...options,
        lora: { rank: 2, targets: (path) => path === LORA_SITE, tensors: (_, factor) => (factor === 'down' ? down : up) },
      }, { sample, encoderHiddenStates: text, timestep: timestep() }).output,
      [{ shape: [1, 4, 4, 4] }, { shape: [1, 3, 32] }, { shape: [2, 32] }, { shape: [32, 2] }],
      { seed: 8 },
    );
    console.log(JSON.stringify(report.perInput));
    assert.ok(report.vjpError < LIMIT && report.jvpError < LIMIT, JSON.stringify(report.perInput));
  });

  it('of the mid-block output (h-space) with respect to the latent', async () => {
    const report = await checkGradients(
      (sample, text) => buildUNet(config, weights(), options, { sample, encoderHiddenStates: text, timestep: timestep() }).mid as Tensor,
      [{ shape: [1, 4, 4, 4] }, { shape: [1, 3, 32] }],
      { seed: 9 },
    );
    console.log(JSON.stringify(report.perInput));
    assert.ok(report.vjpError < LIMIT && report.jvpError < LIMIT, JSON.stringify(report.perInput));
  });
});
