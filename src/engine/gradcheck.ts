import { allocate, type DType, type TypedArray } from './dtype.ts';
import { input, numel, type Tensor } from './tensor.ts';
import { vjp } from './autodiff/vjp.ts';
import { jvp } from './autodiff/jvp.ts';
import { Random } from './random.ts';
import { Program, type HostTensor } from './runtime/session.ts';

export interface CheckedInput {
  shape: readonly number[];
  /** Draws one value (default: standard normal). */
  sample?: (random: Random) => number;
  /** Integer inputs (gather indices) are held fixed. */
  dtype?: 'int64';
}

export interface GradientReport {
  /** Worst relative error of <vjp(r), u_i> against <r, finite difference along u_i>. */
  vjpError: number;
  /** Worst relative error of jvp(u_i) against the finite difference along u_i (vector norm). */
  jvpError: number;
  /** The same per differentiable input, by input index. */
  perInput: Array<{ input: number; vjpError: number; jvpError: number }>;
}

export interface GradientCheckOptions {
  seed?: number;
  /** Precision of the derivative graphs; finite differences are always taken in float64. */
  dtype?: 'float64' | 'float32';
  step?: number;
  threads?: number;
}

function norm(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += (values[i] as number) ** 2;
  return Math.sqrt(total);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += (a[i] as number) * (b[i] as number);
  return total;
}

function host(dtype: DType, shape: readonly number[], values: ArrayLike<number>): HostTensor {
  const data = allocate(dtype, numel(shape));
  if (data instanceof BigInt64Array) for (let i = 0; i < data.length; i++) data[i] = BigInt(values[i] as number);
  else for (let i = 0; i < data.length; i++) data[i] = values[i] as number;
  return { dtype, shape, data };
}

const asNumbers = (data: TypedArray): number[] => Array.from(data as ArrayLike<number>, Number);

/**
 * Checks reverse and forward mode of `build` against central finite differences in float64
 * (Richardson-extrapolated from steps h and h/2),
 * along one random direction per differentiable input and a random output cotangent.
 */
export async function checkGradients(
  build: (...inputs: Tensor[]) => Tensor,
  specs: readonly CheckedInput[],
  options: GradientCheckOptions = {},
): Promise<GradientReport> {
  const random = new Random(options.seed ?? 1);
  const dtype = options.dtype ?? 'float64';
  const step = options.step ?? 1e-4;
  const values = specs.map((spec) => Array.from({ length: numel(spec.shape) }, () => (spec.sample ?? ((r: Random) => r.normal()))(random)));
  const differentiable = specs.flatMap((spec, i) => (spec.dtype === 'int64' ? [] : [i]));

  const makeInputs = (floatType: DType) => specs.map((spec, i) => input(`x${i}`, spec.shape, spec.dtype ?? floatType));
  const feedsFor = (floatType: DType, shifted: number[][]) =>
    Object.fromEntries(specs.map((spec, i) => [`x${i}`, host(spec.dtype ?? floatType, spec.shape, shifted[i] as number[])]));

  // Finite differences, float64.
  const primal = makeInputs('float64');
  const forward = await Program.compile({ y: build(...primal) }, { threads: options.threads ?? 1 });
  const outputShape = forward.outputs[0]?.shape ?? [];
  const cotangent = Array.from({ length: numel(outputShape) }, () => random.normal());
  const directions = specs.map((spec) => Array.from({ length: numel(spec.shape) }, () => random.normal()));
  const differences = new Map<number, number[]>();
  for (const i of differentiable) {
    const central = async (h: number) => {
      const shiftedBy = (delta: number) => values.map((v, j) => (j === i ? v.map((x, k) => x + delta * (directions[i]?.[k] ?? 0)) : v));
      const plus = asNumbers((await forward.run(feedsFor('float64', shiftedBy(h)))).y?.data as TypedArray);
      const minus = asNumbers((await forward.run(feedsFor('float64', shiftedBy(-h)))).y?.data as TypedArray);
      return plus.map((p, k) => (p - (minus[k] as number)) / (2 * h));
    };
    // Richardson extrapolation of two central differences cancels the h^2 error term.
    const coarse = await central(step);
    const fine = await central(step / 2);
    differences.set(i, fine.map((f, k) => (4 * f - (coarse[k] as number)) / 3));
  }
  await forward.release();

  // Derivatives in the requested precision.
  const xs = makeInputs(dtype);
  const y = build(...xs);
  const wrt = differentiable.map((i) => xs[i] as Tensor);
  const ct = input('cotangent', y.shape, dtype);
  const tangents = wrt.map((x, j) => input(`tangent${j}`, x.shape, dtype));
  const gradients = vjp([y], [ct], wrt);
  const [directional] = jvp([y], wrt, tangents);
  const outputs: Record<string, Tensor> = { jvp: directional as Tensor };
  gradients.forEach((g, j) => (outputs[`g${j}`] = g));
  const derivatives = await Program.compile(outputs, { threads: options.threads ?? 1 });
  const perInput: GradientReport['perInput'] = [];
  for (const [j, i] of differentiable.entries()) {
    const feeds = feedsFor(dtype, values);
    feeds.cotangent = host(dtype, y.shape, cotangent);
    wrt.forEach((x, k) => {
      const direction = k === j ? (directions[i] as number[]) : new Array<number>(x.size).fill(0);
      feeds[`tangent${k}`] = host(dtype, x.shape, direction);
    });
    const result = await derivatives.run(feeds);
    const difference = differences.get(i) as number[];
    const reverse = dot(asNumbers(result[`g${j}`]?.data as TypedArray), directions[i] as number[]);
    const expected = dot(cotangent, difference);
    const forwardValues = asNumbers(result.jvp?.data as TypedArray);
    const gap = norm(forwardValues.map((v, k) => v - (difference[k] as number)));
    perInput.push({
      input: i,
      vjpError: Math.abs(reverse - expected) / Math.max(Math.abs(expected), Math.abs(reverse), 1e-12),
      jvpError: gap / Math.max(norm(difference), 1e-12),
    });
  }
  await derivatives.release();
  return {
    vjpError: Math.max(0, ...perInput.map((r) => r.vjpError)),
    jvpError: Math.max(0, ...perInput.map((r) => r.jvpError)),
    perInput,
  };
}
