// Planning for a model that draws only the procedural world (the shipped model): its pictures hold
// up to nine objects in a 3×3 grid, one of each shape, each with a size, a colour and a pattern, on
// one of five backgrounds, and its prompts are the world's captions. Here an instruction is fitted
// to that world before a method is chosen — an addition gets a free cell, "less red" asks which
// colour instead, "watercolor" offers the patterns it has — and a plan whose target caption is not
// a scene of the world is refused with what the model can draw, instead of changing the picture at
// random.
import type { Caption, CaptionObject } from './caption.ts';
import type { Intent } from './intents.ts';
import { besideRegion, cellOf } from './positions.ts';
import { REGIONS, type EditPlan, type PlanStep, type Region } from './schema.ts';
import { newObjectColour } from './prompts.ts';
import {
  BACKGROUNDS, captionOf, COLOURS, describeObject, objectPhrase, parseCaption, POSITIONS, SHAPES, SIZES, sortObjects, STYLES,
  type Background, type Colour, type Position, type PromptScene, type Scene, type SceneObject, type Shape,
} from '../reading/index.ts';
import { createRandom } from '../support/random.ts';

export const WORLD_LIMITS =
  'This model draws only its own small world: circles, squares, triangles, stars, hearts, rings, crosses and diamonds, ' +
  `in ${COLOURS.join(', ')}, small, medium or large, plain, striped, dotted or outlined, on a ${BACKGROUNDS.join(', ')} background, ` +
  'at most one of each shape, in a 3×3 grid. For anything else, point RETOUCH_MODEL_DIR at Stable Diffusion 1.x weights.';

type Alternative = { label: string; intent: Intent };
export type WorldFit = { kind: 'intent'; intent: Intent } | { kind: 'ask'; question: string; alternatives: Alternative[] };

/** Colours a colour may become when it should be "less" itself, nearest first. */
const NEIGHBOURS: Record<string, string[]> = {
  red: ['pink', 'orange', 'brown', 'purple'],
  orange: ['yellow', 'red', 'brown'],
  yellow: ['white', 'orange', 'green'],
  green: ['cyan', 'yellow', 'blue'],
  cyan: ['blue', 'green', 'white'],
  blue: ['cyan', 'purple'],
  purple: ['pink', 'blue', 'red'],
  pink: ['red', 'purple', 'white'],
  white: ['yellow', 'pink', 'cyan'],
  brown: ['orange', 'red'],
};

const PATTERNS = ['striped', 'dotted', 'outlined'] as const;

const regionOf = (object: CaptionObject | undefined): Region | undefined => object?.region;

/** Free cells, those nearest `near` first (the centre when nothing is near). */
export function freeCells(caption: Caption | undefined, near?: Region): Region[] {
  const taken = new Set(caption?.objects.map((o) => o.region));
  const at = cellOf(near ?? 'center');
  const distance = (r: Region) => Math.abs(cellOf(r).row - at.row) + Math.abs(cellOf(r).column - at.column);
  return REGIONS.filter((r) => !taken.has(r)).sort((a, b) => distance(a) - distance(b) || REGIONS.indexOf(a) - REGIONS.indexOf(b));
}

/** The object an instruction's noun (or "it", "the focus") means in the caption, when there is exactly one candidate. */
function objectNamed(caption: Caption | undefined, noun: string | undefined): CaptionObject | undefined {
  if (!caption) return undefined;
  if (noun === undefined || noun === 'it') return caption.objects.length === 1 ? caption.objects[0] : undefined;
  return caption.objects.find((o) => o.noun === noun);
}

/** One alternative per object for a change that needs an object ("which one?" is asked again below if there are several). */
function perObject(caption: Caption | undefined, noun: string | undefined, make: (noun: string) => Alternative[]): Alternative[] {
  const object = objectNamed(caption, noun);
  if (object) return make(object.noun);
  return (caption?.objects ?? []).slice(0, 3).flatMap((o) => make(o.noun));
}

/** "make it pop": what this model can do to make something stand out, as choices. */
function standOut(caption: Caption | undefined, noun: string | undefined): WorldFit {
  const forObjects = perObject(caption, noun, (name) => [
    { label: `the ${name} larger`, intent: { kind: 'resize', object: name, size: 'large', relative: true, amount: 'normal' } },
    { label: `the ${name} outlined`, intent: { kind: 'attribute', attribute: 'texture', object: name, value: 'outlined' } },
  ]);
  const night: Alternative[] = caption?.background !== 'night' ? [{ label: 'a night background', intent: { kind: 'attribute', attribute: 'background', value: 'night' } }] : [];
  return { kind: 'ask', question: 'What would make it stand out? Here is what this model can do:', alternatives: [...forObjects, ...night].slice(0, 5) };
}

/** Fits one intent to the world: unchanged, rewritten (an addition's cell), or a question with the world's choices. */
export function fitToWorld(intent: Intent, caption: Caption | undefined): WorldFit {
  switch (intent.kind) {
    case 'add': {
      // One of each shape: "put a star in the top left" where there is a star moves it there.
      const shape = intent.object.split(' ').at(-1)!;
      const existing = caption?.objects.find((o) => o.noun === shape);
      if (existing && intent.region) return { kind: 'intent', intent: { kind: 'move', object: shape, region: intent.region, amount: 'normal' } };
      if (intent.region || intent.corner) return { kind: 'intent', intent };
      // Beside something, or anywhere: the free cell nearest to it (the side asked for first).
      const anchorNoun = intent.relativeTo?.object ?? intent.anchor;
      const anchor = objectNamed(caption, anchorNoun);
      if (anchorNoun && !anchor && caption && caption.objects.length > 1) return { kind: 'intent', intent };
      const near = regionOf(anchor);
      const wanted = near ? besideRegion(near, intent.relativeTo?.offset) : undefined;
      const free = freeCells(caption, near);
      // The cell beside it is free: the planner puts it there and says "next to the star".
      if (wanted && free.includes(wanted) && intent.relativeTo) return { kind: 'intent', intent };
      const region = wanted && free.includes(wanted) ? wanted : free[0];
      if (!region) return { kind: 'ask', question: `There's no room left: every cell of the 3×3 grid is taken. ${WORLD_LIMITS}`, alternatives: [] };
      const { relativeTo: _r, anchor: _a, ...rest } = intent;
      return { kind: 'intent', intent: { ...rest, region } };
    }
    case 'reweight': {
      if (!(COLOURS as readonly string[]).includes(intent.word)) return { kind: 'intent', intent };
      const coloured = caption?.objects.filter((o) => o.color === intent.word) ?? [];
      // "make it less red" with several red things: which one?
      if (!intent.object && coloured.length > 1 && !intent.more) {
        return { kind: 'ask', question: `Several things are ${intent.word}. Which one should be less ${intent.word}?`, alternatives: coloured.slice(0, 5).map((o) => ({ label: `the ${o.noun}`, intent: { ...intent, object: o.noun } })) };
      }
      const object = objectNamed(caption, intent.object) ?? coloured[0];
      const colour = object?.color;
      if (!intent.more && colour !== intent.word) {
        const what = object && intent.object && colour ? `The ${object.noun} is ${colour}, not ${intent.word}` : `Nothing in the picture is ${intent.word}`;
        return { kind: 'ask', question: `${what}, so there is no ${intent.word} to take away. Say which colour something should become, e.g. “make the ${caption?.objects[0]?.noun ?? 'star'} orange”.`, alternatives: [] };
      }
      if (intent.more) {
        if (colour === intent.word) return { kind: 'ask', question: `The ${object!.noun} is already as ${intent.word} as this model draws: it has one shade of each colour.`, alternatives: [] };
        return { kind: 'intent', intent: { kind: 'attribute', attribute: 'color', ...(object ? { object: object.noun } : {}), value: intent.word } };
      }
      const choices = NEIGHBOURS[intent.word] ?? [];
      const noun = object?.noun;
      return {
        kind: 'ask',
        question: `This model draws one shade of each colour, so it can't make ${noun ? `the ${noun}` : 'it'} a bit less ${intent.word}. Which colour should ${noun ? `the ${noun}` : 'it'} be instead?`,
        alternatives: choices.map((value) => ({ label: value, intent: { kind: 'attribute', attribute: 'color', ...(noun ? { object: noun } : {}), value } as Intent })),
      };
    }
    case 'style':
      return {
        kind: 'ask',
        question: `This model can't draw in a “${intent.style}” style. ${WORLD_LIMITS} Its objects can have a pattern, though: should I use one?`,
        alternatives: perObject(caption, undefined, (noun) => PATTERNS.map((value) => ({ label: `the ${noun} ${value}`, intent: { kind: 'attribute', attribute: 'texture', object: noun, value } as Intent }))).slice(0, 5),
      };
    case 'vague':
      return standOut(caption, intent.object);
    case 'pose': {
      if (/^pop\b|^stand out\b/.test(intent.action)) return standOut(caption, intent.subject);
      const object = objectNamed(caption, intent.subject);
      return { kind: 'ask', question: `This model can't make ${object ? `the ${object.noun}` : 'things'} ${intent.action}. ${WORLD_LIMITS}`, alternatives: [] };
    }
    case 'canvas':
    case 'regions':
      return { kind: 'ask', question: `This model draws square pictures of its 3×3 grid only, so it can't change the canvas. ${WORLD_LIMITS}`, alternatives: [] };
    default:
      return { kind: 'intent', intent };
  }
}

/**
 * A plan for a model of the world: each step's target caption worked out on the scene (`sceneAfter`),
 * in the words the model draws from. A string says why it can't be drawn, for the reply.
 */
export function fitPlanToWorld(plan: EditPlan): EditPlan | string {
  let scene = plan.source.caption ? sceneOfPrompt(plan.source.caption) : undefined;
  if (!scene) return `I can't tell what this picture shows in this model's words, so I can't plan that. ${WORLD_LIMITS}`;
  const source = scene;
  const steps: PlanStep[] = [];
  for (const step of plan.steps) {
    if (step.edit === 'variations') {
      steps.push(step);
      continue;
    }
    const after = sceneAfter(step, scene);
    if (typeof after === 'string') return after;
    if (captionOf(after) === captionOf(scene)) return `That is how the picture already reads (${captionOf(scene)}), so there is nothing to change.`;
    steps.push({ ...step, params: { ...step.params, prompt: promptForScene(after) } });
    scene = after;
  }
  // The source's words as the model draws them too ("sand", not "nothing on sand").
  return { ...plan, source: { ...plan.source, caption: promptForScene(source) }, steps };
}


type WorldScene = Pick<Scene, 'background' | 'objects'>;

/**
 * The caption the shipped model draws a scene from: the world's caption, except that an empty scene
 * is its background word alone ("grass"), which the model draws bare ("nothing on grass" draws a
 * star: "nothing" was never in its training captions).
 */
export function promptForScene(scene: WorldScene): string {
  return scene.objects.length === 0 ? scene.background : captionOf(scene);
}

/** Where objects a prompt places nowhere go: one alone in the centre, several side by side first. */
const OPEN_CELLS_ALONE: Position[] = ['center', 'middle left', 'middle right', 'top middle', 'bottom middle', 'top left', 'top right', 'bottom left', 'bottom right'];
const OPEN_CELLS_SEVERAL: Position[] = ['middle left', 'middle right', 'top middle', 'bottom middle', 'center', 'top left', 'top right', 'bottom left', 'bottom right'];

/**
 * The whole caption the shipped model draws a prompt from. It draws its world's full captions right
 * (eval t2i) but leaves many short ones empty or misplaced (eval prompts, issue W2.2), so what a
 * prompt leaves open is chosen here: a medium size (room to grow or shrink), the flat style, a
 * colour the background doesn't hide, a free cell (the centre for one object, side by side in the
 * order named for more), and a background when none is said. `seed` makes the choices repeatable.
 */
export function completedPrompt(named: PromptScene, seed: number): string {
  const random = createRandom(seed ^ 0x5eed0c0d);
  const background = named.background ?? random.pick(BACKGROUNDS);
  const taken = new Set(named.objects.map((o) => o.position).filter((p) => p !== undefined));
  const open = (named.objects.length - taken.size > 1 ? OPEN_CELLS_SEVERAL : OPEN_CELLS_ALONE).filter((p) => !taken.has(p));
  const colours: string[] = named.objects.map((o) => o.colour).filter((c) => c !== undefined);
  const objects = named.objects.map((o): SceneObject => {
    const colour = o.colour ?? (newObjectColour(colours, background, (available) => random.pick(available)) as Colour);
    if (!o.colour) colours.push(colour);
    return { shape: o.shape, size: o.size ?? 'medium', style: o.style ?? 'flat', colour, position: o.position ?? open.shift()! };
  });
  return captionOf({ background, objects });
}

/** A caption of the world (or a bare background word) as a scene; undefined for anything else. */
export function sceneOfPrompt(prompt: string): WorldScene | undefined {
  const word = prompt.trim().toLowerCase();
  if ((BACKGROUNDS as readonly string[]).includes(word)) return { background: word as Background, objects: [] };
  return parseCaption(prompt);
}

const positionOf = (region: Region): Position => POSITIONS[REGIONS.indexOf(region)]!;

/** The scene's caption with the shape's place left out ("a medium red star on sky"): words that would hold it there. */
export function unplacedPrompt(scene: WorldScene, shape: string): string {
  return `${sortObjects(scene.objects).map((o) => (o.shape === shape ? describeObject(o) : objectPhrase(o))).join(' and ')} on ${scene.background}`;
}

/**
 * The scene a plan step leaves, worked out on the world's scene itself rather than by rewriting
 * words: the step's object found by its shape, its attribute, place or presence changed. A string
 * says why the step can't apply (the words a reply shows).
 */
export function sceneAfter(step: PlanStep, scene: WorldScene): WorldScene | string {
  const p = step.params;
  const noun = p.object ?? p.word;
  const index = scene.objects.findIndex((o) => o.shape === noun);
  const target = scene.objects[index];
  const others = scene.objects.filter((_, i) => i !== index);
  const withObject = (changed: SceneObject, isNew = false): WorldScene | string => {
    const rest = isNew ? scene.objects : others;
    const there = rest.find((o) => o.position === changed.position);
    if (there) {
      return `The ${changed.position} is taken by the ${there.shape}, and this model draws one thing per cell of its 3×3 grid. Say another place, e.g. “in the top left”.`;
    }
    // A new shape must not be one there already is (a picture the model drew with two of a shape keeps them).
    if ((isNew || changed.shape !== target?.shape) && rest.some((o) => o.shape === changed.shape)) return `There already is a ${changed.shape}, and this model draws at most one of each shape.`;
    return { background: scene.background, objects: sortObjects([...rest, changed]) };
  };
  if (p.attribute === 'background') {
    const background = p.target;
    return background && (BACKGROUNDS as readonly string[]).includes(background) ? { ...scene, background: background as Background } : `I can't draw a “${background ?? ''}” background with this model. ${WORLD_LIMITS}`;
  }
  switch (step.edit) {
    case 'add': {
      const words = (p.target ?? '').split(' ').filter((w) => w && w !== 'a' && w !== 'an');
      const shape = words.pop();
      if (!shape || !(SHAPES as readonly string[]).includes(shape) || !p.region) return `I can't draw “${p.target ?? ''}” with this model. ${WORLD_LIMITS}`;
      const added: SceneObject = { shape: shape as Shape, size: 'medium', style: 'flat', colour: newObjectColour(scene.objects.map((o) => o.colour), scene.background) as Colour, position: positionOf(p.region) };
      for (const word of words) {
        if ((SIZES as readonly string[]).includes(word)) added.size = word as SceneObject['size'];
        else if ((STYLES as readonly string[]).includes(word)) added.style = word as SceneObject['style'];
        else if ((COLOURS as readonly string[]).includes(word)) added.colour = word as Colour;
        else return `I can't draw “${words.join(' ')} ${shape}” with this model. ${WORLD_LIMITS}`;
      }
      return withObject(added, true);
    }
    case 'remove':
      return target ? { background: scene.background, objects: others } : `There is no ${noun ?? 'such thing'} in the picture.`;
    case 'move':
      return target && p.region ? withObject({ ...target, position: positionOf(p.region) }) : `There is no ${noun ?? 'such thing'} to move.`;
    case 'swap':
      if (!target) return `There is no ${noun ?? 'such thing'} in the picture.`;
      return p.target && (SHAPES as readonly string[]).includes(p.target) ? withObject({ ...target, shape: p.target as Shape }) : `I can't turn the ${target.shape} into “${p.target ?? ''}” with this model. ${WORLD_LIMITS}`;
    case 'attribute': {
      const value = p.target ?? '';
      const change: Partial<SceneObject> | undefined =
        p.attribute === 'color' && (COLOURS as readonly string[]).includes(value) ? { colour: value as Colour }
          : p.attribute === 'size' && (SIZES as readonly string[]).includes(value) ? { size: value as SceneObject['size'] }
            : p.attribute === 'texture' && (STYLES as readonly string[]).includes(value) ? { style: value as SceneObject['style'] }
              : undefined;
      if (!change) return `I can't draw “${value}” with this model. ${WORLD_LIMITS}`;
      if (!target) return `There is no ${noun ?? 'such thing'} in the picture.`;
      return withObject({ ...target, ...change });
    }
    default:
      return `I can't do that with this model. ${WORLD_LIMITS}`;
  }
}
