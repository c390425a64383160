import type { Tensor } from '../tensor.ts';
import { conv2d, convOptions, convTranspose2d, matmul, type ConvAttrs } from '../ops/linalg.ts';
import { concat, flip, pad, reshape, slice, transpose, unsqueeze } from '../ops/movement.ts';
import { spreadOut } from './shared.ts';

const spatial = (t: Tensor): [number, number] => t.shape.slice(2) as [number, number];

/** The output padding that makes conv_transpose2d give back conv2d's input size. */
export function outputPaddingFor(inputSize: readonly [number, number], outputSize: readonly [number, number], kernel: readonly [number, number], attrs: ConvAttrs): [number, number] {
  const leftover = (axis: 0 | 1) =>
    inputSize[axis] + attrs.pads[axis] + (attrs.pads[axis + 2] as number) - attrs.dilations[axis] * (kernel[axis] - 1) - 1 - (outputSize[axis] - 1) * attrs.strides[axis];
  return [leftover(0), leftover(1)];
}

/** Gradient of conv2d's input: the transposed convolution of g with the same geometry. */
export function convInputGradient(g: Tensor, weight: Tensor, inputSize: readonly [number, number], attrs: ConvAttrs): Tensor {
  return convTranspose2d(g, weight, { ...convOptions(attrs), outputPadding: outputPaddingFor(inputSize, spatial(g), spatial(weight), attrs) });
}

/** d<g, conv2d(input, w)>/dw for a kernel of `kernelShape` [out, in/groups, kh, kw]. */
export function convWeightGradient(input: Tensor, g: Tensor, kernelShape: readonly number[], attrs: ConvAttrs): Tensor {
  const [kh, kw] = kernelShape.slice(2) as [number, number];
  return kh * kw <= 9 ? weightGradientByTaps(input, g, kernelShape, attrs) : weightGradientByCorrelation(input, g, kernelShape, attrs);
}

/**
 * One matmul per kernel tap: g [out, N*P] times the input window that tap sees [N*P, in].
 * On onnxruntime's CPU EP this runs 1.3-2x faster than the correlation form for 3x3 kernels.
 */
function weightGradientByTaps(x: Tensor, g: Tensor, kernelShape: readonly number[], { strides, pads, dilations, groups }: ConvAttrs): Tensor {
  const [n, c] = x.shape as [number, number];
  const [o, cg, kh, kw] = kernelShape as [number, number, number, number];
  const [oh, ow] = spatial(g);
  const rows = n * oh * ow;
  const channelsLast = transpose(pad(x, [[0, 0], [0, 0], [pads[0], pads[2]], [pads[1], pads[3]]]), [0, 2, 3, 1]);
  const gradients = reshape(transpose(g, [1, 0, 2, 3]), [groups, o / groups, rows]);
  const taps: Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const [top, left] = [i * dilations[0], j * dilations[1]];
      const window = slice(channelsLast, [
        { axis: 1, start: top, end: top + (oh - 1) * strides[0] + 1, step: strides[0] },
        { axis: 2, start: left, end: left + (ow - 1) * strides[1] + 1, step: strides[1] },
      ]);
      const grouped = transpose(reshape(window, [rows, groups, c / groups]), [1, 0, 2]);
      taps.push(unsqueeze(reshape(matmul(gradients, grouped), [o, cg]), 2));
    }
  }
  return reshape(concat(taps, 2), [o, cg, kh, kw]);
}

/** The correlation form, for large kernels: batch and channels swap roles and g becomes the kernel. */
function weightGradientByCorrelation(x: Tensor, g: Tensor, kernelShape: readonly number[], { strides, pads, dilations, groups }: ConvAttrs): Tensor {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [, cg, kh, kw] = kernelShape as [number, number, number, number];
  const images = reshape(transpose(reshape(x, [n, groups, c / groups, h, wd]), [2, 1, 0, 3, 4]), [cg, groups * n, h, wd]);
  const full = conv2d(images, transpose(g, [1, 0, 2, 3]), { stride: dilations, dilation: strides, padding: pads, groups });
  return transpose(slice(full, [{ axis: 2, end: kh }, { axis: 3, end: kw }]), [1, 0, 2, 3]);
}

/** Puts step-1 zeros between entries along axis: length n becomes (n - 1) * step + 1. */
function insertZeros(x: Tensor, axis: number, step: number): Tensor {
  if (step === 1) return x;
  return slice(spreadOut(x, axis, step), [{ axis, end: ((x.shape[axis] as number) - 1) * step + 1 }]);
}

/**
 * conv_transpose2d written as a stride-1 conv2d: zeros inserted between input entries, borders
 * padded (or cropped), kernel flipped with its in/out axes swapped per group.
 */
export function convTransposeAsConv(u: Tensor, weight: Tensor, outputSize: readonly [number, number], attrs: ConvAttrs): Tensor {
  const { strides, pads, dilations, groups } = attrs;
  const [cin, og, kh, kw] = weight.shape as [number, number, number, number];
  const spread = insertZeros(insertZeros(u, 2, strides[0]), 3, strides[1]);
  const border = (axis: 0 | 1): [number, number] => {
    const kernel = dilations[axis] * ((axis === 0 ? kh : kw) - 1) + 1;
    const [begin, end] = [pads[axis], pads[axis + 2] as number];
    const extra = outputSize[axis] - ((spread.shape[2 + axis] as number) + 2 * (kernel - 1) - begin - end - kernel + 1);
    return [kernel - 1 - begin, kernel - 1 - end + extra];
  };
  const [rows, cols] = [border(0), border(1)];
  // Negative borders crop first; positive ones become the conv's own padding.
  const cropped = pad(spread, [[0, 0], [0, 0], [Math.min(rows[0], 0), Math.min(rows[1], 0)], [Math.min(cols[0], 0), Math.min(cols[1], 0)]]);
  const padding = [rows[0], cols[0], rows[1], cols[1]].map((v) => Math.max(v, 0)) as [number, number, number, number];
  const swapped = reshape(transpose(reshape(weight, [groups, cin / groups, og, kh, kw]), [0, 2, 1, 3, 4]), [og * groups, cin / groups, kh, kw]);
  return conv2d(cropped, flip(swapped, [2, 3]), { dilation: dilations, groups, padding });
}
