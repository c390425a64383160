import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fromFloat32, type HostTensor } from '../../../src/engine/index.ts';
import { parseUNetConfig } from '../../../src/models/unet/config.ts';
import { CompiledUNet } from '../../../src/models/unet/model.ts';
import { Weights } from '../../../src/models/weights.ts';
import { averageHeads, loadFixture, relativeError } from '../support.ts';

const LIMIT = 1e-4;

for (const name of ['unet-sd1', 'unet-sd2']) {
  describe(`UNet2DConditionModel against the torch reference (${name})`, () => {
    const fixture = loadFixture(name);
    const config = parseUNetConfig(fixture.config, `${name}/config.json`);
    const sample = fixture.get('in.sample');
    const [batch, , height, width] = sample.shape as [number, number, number, number];
    const textLength = fixture.get('in.encoder_hidden_states').shape[1] as number;
    const input = { sample, timestep: fixture.get('in.timestep'), encoderHiddenStates: fixture.get('in.encoder_hidden_states') };

    it('plain graph: output within 1e-4, every weight used', async () => {
      const weights = Weights.fromFile(join(fixture.dir, 'diffusion_pytorch_model.safetensors'));
      const unet = await CompiledUNet.compile(config, weights, { batch, height, width, textLength });
      const { sample: out } = await unet.step(input);
      await unet.release();
      const error = relativeError(out, fixture.get('out.sample'));
      console.log(`${name} output relative error ${error.toExponential(2)}`);
      assert.ok(error < LIMIT, `relative error ${error}`);
      assert.deepEqual(weights.unused(), []);
    });

    it('float16 graph (hooks on; SD-2 upcasts attention to float32): within 1e-2', async () => {
      const weights = Weights.fromFile(join(fixture.dir, 'diffusion_pytorch_model.safetensors'), { dtype: 'float16' });
      const unet = await CompiledUNet.compile(config, weights, { batch, height, width, textLength, dtype: 'float16', hooks: true });
      const half = (t: HostTensor): HostTensor => ({ dtype: 'float16', shape: t.shape, data: fromFloat32('float16', t.data as Float32Array) });
      const { sample: out } = await unet.step({ ...input, sample: half(sample), encoderHiddenStates: half(input.encoderHiddenStates) });
      await unet.release();
      const error = relativeError(out, fixture.get('out.sample'));
      console.log(`${name} float16 output relative error ${error.toExponential(2)}`);
      assert.ok(error < 1e-2, `relative error ${error}`);
    });

    it('hooked graph with neutral controls: same output, captures match the reference', async () => {
      const weights = Weights.fromFile(join(fixture.dir, 'diffusion_pytorch_model.safetensors'));
      const unet = await CompiledUNet.compile(config, weights, { batch, height, width, textLength, hooks: true, selfMapTokens: 1 << 20 });
      const expected = [...fixture.io.keys()].filter((key) => key.startsWith('out.') && key !== 'out.sample');
      const captureName = (key: string) => (key === 'out.mid' ? 'capture.mid_block' : `capture.${key.slice(4)}`);
      const result = await unet.step(input, { capture: expected.map(captureName) });
      await unet.release();
      assert.ok(relativeError(result.sample, fixture.get('out.sample')) < LIMIT);
      for (const key of expected) {
        let reference = fixture.get(key);
        if (key.endsWith('.probs')) {
          const site = [...unet.layout.selfAttention, ...unet.layout.crossAttention].find((s) => `out.${s.path}.probs` === key);
          assert.ok(site, key);
          reference = averageHeads(reference, site.heads);
        }
        const error = relativeError(result.captures[captureName(key)]!, reference);
        console.log(`${name} ${key} relative error ${error.toExponential(2)}`);
        assert.ok(error < LIMIT, `${key}: relative error ${error}`);
      }
    });
  });
}
