import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { evaluationScenes } from '../../src/eval/t2i.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { openStableDiffusion } from '../../src/models/stable-diffusion.ts';
import { rgbToTensor, tensorToImage } from '../../src/models/vae/index.ts';
import { Diffusion } from '../../src/pipeline/diffusion.ts';
import { invert, reconstruct, type InversionMethod } from '../../src/pipeline/inversion/index.ts';
import { renderScene } from '../../src/world/index.ts';
import { psnr } from '../../src/support/image.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// The inversions on the shipped model, one held-out scene, 10 steps at guidance 7.5, with a prompt
// that names only the object's shape ("a star", as a user's prompt leaves things out): the methods
// that fix CFG's drift give back what the VAE gives back; plain DDIM does not. The fuller the prompt,
// the less DDIM drifts: on this scene (UNet fine-tune step 1,001; ceiling 32.13 dB) the full caption
// gives 31.94, "a medium outlined white star" 30.40, "a star" 27.86, and a wrong one ("a red star")
// 26.85, while null-text stays at 31.86–32.14. Skipped until the model is exported.
describe('inversions on models/world-sd', () => {
  requireShippedModel();
  const diffusion = new Diffusion(openStableDiffusion(SHIPPED_MODEL_DIR));
  after(() => diffusion.release());

  it('with a prompt that names only the shape: null-text, direct and ddpm reach the VAE ceiling, negative-prompt comes close; DDIM at 7.5 falls short', async () => {
    const d = diffusion;
    const scene = evaluationScenes(1, 1, 9_000_001)[0]!;
    const rendered = renderScene(scene, { size: d.width });
    const latent = await d.encode(rgbToTensor(rendered.rgb, rendered.width, rendered.height));
    const ceiling = psnr(rendered, tensorToImage(await d.decode(latent)));
    const prompt = `a ${scene.objects[0]!.shape}`; // "a star"
    const scores: Record<string, number> = {};
    for (const method of ['invert.ddim', 'invert.negative_prompt', 'invert.direct', 'invert.ddpm', 'invert.null_text'] as InversionMethod[]) {
      const inversion = await invert(d, method, { latent, prompt, steps: 10, guidance: 7.5 });
      scores[method] = psnr(rendered, tensorToImage(await d.decode((await reconstruct(d, inversion)).latent)));
    }
    const report = JSON.stringify({ ceiling, ...scores });
    for (const method of ['invert.direct', 'invert.ddpm']) assert.ok(scores[method]! > ceiling - 0.2, report);
    // Negative-prompt inversion is an approximation that tightens with the number of steps: here it
    // gave 30.79 dB (null-text 32.14, DDIM 27.86); at 50 steps `retouch eval inversion` puts it close
    // to the VAE.
    assert.ok(scores['invert.negative_prompt']! > scores['invert.ddim']! + 1 && scores['invert.negative_prompt']! > ceiling - 3, report);
    assert.ok(scores['invert.null_text']! > scores['invert.ddim']! + 1 && scores['invert.null_text']! > ceiling - 1, report);
    assert.ok(scores['invert.ddim']! < ceiling - 1, report);
  });
});
