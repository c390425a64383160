// The edit benchmark: a fixed, seeded list of edit cases with their true results. It is regenerated
// on demand (never stored as images in the repository).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { captionOf } from './caption.ts';
import { applyEdit, EDIT_TYPES, sampleEdit, type Edit, type EditType } from './edits.ts';
import { toPng } from '../support/image.ts';
import { createRandom } from '../support/random.ts';
import { renderScene, type RenderOptions } from './render.ts';
import { sampleScene, type Scene } from './scene.ts';

export interface EditCase {
  id: string;
  type: EditType;
  source: Scene;
  sourceCaption: string;
  edit: Edit;
  instruction: string;
  target: Scene;
  targetCaption: string;
  /** Index of the edited object in source / target scenes, where the edit type has one. */
  sourceIndex?: number;
  targetIndex?: number;
}

export interface BenchmarkOptions {
  seed?: number;
  casesPerType?: number;
  types?: readonly EditType[];
}

export const BENCHMARK_SEED = 20261123;

/** Deterministic: the same options always give the same cases. */
export function generateEditBenchmark(options: BenchmarkOptions = {}): EditCase[] {
  const casesPerType = options.casesPerType ?? 50;
  const cases: EditCase[] = [];
  for (const type of options.types ?? EDIT_TYPES) {
    // One stream per type, so asking for fewer types does not change the cases of the others.
    const random = createRandom((options.seed ?? BENCHMARK_SEED) + EDIT_TYPES.indexOf(type) * 7919);
    const minObjects = type === 'remove' ? 2 : 1;
    const maxObjects = type === 'add' ? 2 : 3;
    while (cases.filter((c) => c.type === type).length < casesPerType) {
      const source = sampleScene(random, { minObjects, maxObjects });
      const edit = sampleEdit(random, source, type);
      if (!edit) continue;
      const result = applyEdit(source, edit);
      const index = cases.filter((c) => c.type === type).length;
      const item: EditCase = {
        id: `${type}-${String(index).padStart(3, '0')}`,
        type,
        source,
        sourceCaption: captionOf(source),
        edit,
        instruction: result.instruction,
        target: result.scene,
        targetCaption: result.caption,
      };
      if (result.sourceIndex !== undefined) item.sourceIndex = result.sourceIndex;
      if (result.targetIndex !== undefined) item.targetIndex = result.targetIndex;
      cases.push(item);
    }
  }
  return cases;
}

/**
 * Writes the benchmark to a folder: cases.json (every case) and, per case, `<id>.source.png` and
 * `<id>.target.png`. Returns the number of cases written.
 */
export async function writeEditBenchmark(directory: string, options: BenchmarkOptions & RenderOptions = {}): Promise<number> {
  const cases = generateEditBenchmark(options);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'cases.json'), `${JSON.stringify(cases, null, 1)}\n`);
  for (const item of cases) {
    await writeFile(join(directory, `${item.id}.source.png`), await toPng(renderScene(item.source, options)));
    await writeFile(join(directory, `${item.id}.target.png`), await toPng(renderScene(item.target, options)));
  }
  return cases.length;
}
