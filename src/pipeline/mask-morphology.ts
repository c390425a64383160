// Binary masks (0 or 255 per pixel, row-major) grown or shrunk by a square of radius r: a max (or
// min) filter along the rows, then along the columns.

/** Every pixel within `radius` (a square) of a set pixel is set. */
export function growMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return pass(pass(mask, width, height, radius, 'rows', Math.max), width, height, radius, 'columns', Math.max);
}

/** Only pixels whose whole square of `radius` is set stay set: specks and thin lines go. */
export function shrinkMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return pass(pass(mask, width, height, radius, 'rows', Math.min), width, height, radius, 'columns', Math.min);
}

function pass(mask: Uint8Array, width: number, height: number, radius: number, along: 'rows' | 'columns', pick: (a: number, b: number) => number): Uint8Array {
  const out = new Uint8Array(mask.length);
  const [lines, length] = along === 'rows' ? [height, width] : [width, height];
  const at = (line: number, i: number) => (along === 'rows' ? line * width + i : i * width + line);
  for (let line = 0; line < lines; line++) {
    for (let i = 0; i < length; i++) {
      let value = mask[at(line, i)]!;
      for (let j = Math.max(0, i - radius); j <= Math.min(length - 1, i + radius); j++) value = pick(value, mask[at(line, j)]!);
      out[at(line, i)] = value;
    }
  }
  return out;
}
