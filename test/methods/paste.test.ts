import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { diffedit } from '../../src/methods/diffedit.ts';
import { runEdit } from '../../src/methods/index.ts';
import { pasteOutside } from '../../src/methods/shared/paste.ts';
import { planFromInstruction } from '../../src/plan/index.ts';
import { generateEditBenchmark, renderScene, scoreEdit } from '../../src/world/index.ts';
import type { RgbImage } from '../../src/support/image.ts';
import { releaseShipped, shippedDiffusion } from './support.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const flat = (value: number, side = 32): RgbImage => ({ rgb: new Uint8Array(side * side * 3).fill(value), width: side, height: side });

describe('pasting the source back outside a local edit', () => {
  it('keeps the edit on its latent cells and the grown edge, ramps over the feather, and is the source beyond', () => {
    // A 4×4 latent grid over 32×32 pixels: cell (1, 1) covers pixels 8–15.
    const mask = new Float32Array(16);
    mask[1 * 4 + 1] = 1;
    const { image, keptFraction } = pasteOutside(flat(200), flat(40), mask, 4, 4, { grow: 2, feather: 3 });
    const at = (x: number, y: number) => image.rgb[(y * 32 + x) * 3]!;
    assert.equal(at(8, 8), 200);
    assert.equal(at(15, 12), 200);
    assert.equal(at(17, 12), 200, 'within the grown edge');
    const ramp = [18, 19, 20].map((x) => at(x, 12));
    assert.ok(ramp[0]! < 200 && ramp[0]! > ramp[1]! && ramp[1]! > ramp[2]! && ramp[2]! > 40, `ramp ${ramp}`);
    assert.equal(at(21, 12), 40, 'past the feather: the source');
    assert.equal(at(0, 0), 40);
    // Cells 8 + 2 + 2 + 3 + 3 = 18 px a side are touched; the rest is exactly the source.
    assert.equal(keptFraction, 1 - (18 * 18) / (32 * 32));
  });

  it('ignores cells the mask only grazes (≤ 1%) and leaves an empty mask as the source', () => {
    const mask = new Float32Array(16).fill(0.005);
    const { image, keptFraction } = pasteOutside(flat(200), flat(40), mask, 4, 4);
    assert.equal(keptFraction, 1);
    assert.ok(image.rgb.every((v) => v === 40));
  });
});

describe('paste-back on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('keeps the objects a removal leaves exactly as they were, where the decoder alone shifts their colours', async () => {
    const diffusion = shippedDiffusion();
    const cases = generateEditBenchmark({ casesPerType: 10, types: ['remove'] });
    const kept = { pasted: 0, decoded: 0 };
    let removed = 0;
    let exact = 0;
    for (const [index, item] of cases.entries()) {
      const planned = planFromInstruction(item.instruction, { caption: item.sourceCaption });
      assert.ok(planned.kind === 'plan');
      const source = renderScene(item.source, { size: diffusion.width });
      const request = { method: diffedit, source: { image: source, prompt: item.sourceCaption }, targetPrompt: planned.plan.steps[0]!.params.prompt!, steps: 25, guidance: 7.5, seed: index };
      const pasted = await runEdit(diffusion, request);
      const decoded = await runEdit(diffusion, { ...request, pasteOutside: false });
      const score = (image: RgbImage) => scoreEdit(item.source, item.edit, image, { sourceImage: source });
      const pastedScore = score(pasted.image);
      kept.pasted += pastedScore.keptStyleAside ? 1 : 0;
      kept.decoded += score(decoded.image).keptStyleAside ? 1 : 0;
      removed += pastedScore.intended ? 1 : 0;
      // Every pixel the runner reports as kept is the source's to the byte.
      const share = pasted.output.metrics?.sourcePixelsKept ?? 0;
      let same = 0;
      for (let p = 0; p < source.width * source.height; p++) {
        if ([0, 1, 2].every((c) => pasted.image.rgb[p * 3 + c] === source.rgb[p * 3 + c])) same++;
      }
      if (share > 0.5 && same / (source.width * source.height) >= share) exact++;
    }
    const figures = `10 removals (DiffEdit, 25 steps): other objects and background kept (patterns aside) ${kept.pasted} pasted vs ${kept.decoded} decoded; removed ${removed}; outside the edit byte-exact in ${exact}`;
    console.log(figures);
    assert.equal(exact, 10, figures);
    assert.ok(kept.pasted >= kept.decoded && kept.pasted >= 8, figures);
    assert.ok(removed >= 8, figures);
  });
});
