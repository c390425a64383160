// Which transformer blocks a concept dictionary reads. The paper (SD-1.4) takes
// `down_blocks.2.attentions.1`, `mid_block.attentions.0` and `up_blocks.1.attentions.0`: the last
// down block and the first up block one level above the 8×8 bottleneck, and the bottleneck's own.
// Counted from the bottleneck the same choice exists on any UNet: on the shipped model (bottleneck
// 4×4) it is `down_blocks.1.attentions.0`, `mid_block.attentions.0`, `up_blocks.1.attentions.0`.
import type { FeatureSite, UNetLayout } from '../models/unet/hooks.ts';

/** The paper's three points of the schedule: the first step, the middle, the last. */
export const CONCEPT_TIMES = [1, 0.5, 0] as const;

export function conceptBlocks(layout: UNetLayout): FeatureSite[] {
  const transformers = layout.transformers;
  if (transformers.length === 0) throw new Error('concepts: this UNet has no transformer blocks to read');
  const sides = [...new Set(transformers.map((t) => t.height))].sort((a, b) => a - b);
  const above = sides[1] ?? sides[0];
  const down = transformers.filter((t) => t.place === 'down' && t.height === above).at(-1);
  const mid = transformers.find((t) => t.place === 'mid');
  const up = transformers.find((t) => t.place === 'up' && t.height === above);
  return [down, mid, up].filter((t): t is FeatureSite => t !== undefined);
}

/** The step index of a point of the schedule (1 = the first step, 0 = the last). */
export function stepAt(time: number, steps: number): number {
  return Math.round((1 - time) * (steps - 1));
}
