// Captions of random scenes of the world: what the shipped model was trained to draw, for building
// its concept dictionary.
import { createRandom } from '../support/random.ts';
import { captionOf, sampleScene } from '../world/index.ts';

/** `count` captions of random scenes, the same for the same seed. */
export function sampleWorldCaptions(count: number, seed: number): string[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => captionOf(sampleScene(random)));
}
