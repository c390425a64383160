// The closed vocabulary of the world: every word a caption or an instruction can use for an attribute.

export type Rgb = readonly [number, number, number];

export const SHAPES = ['circle', 'square', 'triangle', 'star', 'heart', 'ring', 'cross', 'diamond'] as const;
export type Shape = (typeof SHAPES)[number];

export const COLOURS = [
  'red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink', 'brown', 'white',
] as const;
export type Colour = (typeof COLOURS)[number];

/** The exact sRGB value an object of each colour is painted with (flat style). */
export const COLOUR_RGB: Record<Colour, Rgb> = {
  red: [220, 30, 40],
  orange: [250, 140, 20],
  yellow: [245, 215, 30],
  green: [40, 190, 60],
  cyan: [30, 205, 215],
  blue: [40, 70, 225],
  purple: [140, 50, 200],
  pink: [245, 110, 185],
  brown: [135, 75, 30],
  white: [245, 245, 245],
};

/** The second shade of patterned styles (stripes, dots, outline): the colour darkened. */
export const PATTERN_SHADE = 0.55;

export const SIZES = ['small', 'medium', 'large'] as const;
export type Size = (typeof SIZES)[number];

/**
 * Object radius as a fraction of the image width. Large objects still leave a gap between
 * neighbouring grid cells (cell half-width 1/6 ≈ 0.167 > 0.14), so objects never touch.
 */
export const SIZE_RADIUS: Record<Size, number> = { small: 0.07, medium: 0.105, large: 0.14 };

/** Grid cells in reading order; index = row * 3 + column. */
export const POSITIONS = [
  'top left', 'top middle', 'top right',
  'middle left', 'center', 'middle right',
  'bottom left', 'bottom middle', 'bottom right',
] as const;
export type Position = (typeof POSITIONS)[number];

export function positionIndex(position: Position): number {
  return POSITIONS.indexOf(position);
}

/** Centre of a grid cell as fractions of the image width and height. */
export function positionCentre(position: Position): { x: number; y: number } {
  const index = positionIndex(position);
  return { x: ((index % 3) + 0.5) / 3, y: (Math.floor(index / 3) + 0.5) / 3 };
}

/** The grid cell that contains a point given in fractions of the image size. */
export function positionAt(x: number, y: number): Position {
  const column = Math.min(2, Math.max(0, Math.floor(x * 3)));
  const row = Math.min(2, Math.max(0, Math.floor(y * 3)));
  return POSITIONS[row * 3 + column] as Position;
}

export const BACKGROUNDS = ['plain', 'sky', 'grass', 'night', 'sand'] as const;
export type Background = (typeof BACKGROUNDS)[number];

export const STYLES = ['flat', 'striped', 'dotted', 'outlined'] as const;
export type Style = (typeof STYLES)[number];

export function isShape(word: string): word is Shape {
  return (SHAPES as readonly string[]).includes(word);
}
export function isColour(word: string): word is Colour {
  return (COLOURS as readonly string[]).includes(word);
}
export function isSize(word: string): word is Size {
  return (SIZES as readonly string[]).includes(word);
}
export function isPosition(words: string): words is Position {
  return (POSITIONS as readonly string[]).includes(words);
}
export function isBackground(word: string): word is Background {
  return (BACKGROUNDS as readonly string[]).includes(word);
}
export function isStyle(word: string): word is Style {
  return (STYLES as readonly string[]).includes(word);
}
