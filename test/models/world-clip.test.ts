import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { changeWord, evaluateClip } from '../../src/eval/clip.ts';
import { ClipScorer } from '../../src/models/clip/index.ts';
import { SHIPPED_CLIP_DIR } from '../../src/models/shipped.ts';
import { requireShippedClip } from '../support/shipped-models.ts';

it('changeWord replaces one attribute word of its kind, whole words only, places as a unit', () => {
  const caption = 'a large striped red star in the top left on grass';
  const first = () => 0;
  assert.equal(changeWord(caption, 'colour', first), 'a large striped orange star in the top left on grass');
  assert.equal(changeWord(caption, 'place', first), 'a large striped red star in the top middle on grass');
  assert.equal(changeWord(caption, 'background', () => 2), 'a large striped red star in the top left on night');
  assert.equal(changeWord('a small red ring in the center on sky', 'style', first), undefined);
  // 'star' is a shape; 'startoftext' or 'started' would not be
  assert.equal(changeWord('a small started thing', 'shape', first), undefined);
});

describe('models/world-clip', () => {
  requireShippedClip();
  const scorer = ClipScorer.open(SHIPPED_CLIP_DIR);
  after(() => scorer.release());

  it('scores the true caption of held-out scenes above one word changed, for every kind of word', async () => {
    const result = await evaluateClip(scorer, { n: 40 });
    const figures = `${Object.entries(result.oneWordChanged).map(([k, v]) => `${k} ${v.accuracy.toFixed(2)} (${v.cases})`).join(', ')}; retrieval ${result.retrieval.toFixed(2)}`;
    console.log(`world-clip, 40 held-out scenes: ${figures}`);
    for (const [kind, { accuracy, cases }] of Object.entries(result.oneWordChanged)) {
      if (cases < 5) continue;
      assert.ok(accuracy >= MIN_ACCURACY, `${kind}: ${figures}`);
    }
    assert.ok(result.retrieval >= 0.8, figures);
  });
});

// Chance is 0.5. Shipped weights (step 1,300) on these 40 scenes: colour, style, place, background 1.00,
// size 0.975, shape 0.825; retrieval 0.975.
const MIN_ACCURACY = 0.75;
