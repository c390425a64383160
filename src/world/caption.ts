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

/** What a prompt of the world's words names: each object's shape and the attributes it says, and the background if said. */
export interface PromptScene {
  objects: (Partial<Omit<SceneObject, 'shape'>> & Pick<SceneObject, 'shape'>)[];
  background?: Background;
}

/**
 * Reads a prompt written with the world's words but any of them left out ("a red star on grass",
 * "a star", "a small striped heart in the top left and a blue circle"); undefined when it uses other
 * words, or names a shape twice (the world has one of each).
 */
export function readPrompt(text: string): PromptScene | undefined {
  const clean = normalise(text);
  const split = clean.lastIndexOf(' on ');
  const background = split >= 0 ? clean.slice(split + 4) : undefined;
  if (background !== undefined && !isBackground(background)) return undefined;
  const head = split >= 0 ? clean.slice(0, split) : clean;
  const objects: PromptScene['objects'] = [];
  for (const phrase of head.split(' and ')) {
    const match = /^an? ([a-z ]+?)(?: in the ([a-z ]+))?$/.exec(phrase);
    if (!match) return undefined;
    const words = match[1]!.split(' ');
    const shape = words.pop()!;
    if (!isShape(shape) || objects.some((o) => o.shape === shape)) return undefined;
    const object: PromptScene['objects'][number] = { shape };
    for (const word of words) {
      if (isSize(word) && !object.size) object.size = word;
      else if (isStyle(word) && !object.style) object.style = word;
      else if (isColour(word) && !object.colour) object.colour = word;
      else return undefined;
    }
    if (match[2] !== undefined) {
      if (!isPosition(match[2])) return undefined;
      object.position = match[2];
    }
    objects.push(object);
  }
  return objects.length ? { objects, ...(background ? { background } : {}) } : undefined;
}
