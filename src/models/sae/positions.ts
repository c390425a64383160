// A transformer block's residual delta is captured as [batch, C, H, W]; SAEs read it one position at
// a time. Collecting, labelling and steering all take it apart the same way.

/** Batch element `element` of a delta [batch, C, H·W] as H·W vectors of C (position-major). */
export function positionVectors(delta: Float32Array, element: number, channels: number, positions: number, out = new Float32Array(positions * channels)): Float32Array {
  const base = element * channels * positions;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < positions; p++) out[p * channels + c] = delta[base + c * positions + p] as number;
  }
  return out;
}

/** The last batch element's vectors: the conditional branch, under classifier-free guidance or without it. */
export function conditionalVectors(delta: Float32Array, channels: number, positions: number): Float32Array {
  return positionVectors(delta, delta.length / (channels * positions) - 1, channels, positions);
}
