// The planner's target prompts, drawn by the shipped model: an addition into an empty corner and a
// move in a two-object scene, planned from plain English and run with the method the plan picks,
// then read back by the image analysis. The prompts must follow the model's caption grammar
// (reading order, a size and a colour for a new object) or the model draws a copy of its neighbour
// or nothing (see models/world-sd/MODEL_CARD.md).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { blended } from '../../src/methods/blended.ts';
import { runEdit } from '../../src/methods/index.ts';
import { masactrl } from '../../src/methods/masactrl.ts';
import { planFromInstruction } from '../../src/plan/index.ts';
import { regionMask } from '../../src/studio/plan-run.ts';
import { analyseImage, type Position } from '../../src/world/index.ts';
import { heldOutScenes, releaseShipped, shippedDiffusion } from '../methods/support.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const SCENES = 8;
const RUN = { steps: 25, guidance: 7.5, seed: 3 };
const regionOf = (position: string) => position.replace(' ', '_') as 'top_left';

describe('planned edits drawn by models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('draws a planned addition in the empty corner it names, with or without a colour', async () => {
    const diffusion = shippedDiffusion();
    const drawn: Record<string, number> = { circle: 0, 'red circle': 0 };
    for (const { rendered, scene } of heldOutScenes(SCENES, 1, 7_300_011)) {
      const corner = (['top left', 'bottom right'] as Position[]).find((c) => c !== scene.objects[0]!.position)!;
      for (const object of Object.keys(drawn)) {
        const planned = planFromInstruction(`put a ${object} in the ${corner}`, { caption: rendered.caption });
        assert.equal(planned.kind, 'plan');
        if (planned.kind !== 'plan') continue;
        const step = planned.plan.steps[0]!;
        assert.equal(step.method, 'blended');
        const run = await runEdit(diffusion, { method: blended, source: { image: rendered, prompt: rendered.caption }, targetPrompt: step.params.prompt!, mask: regionMask(regionOf(corner), rendered.width, rendered.height), ...RUN });
        const found = analyseImage(run.image).objects.filter((o) => o.position === corner);
        if (found.some((o) => o.shape === 'circle' && (object === 'circle' || o.colour === 'red'))) drawn[object]!++;
      }
    }
    const figures = `circles drawn in the corner, of ${SCENES}: ${JSON.stringify(drawn)}`;
    console.log(figures);
    // Measured 8/8 each; a caption with the object named after the existing one drew 1 of 12.
    for (const count of Object.values(drawn)) assert.ok(count >= SCENES - 2, figures);
  });

  it('moves the named object of a two-object scene to the cell asked for, keeping the other', async () => {
    const diffusion = shippedDiffusion();
    let moved = 0;
    let kept = 0;
    for (const { rendered, scene } of heldOutScenes(SCENES, 2, 7_400_021)) {
      const [other, mover] = [scene.objects[0]!, scene.objects.at(-1)!];
      const free = (['top left', 'top right', 'bottom left', 'bottom right'] as Position[]).find((p) => p !== mover.position && p !== other.position)!;
      const planned = planFromInstruction(`move the ${mover.shape} to the ${free}`, { caption: rendered.caption });
      assert.equal(planned.kind, 'plan');
      if (planned.kind !== 'plan') continue;
      const step = planned.plan.steps[0]!;
      assert.equal(step.method, 'masactrl');
      const run = await runEdit(diffusion, { method: masactrl, source: { image: rendered, prompt: rendered.caption }, targetPrompt: step.params.prompt!, ...RUN });
      const objects = analyseImage(run.image).objects;
      if (objects.some((o) => o.position === free && o.shape === mover.shape)) moved++;
      if (objects.some((o) => o.position === other.position && o.shape === other.shape)) kept++;
    }
    const figures = `of ${SCENES}: moved ${moved}, other object kept ${kept}`;
    console.log(figures);
    // Measured 12 and 11 of 12; with the place rewritten where it stood, 4 of 12 moved.
    assert.ok(moved >= SCENES - 2 && kept >= SCENES - 3, figures);
  });
});
