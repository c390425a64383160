// The 3×3 grid of the canvas by which plans name places ("top_left" … "bottom_right"), row by row,
// and each cell as a box in fractions of the canvas.
export const GRID_CELLS = [
  'top_left',
  'top',
  'top_right',
  'left',
  'center',
  'right',
  'bottom_left',
  'bottom',
  'bottom_right',
] as const;
export type GridCell = (typeof GRID_CELLS)[number];

export function cellBox(cell: GridCell): { x0: number; y0: number; x1: number; y1: number } {
  const index = GRID_CELLS.indexOf(cell);
  const column = index % 3;
  const row = Math.floor(index / 3);
  return { x0: column / 3, y0: row / 3, x1: (column + 1) / 3, y1: (row + 1) / 3 };
}
