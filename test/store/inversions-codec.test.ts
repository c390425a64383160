import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CorruptInversionError, decodeInversion, decodeInversionHalves, encodeInversion, INVERSION_CODEC } from '../../src/store/inversion-codec.ts';
import { float16ToFloat32Array, float32ToFloat16Array, fromFloat16Bits, toFloat16Bits } from '../../src/engine/float16.ts';
import { canonicalJson, paramsHash } from '../../src/store/inversions.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (bits: number) => ((u32[0] = bits), f32[0]!);
const isHalfNaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/** Value of a finite half, computed independently of the code under test. */
function halfValue(h: number): number {
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  const v = e === 0x1f ? (m === 0 ? Infinity : NaN) : e === 0 ? m * 2 ** -24 : (1024 + m) * 2 ** (e - 25);
  return h & 0x8000 ? -v : v;
}

/** Reference rounding: the nearest half by exact comparison with the midpoints, ties to the even one. */
function referenceHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // 65520 is halfway between 65504 (0x7bff, odd) and 65536 (would be 0x7c00): ties go to Infinity.
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0;
  let hi = 0x7bff;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (halfValue(mid) <= a) lo = mid;
    else hi = mid - 1;
  }
  if (lo === 0x7bff) return sign | lo;
  const midpoint = (halfValue(lo) + halfValue(lo + 1)) / 2; // exact in a double
  if (a < midpoint) return sign | lo;
  if (a > midpoint) return sign | (lo + 1);
  return sign | (lo % 2 === 0 ? lo : lo + 1);
}

test('float16: signed zeros, infinities, NaN, overflow and the limits of the range', () => {
  assert.equal(toFloat16Bits(0), 0x0000);
  assert.equal(toFloat16Bits(-0), 0x8000);
  assert.ok(Object.is(fromFloat16Bits(0x8000), -0));
  assert.equal(toFloat16Bits(Infinity), 0x7c00);
  assert.equal(toFloat16Bits(-Infinity), 0xfc00);
  assert.equal(fromFloat16Bits(0x7c00), Infinity);
  assert.equal(fromFloat16Bits(0xfc00), -Infinity);
  assert.ok(isHalfNaN(toFloat16Bits(NaN)));
  assert.ok(isHalfNaN(toFloat16Bits(fromBits(0xffc00001))), 'a negative NaN with a payload stays NaN');
  assert.equal(toFloat16Bits(fromBits(0xffc00001)) & 0x8000, 0x8000, 'and keeps its sign');
  assert.ok(Number.isNaN(fromFloat16Bits(0x7e00)));
  assert.ok(Number.isNaN(fromFloat16Bits(0x7c01)), 'a signalling NaN is NaN too');
  assert.equal(toFloat16Bits(65504), 0x7bff, 'largest half');
  assert.equal(toFloat16Bits(65519.99), 0x7bff, 'just under the midpoint to 65536 rounds down');
  assert.equal(toFloat16Bits(65520), 0x7c00, 'the midpoint ties to even: Infinity');
  assert.equal(toFloat16Bits(1e6), 0x7c00, 'overflow');
  assert.equal(toFloat16Bits(-1e6), 0xfc00, 'negative overflow');
  assert.equal(toFloat16Bits(3.4e38), 0x7c00);
});

test('float16: subnormals, underflow and rounding ties', () => {
  assert.equal(toFloat16Bits(2 ** -24), 0x0001, 'smallest subnormal');
  assert.equal(fromFloat16Bits(0x0001), 2 ** -24);
  assert.equal(toFloat16Bits(2 ** -25), 0x0000, 'half the smallest subnormal ties to even: zero');
  assert.equal(toFloat16Bits(-(2 ** -25)), 0x8000);
  assert.equal(toFloat16Bits(fromBits(0x33000001)), 0x0001, 'just above 2^-25 rounds up');
  assert.equal(toFloat16Bits(2 ** -26), 0x0000, 'underflow');
  assert.equal(toFloat16Bits(fromBits(0x00000001)), 0x0000, 'a float32 subnormal is zero');
  assert.equal(toFloat16Bits(-fromBits(0x00000001)), 0x8000);
  assert.equal(toFloat16Bits(3 * 2 ** -25), 0x0002, '1.5 subnormal steps ties to the even 2');
  assert.equal(toFloat16Bits(5 * 2 ** -25), 0x0002, '2.5 subnormal steps ties to the even 2');
  assert.equal(toFloat16Bits(1023 * 2 ** -24), 0x03ff, 'largest subnormal');
  assert.equal(toFloat16Bits(1023.5 * 2 ** -24), 0x0400, 'the tie between the largest subnormal and the smallest normal');
  assert.equal(toFloat16Bits(2 ** -14), 0x0400, 'smallest normal');
  assert.equal(toFloat16Bits(1), 0x3c00);
  assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00, 'tie between 1 and 1+2^-10 goes to the even 1');
  assert.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02, 'tie between odd 0x3c01 and even 0x3c02 goes up');
  assert.equal(toFloat16Bits(1 + 2 ** -11 + 2 ** -23), 0x3c01, 'just above a tie rounds up');
  assert.equal(toFloat16Bits(1 + 2 ** -11 - 2 ** -23), 0x3c00, 'just below a tie rounds down');
  assert.equal(toFloat16Bits(-2.5), 0xc100);
  assert.equal(toFloat16Bits(0.1), 0x2e66);
  assert.equal(toFloat16Bits(2047.5 * 2), 0x6c00, '4095 (exact in float32) ties to the even 4096');
});

test('float16: every half survives half → float32 → half, and the array converters agree with the scalar ones', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const asFloat = float16ToFloat32Array(all);
  const back = float32ToFloat16Array(asFloat);
  for (let h = 0; h < 65536; h++) {
    if (isHalfNaN(h)) {
      assert.ok(Number.isNaN(asFloat[h]!), `0x${h.toString(16)} is NaN`);
      assert.equal(back[h], h | 0x0200, `NaN 0x${h.toString(16)} keeps sign and payload, made quiet`);
    } else {
      assert.equal(back[h], h, `0x${h.toString(16)}`);
      assert.ok(Object.is(asFloat[h], halfValue(h)), `value of 0x${h.toString(16)}`);
      assert.equal(fromFloat16Bits(h), asFloat[h]);
    }
  }
});

test('float16: rounding matches an exact reference around every midpoint and on random float32s', () => {
  const inputs: number[] = [];
  for (let h = 0; h < 0x7bff; h++) {
    const midpoint = (halfValue(h) + halfValue(h + 1)) / 2;
    f32[0] = midpoint;
    assert.equal(f32[0], midpoint, 'every midpoint is a float32');
    const bits = u32[0]!;
    inputs.push(fromBits(bits - 1), midpoint, fromBits(bits + 1));
  }
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < 100_000; i++) inputs.push(fromBits(next()));
  for (let i = 0; i < 100_000; i++) inputs.push(fromBits(((100 + (next() % 45)) << 23) | (next() & 0x7fffff) | (next() & 0x80000000)));
  const source = Float32Array.from(inputs);
  const halves = float32ToFloat16Array(source);
  for (let i = 0; i < source.length; i++) {
    const x = source[i]!;
    const expected = referenceHalf(x);
    if (Number.isNaN(x)) assert.ok(isHalfNaN(halves[i]!));
    else if (halves[i] !== expected) assert.fail(`${x} (bits 0x${(((f32[0] = x), u32[0]!) >>> 0).toString(16)}) → 0x${halves[i]!.toString(16)}, expected 0x${expected.toString(16)}`);
  }
});

function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

test('codec: tensors round-trip within float16 precision, in order, with names and shapes', () => {
  const latents = gaussian(3 * 4 * 8 * 8, 1);
  const exact = Float32Array.from([0, -0, 1, -2, 0.5, 65504, -65504, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity, 3.140625]);
  const bits = new Uint16Array([0x3c00, 0x7bff, 0x0001, 0xfc00]);
  const bytes = encodeInversion({
    latents: { dtype: 'float32', shape: [3, 4, 8, 8], data: latents },
    exact: { dtype: 'float32', shape: [exact.length], data: exact },
    halves: { dtype: 'float16', shape: [2, 2], data: bits },
    empty: { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) },
  });
  const decoded = decodeInversion(bytes);
  assert.deepEqual(Object.keys(decoded), ['latents', 'exact', 'halves', 'empty']);
  assert.deepEqual(decoded.latents!.shape, [3, 4, 8, 8]);
  for (let i = 0; i < latents.length; i++) {
    const error = Math.abs(decoded.latents!.data[i]! - latents[i]!);
    assert.ok(error <= Math.max(Math.abs(latents[i]!) * 2 ** -11, 2 ** -25), `value ${i}: ${latents[i]} → ${decoded.latents!.data[i]}`);
  }
  assert.deepEqual([...decoded.exact!.data], [...exact], 'values float16 can represent come back exactly');
  assert.ok(Object.is(decoded.exact!.data[1], -0));
  assert.deepEqual([...decodeInversionHalves(bytes).tensors.halves!.data], [...bits], 'float16 input is kept bit for bit');
  assert.deepEqual(decoded.empty!.shape, [0, 5]);
  assert.equal(decodeInversionHalves(bytes).codec, INVERSION_CODEC);
  assert.deepEqual(encodeInversion({ latents: { dtype: 'float32', shape: [3, 4, 8, 8], data: latents } }), encodeInversion({ latents: { dtype: 'float32', shape: [3, 4, 8, 8], data: latents } }), 'deterministic bytes');
});

test('codec: refuses malformed input and damaged containers with CorruptInversionError', () => {
  assert.throws(() => encodeInversion({ x: { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } }), TypeError);
  assert.throws(() => encodeInversion({ x: { dtype: 'float64', shape: [1], data: new Float64Array(1) } as never }), TypeError);
  const bytes = encodeInversion({ x: { dtype: 'float32', shape: [64, 64], data: gaussian(4096, 2) } });
  const corrupt = (b: Uint8Array, pattern: RegExp) =>
    assert.throws(() => decodeInversion(b), (e: unknown) => e instanceof CorruptInversionError && pattern.test(e.message));
  corrupt(bytes.subarray(0, bytes.length - 50), /does not decompress|expected/);
  corrupt(bytes.subarray(0, 30), /truncated header|header/);
  corrupt(bytes.subarray(0, 4), /shorter/);
  const badMagic = bytes.slice();
  badMagic[0] = 0;
  corrupt(badMagic, /magic/);
  const badVersion = bytes.slice();
  badVersion[4] = 9;
  corrupt(badVersion, /version 9/);
  const badHeader = bytes.slice();
  badHeader[10] = 0x41; // the header's opening brace
  corrupt(badHeader, /not JSON/);
});

test('params hash: canonical JSON sorts keys at every level and refuses what JSON cannot hold', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'x' }], c: null } }), '{"a":{"c":null,"d":[1,{"y":"x","z":0}]},"b":1}');
  assert.equal(paramsHash({ steps: 50, guidance: 7.5 }), paramsHash({ guidance: 7.5, steps: 50 }));
  assert.notEqual(paramsHash({ steps: 50 }), paramsHash({ steps: 51 }));
  assert.match(paramsHash({}), /^[0-9a-f]{64}$/);
  assert.throws(() => canonicalJson({ x: NaN }), TypeError);
  assert.throws(() => canonicalJson({ x: new Date() }), TypeError);
});
