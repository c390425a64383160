import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDictionary } from '../../src/concepts/build.ts';
import { EDIT_METHODS, runEdit, type EditMethod } from '../../src/methods/index.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { openStableDiffusion } from '../../src/models/stable-diffusion.ts';
import { Diffusion } from '../../src/pipeline/diffusion.ts';
import type { ConceptDictionary } from '../../src/models/sae/dictionary.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// Every method at another size than the one it was written against: the shipped model compiled for
// 192×128 (a 24×16 latent, not square, not a power of two). Nothing may assume the shipped model's
// default sizes; the result must be an image of the requested size, and not the untouched source.
describe('every editing method at a non-square size', () => {
  requireShippedModel();
  const diffusion = new Diffusion(openStableDiffusion(SHIPPED_MODEL_DIR), { hooks: true, width: 192, height: 128 });
  after(() => diffusion.release());
  const width = diffusion.width;
  const height = diffusion.height;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + Math.floor(i / (width * 3)) * 11) % 256;
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height / 2; y++) for (let x = 0; x < width / 2; x++) mask[y * width + x] = 255;

  // The SAE methods steer with a concept dictionary of this size: a tiny one, no words (style by number).
  let concepts: ConceptDictionary | undefined;
  const work = mkdtempSync(join(tmpdir(), 'retouch-non-square-'));
  before(async () => {
    concepts = await buildDictionary(diffusion, work, {
      name: 'non-square', prompts: ['a red star on grass', 'a blue circle on sky', 'a green heart on sand'], seed: 1, steps: 4,
      sites: (site) => site.branch === 'cond' && site.time !== 0 && site.block.startsWith('up_blocks'), sae: { epochs: 2, batch: 64 }, regions: async () => undefined,
    });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const paramsFor = (method: EditMethod): Record<string, unknown> | undefined => {
    if (method.id === 'multidiffusion') return { widthFactor: 2 };
    if (method.id === 'sae.move') return { object: 'star', region: 'bottom_right' };
    if (method.id === 'sae.style') return { style: 'striped', feature: 0 };
    if (method.id === 'paint_with_words') return { regions: [{ word: 'star', region: { x0: 0, y0: 0, x1: 0.5, y1: 1 } }] };
    if (method.id === 'p2p.reweight') return { token: 'blue' };
    return undefined;
  };

  for (const method of EDIT_METHODS) {
    it(`${method.id} runs and returns an image of the requested size`, async () => {
      const run = await runEdit(diffusion, {
        method,
        params: paramsFor(method),
        source: method.needs.generates && method.id !== 'guide.prompt_switch' ? undefined : { image: { width, height, rgb }, prompt: 'a large red star in the center on grass' },
        targetPrompt: 'a large blue star in the center on grass',
        mask: method.needs.mask || method.id === 'sae.move' ? { data: mask, width, height } : undefined,
        concepts,
        steps: 4,
        guidance: 7.5,
        seed: 1,
      });
      const expectedWidth = method.id === 'multidiffusion' ? 2 * width : width;
      assert.equal(run.image.width, expectedWidth);
      assert.equal(run.image.height, height);
      assert.equal(run.image.rgb.length, expectedWidth * height * 3);
      if (expectedWidth === width) assert.ok(run.image.rgb.some((v, i) => v !== rgb[i]), 'the result is not the untouched source');
    });
  }
});
