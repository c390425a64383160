// Edits: their typed form, their true result on a scene, and their canonical instruction text.
//
// Instruction grammar (one per edit type; an object is named by its shape, unique within a scene):
//   shape       "turn the SHAPE into a SHAPE"
//   colour      "make the SHAPE COLOUR"
//   move        "move the SHAPE to the POSITION"
//   resize      "make the SHAPE larger" | "make the SHAPE smaller"      (one size step)
//   restyle     "make the SHAPE STYLE"                                  (STYLE includes "flat")
//   background  "change the background to BACKGROUND"
//   remove      "remove the SHAPE"
//   add         "add " object phrase of the caption grammar, e.g. "add a small yellow heart in the bottom right"
import { captionOf, objectPhrase, parseObjectPhrase } from './caption.ts';
import type { Random } from '../support/random.ts';
import { sampleObject, sceneProblem, sortObjects, type Scene, type SceneObject } from './scene.ts';
import {
  BACKGROUNDS, COLOURS, POSITIONS, SHAPES, SIZES, STYLES,
  isBackground, isColour, isPosition, isShape, isStyle,
  type Background, type Colour, type Position, type Shape, type Style,
} from './vocabulary.ts';

export const EDIT_TYPES = ['shape', 'colour', 'move', 'resize', 'restyle', 'background', 'remove', 'add'] as const;
export type EditType = (typeof EDIT_TYPES)[number];

export type Edit =
  | { type: 'shape'; target: Shape; shape: Shape }
  | { type: 'colour'; target: Shape; colour: Colour }
  | { type: 'move'; target: Shape; position: Position }
  | { type: 'resize'; target: Shape; direction: 'larger' | 'smaller' }
  | { type: 'restyle'; target: Shape; style: Style }
  | { type: 'background'; background: Background }
  | { type: 'remove'; target: Shape }
  | { type: 'add'; object: SceneObject };

export interface EditResult {
  scene: Scene;
  instruction: string;
  caption: string;
  /** Index of the edited object in the source scene (absent for add and background edits). */
  sourceIndex?: number;
  /** Index of the edited object in the edited scene (absent for remove and background edits). */
  targetIndex?: number;
}

export function instructionOf(edit: Edit): string {
  switch (edit.type) {
    case 'shape':
      return `turn the ${edit.target} into a ${edit.shape}`;
    case 'colour':
      return `make the ${edit.target} ${edit.colour}`;
    case 'move':
      return `move the ${edit.target} to the ${edit.position}`;
    case 'resize':
      return `make the ${edit.target} ${edit.direction}`;
    case 'restyle':
      return `make the ${edit.target} ${edit.style}`;
    case 'background':
      return `change the background to ${edit.background}`;
    case 'remove':
      return `remove the ${edit.target}`;
    case 'add':
      return `add ${objectPhrase(edit.object)}`;
  }
}

/** Parses a canonical instruction (the grammar above); undefined if the text is not one. */
export function parseInstruction(text: string): Edit | undefined {
  const clean = text.trim().toLowerCase().replace(/[.!]+$/, '').replace(/\s+/g, ' ');
  let match: RegExpExecArray | null;
  if ((match = /^turn the (\w+) into an? (\w+)$/.exec(clean))) {
    const [, target = '', shape = ''] = match;
    return isShape(target) && isShape(shape) ? { type: 'shape', target, shape } : undefined;
  }
  if ((match = /^move the (\w+) to the ([a-z ]+)$/.exec(clean))) {
    const [, target = '', position = ''] = match;
    return isShape(target) && isPosition(position) ? { type: 'move', target, position } : undefined;
  }
  if ((match = /^change the background to (\w+)$/.exec(clean))) {
    const [, background = ''] = match;
    return isBackground(background) ? { type: 'background', background } : undefined;
  }
  if ((match = /^remove the (\w+)$/.exec(clean))) {
    const [, target = ''] = match;
    return isShape(target) ? { type: 'remove', target } : undefined;
  }
  if ((match = /^add (.+)$/.exec(clean))) {
    const object = parseObjectPhrase(match[1] ?? '');
    return object ? { type: 'add', object } : undefined;
  }
  if ((match = /^make the (\w+) (\w+)$/.exec(clean))) {
    const [, target = '', word = ''] = match;
    if (!isShape(target)) return undefined;
    if (word === 'larger' || word === 'smaller') return { type: 'resize', target, direction: word };
    if (isColour(word)) return { type: 'colour', target, colour: word };
    if (isStyle(word)) return { type: 'restyle', target, style: word };
  }
  return undefined;
}

/** The true result of an edit. Throws if the edit does not apply to the scene. */
export function applyEdit(scene: Scene, edit: Edit): EditResult {
  const instruction = instructionOf(edit);
  if (edit.type === 'background') {
    if (edit.background === scene.background) throw new Error(`the background is already ${edit.background}`);
    return finish({ ...scene, background: edit.background, objects: scene.objects.map((o) => ({ ...o })) }, instruction);
  }
  if (edit.type === 'add') {
    if (scene.objects.some((o) => o.shape === edit.object.shape)) throw new Error(`there is already a ${edit.object.shape}`);
    if (scene.objects.some((o) => o.position === edit.object.position)) throw new Error(`the ${edit.object.position} is taken`);
    const added = { ...edit.object };
    const edited = { ...scene, objects: sortObjects([...scene.objects.map((o) => ({ ...o })), added]) };
    return finish(edited, instruction, added);
  }
  const sourceIndex = scene.objects.findIndex((o) => o.shape === edit.target);
  const source = scene.objects[sourceIndex];
  if (!source) throw new Error(`there is no ${edit.target}`);
  const others = scene.objects.filter((_, i) => i !== sourceIndex).map((o) => ({ ...o }));
  if (edit.type === 'remove') {
    return { ...finish({ ...scene, objects: others }, instruction), sourceIndex };
  }
  const changed: SceneObject = { ...source };
  switch (edit.type) {
    case 'shape':
      if (edit.shape === source.shape) throw new Error(`the ${source.shape} is already a ${edit.shape}`);
      if (others.some((o) => o.shape === edit.shape)) throw new Error(`there is already a ${edit.shape}`);
      changed.shape = edit.shape;
      break;
    case 'colour':
      if (edit.colour === source.colour) throw new Error(`the ${source.shape} is already ${edit.colour}`);
      changed.colour = edit.colour;
      break;
    case 'move':
      if (edit.position === source.position) throw new Error(`the ${source.shape} is already in the ${edit.position}`);
      if (others.some((o) => o.position === edit.position)) throw new Error(`the ${edit.position} is taken`);
      changed.position = edit.position;
      break;
    case 'resize': {
      const next = SIZES.indexOf(source.size) + (edit.direction === 'larger' ? 1 : -1);
      const size = SIZES[next];
      if (!size) throw new Error(`the ${source.shape} cannot get ${edit.direction}`);
      changed.size = size;
      break;
    }
    case 'restyle':
      if (edit.style === source.style) throw new Error(`the ${source.shape} is already ${edit.style}`);
      changed.style = edit.style;
      break;
  }
  return { ...finish({ ...scene, objects: sortObjects([...others, changed]) }, instruction, changed), sourceIndex };
}

function finish(edited: Scene, instruction: string, changed?: SceneObject): EditResult {
  const problem = sceneProblem(edited);
  if (problem) throw new Error(`edit "${instruction}" breaks the scene: ${problem}`);
  const result: EditResult = { scene: edited, instruction, caption: captionOf(edited) };
  if (changed) result.targetIndex = edited.objects.indexOf(changed);
  return result;
}

/** A random edit of the given type that applies to the scene, or undefined if none does. */
export function sampleEdit(random: Random, scene: Scene, type: EditType): Edit | undefined {
  const objects = scene.objects;
  const freeCells = POSITIONS.filter((p) => !objects.some((o) => o.position === p));
  const usedShapes = objects.map((o) => o.shape);
  if (type === 'background') return { type, background: random.pick(BACKGROUNDS.filter((b) => b !== scene.background)) };
  if (type === 'add') {
    if (freeCells.length === 0 || usedShapes.length === SHAPES.length) return undefined;
    return { type, object: sampleObject(random, usedShapes, freeCells) };
  }
  if (objects.length === 0) return undefined;
  const target = random.pick(objects);
  switch (type) {
    case 'shape':
      return { type, target: target.shape, shape: random.pick(SHAPES.filter((s) => !usedShapes.includes(s))) };
    case 'colour':
      return { type, target: target.shape, colour: random.pick(COLOURS.filter((c) => c !== target.colour)) };
    case 'move':
      return freeCells.length === 0 ? undefined : { type, target: target.shape, position: random.pick(freeCells) };
    case 'resize': {
      const directions = (['larger', 'smaller'] as const).filter((d) =>
        d === 'larger' ? target.size !== 'large' : target.size !== 'small',
      );
      return { type, target: target.shape, direction: random.pick(directions) };
    }
    case 'restyle':
      return { type, target: target.shape, style: random.pick(STYLES.filter((s) => s !== target.style)) };
    case 'remove':
      return objects.length < 2 ? undefined : { type, target: target.shape };
  }
}
