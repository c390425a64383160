// Where things are and which way they go: the 3×3 grid names ("top left", "upper right corner",
// "left side", "middle"), directions ("to the left", "up a bit") and moving a cell by a direction.
import type { Direction, Region } from './schema.ts';

type Row = 'top' | 'middle' | 'bottom';
type Column = 'left' | 'center' | 'right';

const ROW_WORDS: Record<string, Row> = {
  top: 'top', upper: 'top', above: 'top', high: 'top', higher: 'top', up: 'top', sky: 'top',
  north: 'top', ceiling: 'top', topmost: 'top',
  bottom: 'bottom', lower: 'bottom', below: 'bottom', beneath: 'bottom', under: 'bottom',
  underneath: 'bottom', low: 'bottom', down: 'bottom', south: 'bottom', ground: 'bottom', floor: 'bottom',
  bottommost: 'bottom',
};
const COLUMN_WORDS: Record<string, Column> = {
  left: 'left', leftmost: 'left', west: 'left', right: 'right', rightmost: 'right', east: 'right',
};
const CENTER_WORDS = new Set(['center', 'middle', 'centre', 'centered', 'central', 'midpoint']);

const CELL: Record<Row, Record<Column, Region>> = {
  top: { left: 'top_left', center: 'top', right: 'top_right' },
  middle: { left: 'left', center: 'center', right: 'right' },
  bottom: { left: 'bottom_left', center: 'bottom', right: 'bottom_right' },
};

const ROWS: Row[] = ['top', 'middle', 'bottom'];
const COLUMNS: Column[] = ['left', 'center', 'right'];

export function cellOf(region: Region): { row: number; column: number } {
  for (let row = 0; row < 3; row++) {
    for (let column = 0; column < 3; column++) {
      if (CELL[ROWS[row]!][COLUMNS[column]!] === region) return { row, column };
    }
  }
  return { row: 1, column: 1 };
}

function regionAt(row: number, column: number): Region {
  const clamp = (n: number) => Math.max(0, Math.min(2, n));
  return CELL[ROWS[clamp(row)]!][COLUMNS[clamp(column)]!];
}

/** The cell `cells` steps from `from` in `direction`, stopping at the edge. */
export function shiftRegion(from: Region, direction: Direction, cells = 1): Region {
  const { row, column } = cellOf(from);
  switch (direction) {
    case 'left':
      return regionAt(row, column - cells);
    case 'right':
      return regionAt(row, column + cells);
    case 'up':
      return regionAt(row - cells, column);
    case 'down':
      return regionAt(row + cells, column);
  }
}

/** Words that place one thing beside another, in a place of its own: "next to", "left of", "above", … */
export const BESIDE_WORDS =
  'next to|beside|near|by|close to|alongside|above|below|under|underneath|beneath|to the left of|left of|to the right of|right of';

/** Those, and words that may also put one thing onto another ("a hat on top of the cat"). */
export const RELATION_WORDS = `${BESIDE_WORDS}|over|on top of`;

/** Which way a relation word points from the other thing; none for "next to", "near", … */
export function relationOffset(word: string): Direction | undefined {
  if (/^(?:above|over|on top of)$/.test(word)) return 'up';
  if (/^(?:below|under|underneath|beneath)$/.test(word)) return 'down';
  if (/left/.test(word)) return 'left';
  if (/right/.test(word)) return 'right';
  return undefined;
}

/** The cell beside `at` in `offset`'s direction; with none, the neighbour toward the middle, so it stays in frame. */
export function besideRegion(at: Region, offset?: Direction): Region {
  return offset ? shiftRegion(at, offset) : shiftRegion(at, cellOf(at).column === 2 ? 'left' : 'right');
}

/**
 * The words a prompt uses for a cell: those of the procedural world's captions ("in the top middle",
 * "in the middle left"), which read as ordinary English to any other model too.
 */
export function promptPlace(region: Region): string {
  const { row, column } = cellOf(region);
  if (row === 1 && column === 1) return 'center';
  const rowWord = ROWS[row]!;
  const columnWord = column === 1 ? 'middle' : COLUMNS[column]!;
  return `${rowWord} ${columnWord}`;
}

/**
 * Reads a grid cell out of a phrase that names a place ("the upper right corner", "left side",
 * "the middle", "bottom"). Undefined when the phrase names no place.
 */
export function readRegion(phrase: string): Region | undefined {
  const words = phrase.split(/[\s,-]+/);
  let row: Row | undefined;
  let column: Column | undefined;
  let center = false;
  for (const word of words) {
    const r = ROW_WORDS[word];
    const c = COLUMN_WORDS[word];
    if (r && !row) row = r;
    else if (c && !column) column = c;
    else if (CENTER_WORDS.has(word)) center = true;
  }
  if (!row && !column && !center) return undefined;
  return CELL[row ?? 'middle'][column ?? 'center'];
}

/** A phrase that is only a place: prepositions, articles and place words, nothing else. */
export const PLACE_PHRASE =
  /^(?:(?:to|into|in|at|on|onto|toward|towards|over|near|by|along|across|up|down)\s+)*(?:the\s+)?(?:very\s+|far\s+)?(?:(?:top|upper|bottom|lower|left|right|center|middle|centre|central|leftmost|rightmost|topmost|bottommost)(?:[\s-]+|$)(?:hand\s+)?)+(?:(?:side|corner|edge|part|half|third|area|region|portion|quadrant|section|bit|of the (?:image|picture|canvas|frame|photo|scene))(?:\s+|$))*(?:of the (?:image|picture|canvas|frame|photo|scene))?\s*$/;

const DIRECTION_WORDS: Record<string, Direction> = {
  left: 'left', leftward: 'left', leftwards: 'left', west: 'left',
  right: 'right', rightward: 'right', rightwards: 'right', east: 'right',
  up: 'up', upward: 'up', upwards: 'up', higher: 'up', north: 'up', upper: 'up', raise: 'up',
  down: 'down', downward: 'down', downwards: 'down', lower: 'down', south: 'down',
};

/** "to the left", "left", "up a bit", "further down", "higher": a direction rather than a cell. */
export function readDirection(phrase: string): Direction | undefined {
  const words = phrase.trim().split(/\s+/);
  const filler = new Set([
    'to', 'the', 'a', 'bit', 'little', 'tad', 'slightly', 'more', 'further', 'farther', 'over', 'toward',
    'towards', 'some', 'much', 'lot', 'way', 'more', 'just', 'all', 'by', 'few', 'pixels', 'notch',
    'touch', 'somewhat', 'really', 'very', 'far', 'too', 'please', 'abit', 'of', 'and', 'then',
  ]);
  let direction: Direction | undefined;
  for (const word of words) {
    const d = DIRECTION_WORDS[word];
    if (d) {
      if (direction && direction !== d) return undefined;
      direction = d;
    } else if (!filler.has(word)) return undefined;
  }
  return direction;
}
