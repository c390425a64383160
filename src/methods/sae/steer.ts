// Adding a concept direction to one transformer block's residual delta during sampling, position by
// position, as β times that position's own delta norm (the paper's β‖Z_ij‖). The norms (and the
// concept's activity, for methods that take the concept away where it is) are read from the previous
// step's capture of the same block; before any capture, the dictionary's mean norm stands in.
import type { HostTensor } from '../../engine/index.ts';
import { toFloat32 } from '../../engine/index.ts';
import type { DictionarySite } from '../../models/sae/dictionary.ts';
import type { CompiledUNet } from '../../models/unet/model.ts';
import type { UNetControls } from '../../models/unet/controls.ts';

export interface SteerOptions {
  beta: number;
  /** Steps [fromStep, untilStep) are steered. */
  fromStep?: number;
  untilStep: number;
  /** The signed weight of the direction at a position, given the concept's activity there (0–1). */
  weightAt: (position: number, activity: Float32Array) => number;
  /** Features whose summed activation (scaled to its maximum) is the activity; none: zeros. */
  activityOf?: readonly number[];
}

export function steerer(site: DictionarySite, push: Float32Array, options: SteerOptions) {
  const channels = site.sae.inputs;
  const positions = site.height * site.width;
  const capture = `capture.${site.block}.delta`;
  const fromStep = options.fromStep ?? 0;
  const norms = new Float32Array(positions).fill(site.quality.meanNorm);
  const activity = new Float32Array(positions);
  const concept = new Set(options.activityOf ?? []);
  let steered = 0;
  let condElement = 1;
  const inWindow = (step: number) => step >= fromStep && step < options.untilStep;
  return {
    steered: () => steered,
    controls(unet: CompiledUNet, step: number, guided: boolean): UNetControls | undefined {
      condElement = guided ? 1 : 0;
      if (!inWindow(step) || options.beta === 0) return undefined;
      const map = new Float32Array(channels * positions);
      for (let p = 0; p < positions; p++) {
        const w = options.weightAt(p, activity);
        if (w === 0) continue;
        const scale = w * options.beta * (norms[p] as number);
        for (let c = 0; c < channels; c++) map[c * positions + p] = scale * (push[c] as number);
      }
      steered++;
      return unet.controls().addTransformerDelta(site.block, condElement, map);
    },
    captures: (step: number) => (inWindow(step + 1) || inWindow(step) ? [capture] : undefined),
    observe(_step: number, captures: Record<string, HostTensor>): void {
      const tensor = captures[capture];
      if (!tensor) return;
      const delta = tensor.dtype === 'float32' ? (tensor.data as Float32Array) : toFloat32(tensor.dtype, tensor.data);
      const base = condElement * channels * positions;
      const x = new Float32Array(channels);
      let max = 0;
      for (let p = 0; p < positions; p++) {
        let n = 0;
        for (let c = 0; c < channels; c++) {
          const v = delta[base + c * positions + p] as number;
          x[c] = v;
          n += v * v;
        }
        norms[p] = Math.sqrt(n);
        let a = 0;
        if (concept.size) {
          const code = site.sae.encode(x);
          for (let i = 0; i < code.indices.length; i++) if (concept.has(code.indices[i] as number)) a += code.values[i] as number;
        }
        activity[p] = a;
        if (a > max) max = a;
      }
      if (max > 0) for (let p = 0; p < positions; p++) activity[p] = (activity[p] as number) / max;
    },
  };
}

