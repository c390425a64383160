import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as E from '../../src/engine/index.ts';
import { buildClipText } from '../../src/models/clip/index.ts';
import { openStableDiffusion, type StableDiffusionModel } from '../../src/models/stable-diffusion.ts';
import { buildUNet } from '../../src/models/unet/unet.ts';
import { buildDecoder } from '../../src/models/vae/index.ts';
import { assembleDiffusersFolder, FIXTURES, loadFixture, relativeError } from './support.ts';

const unetFixture = loadFixture('unet-sd1');
const vaeFixture = loadFixture('vae');
const textFixture = loadFixture('clip-text');

/** Runs the three networks of `model` on the fixtures' inputs; returns the worst relative error. */
async function worstError(model: StableDiffusionModel): Promise<number> {
  const sample = unetFixture.get('in.sample');
  const [batch, , height, width] = sample.shape as number[] as [number, number, number, number];
  const text = unetFixture.get('in.encoder_hidden_states');
  const unet = buildUNet(model.unet.config, model.unet.weights, { batch, height, width, textLength: text.shape[1] as number });
  const latent = vaeFixture.get('in.latent');
  const decoded = buildDecoder(model.vae.config, model.vae.weights, E.input('latent', latent.shape));
  const ids = textFixture.get('in.input_ids');
  const encoded = buildClipText(model.textEncoder.weights, model.textEncoder.config, { batch: ids.shape[0] as number, length: ids.shape[1] as number });
  const out = await E.evaluate(
    { noise: unet.output, image: decoded, text: encoded.lastHiddenState },
    { sample, timestep: unetFixture.get('in.timestep'), encoder_hidden_states: text, latent, input_ids: ids },
  );
  return Math.max(
    relativeError(out.noise!, unetFixture.get('out.sample')),
    relativeError(out.image!, vaeFixture.get('out.decoded')),
    relativeError(out.text!, textFixture.get('out.last_hidden_state')),
  );
}

describe('openStableDiffusion', () => {
  const root = assembleDiffusersFolder();
  after(() => rmSync(root, { recursive: true, force: true }));

  it('opens a diffusers folder: the UNet, VAE decoder and text encoder reproduce the reference', async () => {
    const model = openStableDiffusion(root);
    assert.match(model.hash, /^[0-9a-f]{64}$/);
    assert.equal(model.schedulerConfig?._class_name, 'DDIMScheduler');
    assert.deepEqual(model.tokenizer.encode('a large red star'), model.tokenizer.encode('A  large RED star'));
    assert.ok(await worstError(model) < 1e-4);
  });

  it('opens a single-file SD-1.x checkpoint (original key names) to the same networks', async () => {
    const model = openStableDiffusion(join(FIXTURES, 'sd1-single-file', 'model.safetensors'), {
      tokenizerDir: join(root, 'tokenizer'),
      singleFile: {
        overrides: { unet: { attention_head_dim: 4, norm_num_groups: 8 }, vae: { norm_num_groups: 8 }, text_encoder: { num_attention_heads: 4, eos_token_id: 99, bos_token_id: 98 } },
      },
    });
    assert.ok(await worstError(model) < 1e-4);
  });

  it('names what is missing', () => {
    assert.throws(() => openStableDiffusion(join(root, 'nowhere')), /nowhere: no such file or folder/);
    assert.throws(() => openStableDiffusion(join(FIXTURES, 'sd1-single-file', 'model.safetensors')), /has no tokenizer/);
    rmSync(join(root, 'unet', 'config.json'));
    assert.throws(() => openStableDiffusion(root), /unet\/config\.json/);
  });
});
