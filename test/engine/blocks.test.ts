import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkGradients } from '../../src/engine/gradcheck.ts';
import { resnetBlock, transformerBlock } from './blocks.ts';

/** Fixed by default so runs are reproducible; ENGINE_TEST_SEED draws other random inputs. */
const seed = Number(process.env.ENGINE_TEST_SEED ?? 0);

for (const [name, block] of [['ResNet block with GroupNorm', resnetBlock], ['transformer block with self- and cross-attention', transformerBlock]] as const) {
  test(`float64 VJP and JVP of a ${name} match finite differences to 1e-6`, async () => {
    const report = await checkGradients(block.build, block.inputs, { dtype: 'float64', seed: seed + 21 });
    assert.ok(report.vjpError <= 1e-6, `VJP relative error ${report.vjpError}`);
    assert.ok(report.jvpError <= 1e-6, `JVP relative error ${report.jvpError}`);
  });
  test(`float32 VJP and JVP of a ${name} match float64 finite differences to 1e-3`, async () => {
    const report = await checkGradients(block.build, block.inputs, { dtype: 'float32', seed: seed + 22 });
    assert.ok(report.vjpError <= 1e-3, `VJP relative error ${report.vjpError}`);
    assert.ok(report.jvpError <= 1e-3, `JVP relative error ${report.jvpError}`);
  });
}
