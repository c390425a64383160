// Renders a deterministic set of world scenes for the offline trainer (scripts/train/train_world.py):
//   <out>/images.u8     N × 128 × 128 × 3 bytes, row-major RGB
//   <out>/captions.txt  one caption per line, same order
//   <out>/scenes.jsonl  the scenes themselves, for checks
// Usage: node --import tsx scripts/train/export-world.ts --out DIR --count N [--seed S]
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { captionOf, renderScene, sampleScene, type Scene } from '../../src/world/index.ts';
import { createRandom } from '../../src/support/random.ts';

/** One-object scenes matter most (generation is measured on them); two and three keep composition alive. */
export function sampleTrainingScene(random: ReturnType<typeof createRandom>): Scene {
  const roll = random.next();
  const objects = roll < 0.6 ? 1 : roll < 0.9 ? 2 : 3;
  return sampleScene(random, { minObjects: objects, maxObjects: objects });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string', default: '20261123' } },
  });
  if (!values.out || !values.count) throw new Error('usage: export-world.ts --out DIR --count N [--seed S]');
  const count = Number(values.count);
  const random = createRandom(Number(values.seed));
  await mkdir(values.out, { recursive: true });
  const images = createWriteStream(path.join(values.out, 'images.u8'));
  const captions: string[] = [];
  const scenes: string[] = [];
  for (let i = 0; i < count; i++) {
    const scene = sampleTrainingScene(random);
    const image = renderScene(scene);
    if (!images.write(image.rgb)) await new Promise<void>((resolve) => images.once('drain', () => resolve()));
    captions.push(captionOf(scene));
    scenes.push(JSON.stringify(scene));
  }
  await new Promise<void>((resolve, reject) => images.end(() => resolve()).once('error', reject));
  await writeFile(path.join(values.out, 'captions.txt'), captions.join('\n') + '\n');
  await writeFile(path.join(values.out, 'scenes.jsonl'), scenes.join('\n') + '\n');
  console.log(`wrote ${count} scenes to ${values.out}`);
}

await main();
