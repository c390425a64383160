// Single-op ONNX models written directly with onnx-proto: onnxruntime's own speed, without the engine.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = 1;

const info = (name: string, shape: readonly number[]) => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
});

function model(node: { opType: string; input: string[]; output: string[]; attribute?: object[] }, inputs: [string, readonly number[]][], output: readonly number[]) {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 18 }],
      graph: { name: 'plain', node: [node], input: inputs.map(([n, s]) => info(n, s)), output: [info('y', output)] },
    }),
  ).finish();
}

export function plainMatMul(m: number, k: number, n: number): Uint8Array {
  return model({ opType: 'MatMul', input: ['a', 'b'], output: ['y'] }, [['a', [m, k]], ['b', [k, n]]], [m, n]);
}

export function plainConv(x: readonly number[], w: readonly number[], pad: number, stride: number, out: readonly number[]): Uint8Array {
  const ints = (name: string, values: number[]) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
  return model(
    {
      opType: 'Conv',
      input: ['x', 'w'],
      output: ['y'],
      attribute: [ints('pads', [pad, pad, pad, pad]), ints('strides', [stride, stride]), ints('kernel_shape', w.slice(2) as number[])],
    },
    [['x', x], ['w', w]],
    out,
  );
}
