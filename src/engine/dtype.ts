import { float16ToFloat32Array, float32ToFloat16Array, fromFloat16Bits, toFloat16Bits } from './float16.ts';
/** Element types the engine knows, named as onnxruntime-node names them (bfloat16 has no JS tensor type). */
export type DType = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'bool';

export const FLOAT_DTYPES: readonly DType[] = ['float64', 'float32', 'float16', 'bfloat16'];

export function isFloat(dtype: DType): boolean {
  return FLOAT_DTYPES.includes(dtype);
}

export type TypedArray = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  bool: 9,
  float16: 10,
  float64: 11,
  int32: 6,
  int64: 7,
  bfloat16: 16,
};

export const DTYPE_BYTES: Record<DType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  bool: 1,
};

export function allocate(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case 'float64':
      return new Float64Array(length);
    case 'float32':
      return new Float32Array(length);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'bool':
      return new Uint8Array(length);
  }
}

/** Views raw little-endian bytes as the typed array of `dtype` (copies only when unaligned). */
export function viewBytes(dtype: DType, bytes: Uint8Array): TypedArray {
  const width = DTYPE_BYTES[dtype];
  const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  const length = aligned.byteLength / width;
  switch (dtype) {
    case 'float64':
      return new Float64Array(aligned.buffer, aligned.byteOffset, length);
    case 'float32':
      return new Float32Array(aligned.buffer, aligned.byteOffset, length);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(aligned.buffer, aligned.byteOffset, length);
    case 'int64':
      return new BigInt64Array(aligned.buffer, aligned.byteOffset, length);
    case 'int32':
      return new Int32Array(aligned.buffer, aligned.byteOffset, length);
    case 'bool':
      return new Uint8Array(aligned.buffer, aligned.byteOffset, length);
  }
}

export function bytesOf(array: TypedArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

const scratch = new DataView(new ArrayBuffer(4));

export function float32ToBfloat16(value: number): number {
  scratch.setFloat32(0, value, true);
  const bits = scratch.getUint32(0, true);
  if (Number.isNaN(value)) return 0x7fc0;
  // Round to nearest even on the 16 dropped bits.
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

export function bfloat16ToFloat32(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16, true);
  return scratch.getFloat32(0, true);
}

export { fromFloat16Bits as float16ToFloat32, toFloat16Bits as float32ToFloat16 };

/** Converts any float array (f16/bf16 given as raw bits) to Float32Array. */
export function toFloat32(dtype: DType, data: TypedArray): Float32Array {
  if (dtype === 'float32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'float16') return float16ToFloat32Array(data as Uint16Array, out);
  else if (dtype === 'bfloat16') for (let i = 0; i < out.length; i++) out[i] = bfloat16ToFloat32(data[i] as number);
  else for (let i = 0; i < out.length; i++) out[i] = Number(data[i]);
  return out;
}

export function fromFloat32(dtype: DType, data: Float32Array): TypedArray {
  switch (dtype) {
    case 'float32':
      return data;
    case 'float64':
      return Float64Array.from(data);
    case 'float16':
      return float32ToFloat16Array(data);
    case 'bfloat16':
      return Uint16Array.from(data, float32ToBfloat16);
    default:
      throw new Error(`fromFloat32: ${dtype} is not a float type`);
  }
}
