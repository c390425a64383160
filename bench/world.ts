// Measures the procedural world: rendering speed and how well the analysis reads images back.
//   node --import tsx bench/world.ts                 render timing + analysis accuracy (clean and degraded)
//   node --import tsx bench/world.ts --scenes 500    more scenes
//   node --import tsx bench/world.ts write <dir>     write the edit benchmark (cases.json + PNGs) to <dir>
import {
  OBJECT_ATTRIBUTES, addGaussianNoise, colourJitter, degrade, downUpScale, gaussianBlur,
  generateEditBenchmark, renderScene, sampleScene, scoreEdit, scoreScene, warp, writeEditBenchmark,
} from '../src/world/index.ts';
import type { RgbImage } from '../src/support/image.ts';
import { createRandom } from '../src/support/random.ts';

const args = process.argv.slice(2);
if (args[0] === 'write') {
  const directory = args[1];
  if (!directory) throw new Error('usage: bench/world.ts write <dir>');
  const count = await writeEditBenchmark(directory);
  console.log(`wrote ${count} edit cases to ${directory}`);
  process.exit(0);
}
const scenesIndex = args.indexOf('--scenes');
const sceneCount = scenesIndex >= 0 ? Number(args[scenesIndex + 1]) : 300;

const random = createRandom(2026);
const timingScenes = Array.from({ length: 1000 }, () => sampleScene(random));
for (const scene of timingScenes.slice(0, 50)) renderScene(scene);
let start = performance.now();
for (const scene of timingScenes) renderScene(scene);
console.log(`render: ${((performance.now() - start) / timingScenes.length).toFixed(2)} ms per 128×128 image (1000 scenes, 4×4 supersampled edges)`);

const conditions: [string, (image: RgbImage, i: number) => RgbImage][] = [
  ['clean', (image) => image],
  ['noise σ=10', (image, i) => addGaussianNoise(image, 10, i)],
  ['blur σ=1', (image) => gaussianBlur(image, 1)],
  ['blur σ=2', (image) => gaussianBlur(image, 2)],
  ['colour jitter ±5%', (image, i) => colourJitter(image, 0.05, i)],
  ['down-up ×2', (image) => downUpScale(image, 2)],
  ['all of them (blur 1–2)', (image, i) => degrade(image, i)],
  ['warp ±2 px', (image, i) => warp(image, 2, i)],
  ['warp ±2 px + all', (image, i) => degrade(warp(image, 2, i), i)],
];
console.log(`\nanalysis accuracy over ${sceneCount} scenes (objects: per attribute; scenes: background, object count)`);
for (const [label, corrupt] of conditions) {
  const sceneRandom = createRandom(31337);
  const correct = Object.fromEntries(OBJECT_ATTRIBUTES.map((k) => [k, 0])) as Record<string, number>;
  let objects = 0;
  let background = 0;
  let count = 0;
  start = performance.now();
  for (let i = 0; i < sceneCount; i++) {
    const scene = sampleScene(sceneRandom);
    const score = scoreScene(scene, corrupt(renderScene(scene), i));
    if (score.background) background++;
    if (score.analysis.objects.length === scene.objects.length) count++;
    for (const object of score.objects) {
      objects++;
      for (const k of OBJECT_ATTRIBUTES) if (object.correct[k]) correct[k] = (correct[k] ?? 0) + 1;
    }
  }
  const percent = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
  const parts = OBJECT_ATTRIBUTES.map((k) => `${k} ${percent(correct[k] ?? 0, objects)}`);
  console.log(`  ${label.padEnd(24)} ${parts.join('  ')}  background ${percent(background, sceneCount)}  count ${percent(count, sceneCount)}  (${((performance.now() - start) / sceneCount).toFixed(1)} ms/scene)`);
}

// The edit scorer on the benchmark's own true results, degraded: an upper bound for any editor.
const cases = generateEditBenchmark();
const byType = new Map<string, { intended: number; kept: number; total: number }>();
for (const [i, item] of cases.entries()) {
  const score = scoreEdit(item.source, item.edit, degrade(renderScene(item.target), i), { checkStyle: false });
  const tally = byType.get(item.type) ?? { intended: 0, kept: 0, total: 0 };
  tally.total++;
  if (score.intended) tally.intended++;
  if (score.kept) tally.kept++;
  byType.set(item.type, tally);
}
console.log(`\nedit scorer on degraded true results (${cases.length} cases; kept ignores style):`);
for (const [type, tally] of byType) {
  console.log(`  ${type.padEnd(11)} intended ${((100 * tally.intended) / tally.total).toFixed(0)}%  kept ${((100 * tally.kept) / tally.total).toFixed(0)}%`);
}
