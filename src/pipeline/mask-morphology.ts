// Binary masks (0 or 255 per pixel, row-major) grown or shrunk by a square of radius r (< 255),
// through the Chebyshev distance to the nearest set pixel.

/** Every pixel within `radius` (a square) of a set pixel is set. */
export function growMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return Uint8Array.from(distanceToArea(mask, width, height), (d) => (d <= radius ? 255 : 0));
}

/** Only pixels whose whole square of `radius` is set stay set: specks and thin lines go. */
export function shrinkMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const unset = Uint8Array.from(mask, (v) => (v ? 0 : 255));
  return Uint8Array.from(distanceToArea(unset, width, height), (d) => (d > radius ? 255 : 0));
}

/** Chebyshev distance in pixels from each pixel to the nearest pixel of the area (> 0; 0 inside), capped at 255. */
export function distanceToArea(area: Float32Array | Uint8Array, width: number, height: number): Uint8Array {
  const distance = new Uint8Array(width * height).fill(255);
  for (let p = 0; p < area.length; p++) if (area[p]! > 0) distance[p] = 0;
  // Two passes of the 8-neighbour chamfer: exact for the Chebyshev metric.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let d = distance[p]!;
      if (x > 0) d = Math.min(d, distance[p - 1]! + 1);
      if (y > 0) {
        d = Math.min(d, distance[p - width]! + 1);
        if (x > 0) d = Math.min(d, distance[p - width - 1]! + 1);
        if (x + 1 < width) d = Math.min(d, distance[p - width + 1]! + 1);
      }
      distance[p] = d;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const p = y * width + x;
      let d = distance[p]!;
      if (x + 1 < width) d = Math.min(d, distance[p + 1]! + 1);
      if (y + 1 < height) {
        d = Math.min(d, distance[p + width]! + 1);
        if (x + 1 < width) d = Math.min(d, distance[p + width + 1]! + 1);
        if (x > 0) d = Math.min(d, distance[p + width - 1]! + 1);
      }
      distance[p] = d;
    }
  }
  return distance;
}
