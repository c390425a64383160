// The caption grammar. It is deliberately small and regular, because a text encoder is trained on
// it and the instruction parser reads the same phrases:
//
//   caption  := objects " on " BACKGROUND            | "nothing on " BACKGROUND
//   objects  := object ( " and " object )*            (in reading order of their grid cells)
//   object   := "a " SIZE " " [STYLE " "] COLOUR " " SHAPE " in the " POSITION
//   STYLE    := "striped" | "dotted" | "outlined"      (flat is the default and is not written;
//                                                       the parser also accepts "flat")
//   SIZE, COLOUR, SHAPE, POSITION, BACKGROUND         := the words in vocabulary.ts
//
// Example: "a small blue circle in the center and a large striped green heart in the bottom right on sand".
import { sortObjects, type Scene, type SceneObject } from './scene.ts';
import {
  isBackground, isColour, isPosition, isShape, isSize, isStyle,
  type Background,
} from './vocabulary.ts';

/** The noun phrase for one object, without its position: "a large striped red star". */
export function describeObject(object: Pick<SceneObject, 'size' | 'style' | 'colour' | 'shape'>): string {
  const style = object.style === 'flat' ? '' : `${object.style} `;
  return `a ${object.size} ${style}${object.colour} ${object.shape}`;
}

export function objectPhrase(object: SceneObject): string {
  return `${describeObject(object)} in the ${object.position}`;
}

export function captionOf(scene: Pick<Scene, 'background' | 'objects'>): string {
  if (scene.objects.length === 0) return `nothing on ${scene.background}`;
  return `${sortObjects(scene.objects).map(objectPhrase).join(' and ')} on ${scene.background}`;
}

export interface ParsedCaption {
  background: Background;
  objects: SceneObject[];
}

const OBJECT_PATTERN = /^a (\w+) (?:(\w+) )?(\w+) (\w+) in the ([a-z ]+)$/;

/** Parses one object phrase ("a large red star in the top left"); undefined if it is not one. */
export function parseObjectPhrase(text: string): SceneObject | undefined {
  const match = OBJECT_PATTERN.exec(normalise(text));
  if (!match) return undefined;
  const [, size = '', style = 'flat', colour = '', shape = '', position = ''] = match;
  if (!isSize(size) || !isStyle(style) || !isColour(colour) || !isShape(shape) || !isPosition(position)) return undefined;
  return { size, style, colour, shape, position };
}

/** Parses a caption of the grammar above back to attributes; undefined if the text is not one. */
export function parseCaption(text: string): ParsedCaption | undefined {
  const clean = normalise(text);
  const split = clean.lastIndexOf(' on ');
  if (split < 0) return undefined;
  const background = clean.slice(split + 4);
  const head = clean.slice(0, split);
  if (!isBackground(background)) return undefined;
  if (head === 'nothing') return { background, objects: [] };
  const objects: SceneObject[] = [];
  for (const phrase of head.split(' and ')) {
    const object = parseObjectPhrase(phrase);
    if (!object) return undefined;
    objects.push(object);
  }
  return { background, objects };
}

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/[.!]+$/, '').replace(/\s+/g, ' ');
}
