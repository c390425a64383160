// IEEE 754 binary16 ("half") conversion for whole arrays, used to store inversions at half the bytes.
// Node 20 has no Float16Array, so a half is its raw 16 bits in a Uint16Array (as in src/engine).
//
// float32 → float16 rounds to nearest, ties to even, on the bit patterns (no floating-point
// arithmetic, so no double rounding): values past the largest half (65504, after rounding) become
// ±Infinity, values under half the smallest subnormal (2^-25, a tie, rounds to even = 0) become ±0,
// the sign of zero is kept, and NaN stays NaN (quiet, sign and the top 10 payload bits kept).
// float16 → float32 is exact (every half is a float32) and goes through a 65,536-entry table of
// float32 bit patterns, so NaN payloads survive the round trip too.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits nearest to `value` (a float32 bit pattern in, ties to even). */
function halfFromFloatBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  // The half's biased exponent: float32 bias 127, half bias 15.
  const e = exponent - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A half subnormal (or zero): the value is m · 2^-24 with m < 1024.
    if (e < -10) return sign; // |value| < 2^-25: nearer to zero than to the smallest subnormal
    const full = mantissa | 0x800000;
    const shift = 14 - e; // 14..24
    const half = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    // A carry out of the subnormal range lands exactly on the smallest normal (0x0400): correct.
    return sign | (rest > halfway || (rest === halfway && (half & 1) === 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry may run into the exponent: 0x7bff + 1 = 0x7c00 is Infinity, which is the right answer.
  return sign | (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half);
}

/** The float16 bits nearest to `value` (rounded to float32 first, as storing it in a Float32Array would). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  return halfFromFloatBits(u32[0]!);
}

let table: Uint32Array | undefined;

/** float32 bit patterns of all 65,536 halves. */
function float32BitsTable(): Uint32Array {
  if (table) return table;
  const built = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0x1f) {
      built[h] = sign | 0x7f800000 | (mantissa << 13);
    } else {
      f32[0] = (exponent === 0 ? mantissa * 2 ** -24 : (1 + mantissa / 1024) * 2 ** (exponent - 15));
      built[h] = sign | (u32[0]! & 0x7fffffff); // the sign bit by hand: -0 comes out right
    }
  }
  table = built;
  return built;
}

/** The value of a float16 bit pattern. */
export function fromFloat16Bits(bits: number): number {
  u32[0] = float32BitsTable()[bits & 0xffff]!;
  return f32[0]!;
}

/** float32 → float16 bits for a whole array. */
export function float32ToFloat16Array(source: Float32Array, target: Uint16Array = new Uint16Array(source.length)): Uint16Array {
  if (target.length !== source.length) throw new RangeError(`float32ToFloat16Array: ${source.length} values into ${target.length}`);
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < bits.length; i++) target[i] = halfFromFloatBits(bits[i]!);
  return target;
}

/** float16 bits → float32 for a whole array (exact). */
export function float16ToFloat32Array(source: Uint16Array, target: Float32Array = new Float32Array(source.length)): Float32Array {
  if (target.length !== source.length) throw new RangeError(`float16ToFloat32Array: ${source.length} values into ${target.length}`);
  const lookup = float32BitsTable();
  const out = new Uint32Array(target.buffer, target.byteOffset, target.length);
  for (let i = 0; i < source.length; i++) out[i] = lookup[source[i]!]!;
  return target;
}
