// The conversation eval: what people do with the bot, measured. A conversation starts the way
// people start — `/imagine` with a short prompt in the world's words with most of them left out
// ("a red star on grass", "a circle", "a blue heart and a green square"), or a picture sent without
// a caption (a render of the world at its own size, or a picture from outside it) — and goes on for
// a few turns of plain-English instructions from the phrase bank (src/eval/phrases.ts): colours,
// shapes, moves, sizes, additions, removals, backgrounds, patterns, "less red", "undo that and …",
// "now make it bigger", "make it pop", "watercolor". Each turn runs exactly as the chat runs it
// (planTurn, then runOnPicture or drawPicture), and every result is read back by the world's
// analysis against what the instruction meant, independently of what the bot planned. Reported per
// kind: success, everything else kept, questions asked, seconds, and truthfulness (the share of
// replies whose claims the read-back supports).
import { GUIDANCE, STEPS } from '../config/limits.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { planTurn, type TurnPlan } from '../chat/edit-turn.ts';
import { verdictOf } from '../chat/results/verdict.ts';
import { SHIPPED_MODEL_NAME } from '../models/catalog.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { planFromSlashOptions, type Choice, type EditPlan } from '../plan/index.ts';
import { checkDrawing, checkScene, readPicture, sceneOf, type Change, type Reading } from '../reading/index.ts';
import type { CheckReport } from '../studio/checked.ts';
import { runOnPicture } from '../studio/edit.ts';
import { drawPicture } from '../studio/generate.ts';
import {
  BACKGROUNDS, COLOURS, POSITIONS, readPrompt, renderScene, sampleScene, SHAPES, SIZES, sortObjects,
  type Scene, type SceneObject,
} from '../world/index.ts';
import { toPng, type RgbImage } from '../support/image.ts';
import { createRandom, type Random } from '../support/random.ts';
import { EDIT_KINDS, PHRASES, type Phrase, type PhraseKind } from './phrases.ts';

export interface ConversationEvalOptions {
  /** Conversations. */
  n: number;
  turns: number;
  seed: number;
  /** Which phrasings: those used in tuning, those held out, or both. */
  phrases: 'tune' | 'held' | 'all';
  steps?: number;
  guidance?: number;
  /** A folder to write each turn's pictures to (c<conversation>-t<turn>-before/after.png), to look at. */
  saveTo?: string;
  /**
   * false: the bot as it was before it read its pictures back (issue 24's "before"): captions are the
   * prompts, nothing is checked or retried, and every reply claims what the old ones did: done, the
   * rest kept.
   */
  readBack?: boolean;
  onTurn?: (done: number, total: number) => void;
}

export type RowKind = PhraseKind | 'imagine' | 'upload' | 'outside';

export interface KindRow {
  kind: RowKind;
  turns: number;
  /** The asked change reads back (for imagine: the drawing shows what the prompt named; for style, vague and outside: the bot said it can't and changed nothing). */
  success: number;
  /** Nothing else changed (turns that made a picture). */
  kept: number;
  /** Turns where the bot asked a question (the eval then presses the choice that matches what was meant, if any). */
  asked: number;
  /** Replies whose claims the read-back supports. */
  truthful: number;
  seconds: number;
}

export interface TurnLog {
  conversation: number;
  kind: RowKind;
  instruction: string;
  reply: string;
  success: boolean;
  kept: boolean;
  truthful: boolean;
  problems: string[];
}

export interface ConversationEvalResult {
  seed: number;
  phrases: ConversationEvalOptions['phrases'];
  conversations: number;
  rows: KindRow[];
  /** Every turn, for reading what happened. */
  turns: TurnLog[];
}

/** A picture in the conversation: what it is, the plan that made it, and the picture it was made from. */
interface Picture {
  image: RgbImage;
  madeBy?: EditPlan;
  parent?: Picture;
  /** The object the last edit was about, by shape. */
  focus?: string;
}

/** What an instruction means, as the eval knows it: the scene it should leave (or what the reply should do instead). */
type Meaning =
  | { kind: 'scene'; scene: Pick<Scene, 'background' | 'objects'>; onParent?: boolean }
  /** "less red": a question whose choices are other colours; the eval presses the first and expects that colour. */
  | { kind: 'choose-colour'; shape: string }
  /** Vague or impossible: no change, a question or a plain "can't". */
  | { kind: 'no-change' };


export async function evaluateConversations(diffusion: (options: { hooks: boolean }) => Diffusion, options: ConversationEvalOptions): Promise<ConversationEvalResult> {
  const random = createRandom(options.seed);
  const readBack = options.readBack ?? true;
  // A name without a read-back gives the bot as it was before it read its pictures.
  const modelName = readBack ? SHIPPED_MODEL_NAME : 'world-sd-without-read-back';
  const defaults = { steps: options.steps ?? STEPS.default, guidance: options.guidance ?? GUIDANCE.default };
  const rows = new Map<RowKind, KindRow>();
  const log: TurnLog[] = [];
  const row = (kind: RowKind) => rows.get(kind) ?? rows.set(kind, { kind, turns: 0, success: 0, kept: 0, asked: 0, truthful: 0, seconds: 0 }).get(kind)!;
  const record = (entry: TurnLog & { asked: boolean; seconds: number }) => {
    const r = row(entry.kind);
    r.turns++;
    r.success += entry.success ? 1 : 0;
    r.kept += entry.kept ? 1 : 0;
    r.asked += entry.asked ? 1 : 0;
    r.truthful += entry.truthful ? 1 : 0;
    r.seconds += entry.seconds;
    const { asked: _a, seconds: _s, ...kept } = entry;
    log.push(kept);
  };
  const total = options.n * (options.turns + 1);
  let done = 0;
  const tick = () => options.onTurn?.(++done, total);

  for (let c = 0; c < options.n; c++) {
    const start = random.next();
    const seed = random.int(2 ** 31);
    let picture: Picture | undefined;
    if (start < 0.7) {
      // /imagine with a short prompt.
      const prompt = shortPrompt(random);
      const started = performance.now();
      const planned = planFromSlashOptions('imagine', { prompt, seed }, defaults);
      if (planned.kind !== 'plan') throw new Error(`imagine ${prompt}: ${planned.question}`);
      const drawing = await drawPicture(diffusion, planned.plan, modelName);
      const found = checkDrawing(readPrompt(prompt)!, await readPicture(drawing.image));
      const claims = drawing.check?.done ?? !readBack;
      record({ conversation: c, kind: 'imagine', instruction: `/imagine ${prompt}`, reply: drawing.check ? (drawing.check.done ? 'checked: shows what the prompt names' : `not quite: ${drawing.check.problems.join('; ')}`) : 'unchecked', success: found.done, kept: found.done, truthful: !claims || found.done, problems: found.problems, asked: false, seconds: (performance.now() - started) / 1000 });
      picture = { image: drawing.image, madeBy: { ...planned.plan, output: { ...planned.plan.output, seed: drawing.seed } } };
      if (options.saveTo) await save(options.saveTo, `c${c}-t0`, drawing.image);
    } else if (start < 0.9) {
      picture = { image: await upload(random) };
    } else {
      // A picture from outside the world: the bot should say so at once and change nothing.
      const image = await outsidePicture(random);
      const started = performance.now();
      const turn = await planTurn({ options: { instruction: 'make it blue' }, picture: { pixels: async () => image }, modelName, defaults });
      const refused = turn.kind === 'reply' && /RETOUCH_MODEL_DIR/.test(turn.text);
      record({ conversation: c, kind: 'outside', instruction: 'make it blue (a picture from outside the world)', reply: replyText(turn), success: refused, kept: true, truthful: turn.kind !== 'plan', problems: refused ? [] : ['the bot planned an edit of a picture it cannot read'], asked: turn.kind === 'clarify', seconds: (performance.now() - started) / 1000 });
      for (let t = 0; t <= options.turns; t++) tick();
      continue;
    }
    tick();

    for (let t = 0; t < options.turns; t++) {
      const before = await readPicture(picture.image);
      const parentReading = picture.parent ? await readPicture(picture.parent.image) : undefined;
      const chosen = chooseInstruction(random, options.phrases, before, picture, parentReading);
      if (!chosen) {
        tick();
        continue;
      }
      const kind: RowKind = t === 0 && !picture.madeBy && chosen.kind !== 'compound' ? 'upload' : chosen.kind;
      const started = performance.now();
      let turn = await planTurn({
        options: { instruction: chosen.instruction },
        picture: { pixels: async () => picture!.image, ...(picture.madeBy ? { madeBy: picture.madeBy } : {}) },
        parent: async () => (picture!.parent ? { pixels: async () => picture!.parent!.image, ...(picture!.parent.madeBy ? { madeBy: picture!.parent.madeBy } : {}) } : undefined),
        modelName,
        defaults: { ...defaults, seed },
      });
      const asked = turn.kind === 'clarify';
      let meaning = chosen.meaning;
      if (turn.kind === 'clarify') {
        // As a person would: press the choice that matches what they meant.
        const pick = pickChoice(turn.choices, chosen, meaning);
        if (pick) {
          if (meaning.kind === 'choose-colour') meaning = chooseColourMeaning(before, meaning.shape, pick.label);
          turn = { kind: 'plan', plan: pick.plan, onParent: turn.onParent };
        }
      }
      const source: Picture = turn.kind === 'plan' && turn.onParent && picture.parent ? picture.parent : picture;
      const sourceReading = source === picture ? before : (parentReading ?? before);
      if (turn.kind !== 'plan') {
        const noChangeWanted = meaning.kind === 'no-change';
        const said = replyText(turn);
        record({ conversation: c, kind, instruction: chosen.instruction, reply: said, success: noChangeWanted && (asked || /can't|cannot/.test(said)), kept: true, truthful: true, problems: noChangeWanted ? [] : ['no picture was made'], asked, seconds: (performance.now() - started) / 1000 });
        tick();
        continue;
      }
      const run = await runOnPicture(diffusion, turn.plan, source.image, modelName);
      if (options.saveTo) await save(options.saveTo, `c${c}-t${t + 1}`, source.image, run.image);
      const after = await readPicture(run.image);
      const verdict = verdictOf(run.report);
      let success: boolean;
      let kept: boolean;
      let problems: string[];
      if (meaning.kind === 'scene') {
        const check = checkScene(sceneOf(sourceReading), meaning.scene, after);
        success = check.done;
        kept = check.kept;
        problems = check.problems;
      } else {
        // A vague or impossible instruction that the bot turned into an edit anyway.
        success = false;
        kept = checkScene(sceneOf(sourceReading), sceneOf(sourceReading), after).kept;
        problems = [`changed the picture for “${chosen.instruction}”`];
      }
      const truthful = readBack ? claimsHold(sceneOf(sourceReading), run.report, after) : (!claimsOfOld(verdict).done || success) && (!claimsOfOld(verdict).kept || kept);
      record({ conversation: c, kind, instruction: chosen.instruction, reply: `${verdict}: ${run.report?.steps.flatMap((s) => s.problems).join('; ') ?? ''}`, success, kept, truthful, problems, asked, seconds: (performance.now() - started) / 1000 });
      tick();
      const focus = turn.plan.steps.at(-1)?.params.object;
      picture = { image: run.image, madeBy: turn.plan, parent: source, ...(focus ? { focus } : {}) };
    }
  }
  return {
    seed: options.seed,
    phrases: options.phrases,
    conversations: options.n,
    rows: [...rows.values()].sort((a, b) => order(a.kind) - order(b.kind)),
    turns: log,
  };
}

async function save(folder: string, name: string, ...images: RgbImage[]): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const [i, image] of images.entries()) await writeFile(join(folder, `${name}-${images.length === 1 ? 'drawn' : i === 0 ? 'before' : 'after'}.png`), await toPng(image));
}

/** What the replies of the bot before the read-back claimed: "Done", and that what wasn't asked stays. */
const claimsOfOld = (verdict: string) => ({ done: verdict === 'unchecked', kept: verdict === 'unchecked' });

/**
 * Whether the eval's own reading of the delivered picture supports what the reply claims: for
 * "done", each change it names ("the star is now blue") and that everything else reads as before;
 * for "partly", each change it names; "not done" claims nothing.
 */
function claimsHold(source: Scene, report: CheckReport | undefined, after: Reading): boolean {
  const verdict = verdictOf(report);
  if (!report || verdict === 'failed' || verdict === 'unchecked') return true;
  const claimed = report.steps.flatMap((step) => step.asked).reduce<Pick<Scene, 'background' | 'objects'> | undefined>((scene, change) => (scene ? withClaim(scene, change) : undefined), source);
  if (!claimed) return false;
  const check = checkScene(source, claimed, after);
  return check.done && (verdict !== 'done' || check.kept);
}

/** A scene with one claimed change made ("the star" → "blue", "a small yellow circle" → "in the center"). */
function withClaim(scene: Pick<Scene, 'background' | 'objects'>, change: Change): Pick<Scene, 'background' | 'objects'> | undefined {
  if (change.subject === 'the background') return { ...scene, background: change.value as Scene['background'] };
  const place = /^in the (.+)$/.exec(change.value)?.[1] as SceneObject['position'] | undefined;
  const added = /^an? (\w+) (?:(striped|dotted|outlined) )?(\w+) (\w+)$/.exec(change.subject);
  if (added && place) {
    const [, size, style, colour, shape] = added;
    return { ...scene, objects: sortObjects([...scene.objects, { size, style: style ?? 'flat', colour, shape, position: place } as SceneObject]) };
  }
  const shape = /^the (\w+)$/.exec(change.subject)?.[1];
  const object = scene.objects.find((o) => o.shape === shape);
  if (!object) return undefined;
  const others = scene.objects.filter((o) => o !== object);
  if (change.value === 'gone') return { ...scene, objects: others };
  const value = change.value;
  const changed: SceneObject = place ? { ...object, position: place }
    : /^an? (\w+)$/.test(value) ? { ...object, shape: value.split(' ')[1] as SceneObject['shape'] }
      : (COLOURS as readonly string[]).includes(value) ? { ...object, colour: value as SceneObject['colour'] }
        : (SIZES as readonly string[]).includes(value) ? { ...object, size: value as SceneObject['size'] }
          : { ...object, style: (value === 'plain' ? 'flat' : value) as SceneObject['style'] };
  return { ...scene, objects: sortObjects([...others, changed]) };
}

const order = (kind: RowKind) => ['imagine', 'upload', 'outside', ...EDIT_KINDS].indexOf(kind);

function replyText(turn: TurnPlan): string {
  if (turn.kind === 'reply') return turn.text;
  if (turn.kind === 'clarify') return `${turn.question} [${turn.choices.map((c) => c.label).join('] [')}]`;
  return turn.plan.reason;
}

/** A prompt as people write them: a shape, with a colour or a background now and then, rarely more; a second object sometimes. */
function shortPrompt(random: Random): string {
  const count = random.next() < 0.75 ? 1 : 2;
  const shapes = random.shuffle([...SHAPES]).slice(0, count);
  const phrases = shapes.map((shape) => {
    const words: string[] = [];
    if (random.next() < 0.15) words.push(random.pick(SIZES));
    if (random.next() < 0.6) words.push(random.pick(COLOURS));
    return `${/^[aeiou]/.test(words[0] ?? shape) ? 'an' : 'a'} ${[...words, shape].join(' ')}`;
  });
  const background = random.next() < 0.5 ? ` on ${random.pick(BACKGROUNDS)}` : '';
  return `${phrases.join(' and ')}${background}`;
}

/** A render of the world sent as an upload, at a size of its own and with no caption. */
async function upload(random: Random): Promise<RgbImage> {
  const scene = sampleScene(random, { minObjects: 1, maxObjects: 2, styles: ['flat'] });
  const [width, height] = random.pick([[128, 128], [256, 256], [320, 240], [200, 200]] as const);
  const render = renderScene(scene, { size: 256 });
  const { data } = await sharp(Buffer.from(render.rgb), { raw: { width: 256, height: 256, channels: 3 } }).resize(width, height, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { width, height, rgb: new Uint8Array(data) };
}

/** Pictures that are plainly not of the world: drawings of other things, and noise. */
async function outsidePicture(random: Random): Promise<RgbImage> {
  const svgs = [
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="320" height="240" fill="#8ec9ff"/><rect y="160" width="320" height="80" fill="#4a8f3c"/><rect x="100" y="100" width="90" height="70" fill="#b5651d"/><polygon points="90,100 145,55 200,100" fill="#7a1f1f"/><circle cx="260" cy="50" r="25" fill="#ffd700"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="white"/><text x="20" y="80" font-size="40" fill="black">Hello world</text><text x="20" y="150" font-size="24" fill="#333">a red star on grass</text></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#d9c2a7"/><circle cx="128" cy="128" r="90" fill="#f1c27d"/><circle cx="95" cy="105" r="12" fill="#222"/><circle cx="160" cy="105" r="12" fill="#222"/><path d="M85 165 Q128 200 170 165" stroke="#a33" stroke-width="8" fill="none"/></svg>',
  ];
  if (random.next() < 0.25) {
    const width = 200;
    const height = 150;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.floor(random.next() * 256);
    return { width, height, rgb };
  }
  const { data, info } = await sharp(Buffer.from(random.pick(svgs))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: new Uint8Array(data) };
}

interface Chosen {
  kind: PhraseKind;
  instruction: string;
  meaning: Meaning;
  /** The shape the instruction is about, to pick the matching button of a question. */
  shape?: string;
  /** A value it names, to pick the matching button ("striped", "night"). */
  value?: string;
}

const placeNames = POSITIONS;

/** An instruction from the phrase bank that applies to the picture as read, with what it means. */
function chooseInstruction(random: Random, split: ConversationEvalOptions['phrases'], reading: Reading, picture: Picture, parentReading: Reading | undefined): Chosen | undefined {
  const scene = sceneOf(reading);
  const objects = scene.objects;
  const usable = PHRASES.filter((p) => split === 'all' || p.split === split);
  const kinds = EDIT_KINDS.filter((kind) => {
    if (!usable.some((p) => p.kind === kind)) return false;
    if (kind === 'compound') return parentReading !== undefined && picture.focus !== undefined && parentReading.objects.some((o) => o.shape === picture.focus);
    if (kind === 'followup') return picture.focus !== undefined && objects.some((o) => o.shape === picture.focus);
    if (kind === 'add') return objects.length < 3;
    return objects.length > 0 || kind === 'background' || kind === 'style';
  });
  for (let attempt = 0; attempt < 20; attempt++) {
    const kind = random.pick(kinds);
    const phrase = random.pick(usable.filter((p) => p.kind === kind));
    const chosen = fill(random, phrase, scene, picture, parentReading);
    if (chosen) return chosen;
  }
  return undefined;
}

function fill(random: Random, phrase: Phrase, scene: Scene, picture: Picture, parentReading: Reading | undefined): Chosen | undefined {
  const objects = scene.objects;
  const focusObject = objects.find((o) => o.shape === picture.focus);
  // "can it be a circle instead?" says "it" itself: the thing just edited, as a person means it, or
  // the only thing there; with several things and none just edited it says nothing definite.
  const saysIt = /\bit\b/.test(phrase.text.replace(/\{it\}/g, ''));
  if (saysIt && objects.length > 1 && !focusObject && phrase.kind !== 'compound') return undefined;
  const target = phrase.kind === 'followup' || (saysIt && focusObject && phrase.kind !== 'compound') ? focusObject : objects.length ? random.pick(objects) : undefined;
  const it = (o: SceneObject | undefined) => (objects.length === 1 ? 'it' : `the ${o?.shape}`);
  const free = placeNames.filter((p) => !objects.some((o) => o.position === p));
  const slots: Record<string, string> = {};
  const edit = (changed: Partial<SceneObject>): Pick<Scene, 'background' | 'objects'> | undefined => {
    if (!target) return undefined;
    const next = { ...target, ...changed };
    const others = objects.filter((o) => o !== target);
    if (others.some((o) => o.position === next.position || o.shape === next.shape)) return undefined;
    return { background: scene.background, objects: sortObjects([...others, next]) };
  };
  let meaning: Meaning | undefined;
  let value: string | undefined;
  if (target) {
    slots.it = it(target);
    slots.the = `the ${target.shape}`;
    slots.shape = target.shape;
    slots.current = target.colour;
  }
  switch (phrase.kind) {
    case 'colour': {
      const colour = random.pick(COLOURS.filter((c) => c !== target?.colour));
      slots.colour = value = colour;
      meaning = wrap(edit({ colour }));
      break;
    }
    case 'shape': {
      const shape = random.pick(SHAPES.filter((s) => !objects.some((o) => o.shape === s)));
      slots.newshape = value = shape;
      meaning = wrap(edit({ shape }));
      break;
    }
    case 'move': {
      if (!free.length) return undefined;
      const place = random.pick(free);
      slots.place = value = place;
      meaning = wrap(edit({ position: place }));
      break;
    }
    case 'resize': {
      if (!target) return undefined;
      const index = SIZES.indexOf(target.size);
      const next = phrase.text.includes('twice') ? 2 : phrase.direction === 'larger' ? index + 1 : index - 1;
      if (next < 0 || next > 2 || next === index) return undefined;
      meaning = wrap(edit({ size: SIZES[next]! }));
      break;
    }
    case 'add': {
      if (!free.length) return undefined;
      const shape = random.pick(SHAPES.filter((s) => !objects.some((o) => o.shape === s)));
      const colour = random.pick(COLOURS);
      const place = random.pick(free);
      Object.assign(slots, { addshape: shape, addcolour: colour, place });
      value = shape;
      const added: SceneObject = { shape, colour, size: phrase.text.includes('small') ? 'small' : 'medium', position: place, style: 'flat' };
      meaning = { kind: 'scene', scene: { background: scene.background, objects: sortObjects([...objects, added]) } };
      break;
    }
    case 'remove':
      if (!target) return undefined;
      meaning = { kind: 'scene', scene: { background: scene.background, objects: objects.filter((o) => o !== target) } };
      break;
    case 'background': {
      const background = phrase.background ?? random.pick(BACKGROUNDS.filter((b) => b !== scene.background));
      if (background === scene.background) return undefined;
      slots.background = value = background;
      meaning = { kind: 'scene', scene: { ...scene, background } };
      break;
    }
    case 'pattern': {
      if (!target || phrase.pattern === target.style) return undefined;
      value = phrase.pattern!;
      meaning = wrap(edit({ style: phrase.pattern! }));
      break;
    }
    case 'less':
      if (!target) return undefined;
      meaning = { kind: 'choose-colour', shape: target.shape };
      break;
    case 'compound': {
      const parentScene = parentReading ? sceneOf(parentReading) : undefined;
      const object = parentScene?.objects.find((o) => o.shape === picture.focus);
      if (!parentScene || !object) return undefined;
      const colour = random.pick(COLOURS.filter((c) => c !== object.colour));
      slots.colour = value = colour;
      slots.it = parentScene.objects.length === 1 ? 'it' : `the ${object.shape}`;
      const others = parentScene.objects.filter((o) => o !== object);
      meaning = { kind: 'scene', scene: { background: parentScene.background, objects: sortObjects([...others, { ...object, colour }]) }, onParent: true };
      break;
    }
    case 'followup': {
      if (!target) return undefined;
      if (phrase.then === 'larger' || phrase.then === 'smaller') {
        const next = SIZES.indexOf(target.size) + (phrase.then === 'larger' ? 1 : -1);
        if (next < 0 || next > 2) return undefined;
        meaning = wrap(edit({ size: SIZES[next]! }));
      } else if (phrase.then === 'move') {
        if (!free.length) return undefined;
        slots.place = value = random.pick(free);
        meaning = wrap(edit({ position: slots.place as SceneObject['position'] }));
      } else {
        slots.colour = value = random.pick(COLOURS.filter((c) => c !== target.colour));
        meaning = wrap(edit({ colour: value as SceneObject['colour'] }));
      }
      break;
    }
    case 'vague':
    case 'style':
      meaning = { kind: 'no-change' };
      break;
  }
  if (!meaning) return undefined;
  const instruction = phrase.text.replace(/\{(\w+)\}/g, (_m, slot: string) => slots[slot] ?? `{${slot}}`);
  if (instruction.includes('{')) return undefined;
  return { kind: phrase.kind, instruction, meaning, ...(target ? { shape: target.shape } : {}), ...(value ? { value } : {}) };
}

const wrap = (scene: Pick<Scene, 'background' | 'objects'> | undefined): Meaning | undefined => (scene ? { kind: 'scene', scene } : undefined);

/** The button a person would press: the one naming what they meant (the object, or the value), else none. */
function pickChoice(choices: readonly Choice[], chosen: Chosen, meaning: Meaning): Choice | undefined {
  if (meaning.kind === 'choose-colour') return choices[0];
  if (meaning.kind === 'no-change') return undefined;
  const words = (label: string) => label.toLowerCase().split(/[\s,]+/);
  const named = (choice: Choice, word: string | undefined) => word !== undefined && words(choice.label).includes(word);
  return choices.find((c) => named(c, chosen.shape) && (chosen.value === undefined || named(c, chosen.value) || !choices.some((o) => named(o, chosen.value)))) ?? choices.find((c) => named(c, chosen.shape));
}

/** "less red", after the first choice (a colour) was pressed: that object in that colour. */
function chooseColourMeaning(reading: Reading, shape: string, label: string): Meaning {
  const scene = sceneOf(reading);
  const colour = COLOURS.find((c) => label.toLowerCase().split(/[\s,]+/).includes(c));
  const object = scene.objects.find((o) => o.shape === shape);
  if (!colour || !object) return { kind: 'no-change' };
  return { kind: 'scene', scene: { background: scene.background, objects: sortObjects([...scene.objects.filter((o) => o !== object), { ...object, colour }]) } };
}

/** The table as Markdown. */
export function conversationTable(result: ConversationEvalResult): string {
  const pct = (x: number, n: number) => (n ? `${Math.round((100 * x) / n)}%` : '—');
  return [
    '| kind | turns | success | kept | asked | truthful | s / turn |',
    '|---|---|---|---|---|---|---|',
    ...result.rows.map((r) => `| ${r.kind} | ${r.turns} | ${pct(r.success, r.turns)} | ${pct(r.kept, r.turns)} | ${pct(r.asked, r.turns)} | ${pct(r.truthful, r.turns)} | ${r.turns ? (r.seconds / r.turns).toFixed(1) : '—'} |`),
  ].join('\n');
}

