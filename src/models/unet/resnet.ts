import * as E from '../../engine/index.ts';
import { activation, conv2d, groupNorm, linear } from '../layers.ts';
import type { Weights } from '../weights.ts';

export interface ResnetOptions {
  groups: number;
  eps: number;
  act: string;
  /** `resnet_time_scale_shift: scale_shift`: the time embedding gives a scale and a shift after norm2. */
  scaleShift: boolean;
  outputScale: number;
}

/** diffusers' ResnetBlock2D with a time embedding (temb already passed through nothing: act is applied here). */
export function resnetBlock(w: Weights, x: E.Tensor, temb: E.Tensor, options: ResnetOptions): E.Tensor {
  const { groups, eps, act } = options;
  let h = conv2d(w.at('conv1'), activation(act, groupNorm(w.at('norm1'), x, groups, eps)), { padding: 1 });
  const [batch, channels] = h.shape as [number, number];
  const t = linear(w.at('time_emb_proj'), activation(act, temb));
  if (options.scaleShift) {
    const [scale, shift] = E.split(E.reshape(t, [batch, 2 * channels, 1, 1]), 1, [channels, channels]) as [E.Tensor, E.Tensor];
    h = E.add(E.mul(groupNorm(w.at('norm2'), h, groups, eps), E.add(scale, 1)), shift);
  } else {
    h = groupNorm(w.at('norm2'), E.add(h, E.reshape(t, [batch, channels, 1, 1])), groups, eps);
  }
  h = conv2d(w.at('conv2'), activation(act, h), { padding: 1 });
  const shortcut = w.has('conv_shortcut.weight') ? conv2d(w.at('conv_shortcut'), x) : x;
  const sum = E.add(shortcut, h);
  return options.outputScale === 1 ? sum : E.div(sum, options.outputScale);
}
