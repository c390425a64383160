// Additions: "add a hat to the cat", "put a moon in the top right", "give the man a beard".
import type { Intent } from '../intents.ts';
import type { Region } from '../schema.ts';
import { COMMON_NOUNS, STYLES, TEXTURES } from '../lexicon.ts';
import { BESIDE_WORDS, PLACE_PHRASE, readRegion, relationOffset } from '../positions.ts';
import type { Relation } from '../intents.ts';
import { describeTarget, readObject } from './nouns.ts';
import { SCENE_PHRASES, SCENE_RE } from './words.ts';

export function parseAdd(c: string): Intent[] | undefined {
  const match =
    /^(?:add|insert|include|draw|stick|throw in|put in|put|place|drop|paint|sketch|spawn|introduce|create|generate)\s+(?:in\s+)?(.+)$/.exec(c) ??
    /^(?:there should be|let there be|there needs to be|i want|i'd like|i would like|can we have|can i have|can i get|could we have|could i have|could i get|may i have|have|with|also|need|it needs|it should have|needs)\s+(.+)$/.exec(c) ??
    /^(?:(?:it|the .+?|he|she|they)\s+)(?:could use|needs|should have|should wear|could wear|wants|deserves|would look good with|would look better with)\s+(.+)$/.exec(c);
  const owner = /^(?:the\s+)?(.+?)\s+(?:could use|needs|should have|should wear|could wear|wants|deserves|would look good with|would look better with)\s/.exec(c);
  const many = /^(?:make|draw|create|add|put|show|generate|i want)\s+(?:two|three|four|five|several|multiple|many|more|\d+)\s+(.+)$|^(?:duplicate|copy|clone|double)\s+(.+)$|^(?:add|put|draw|place|insert)\s+(?:another|one more|a second|a 2nd|an extra|an additional)\s+(.+)$/.exec(c);
  if (many) {
    const object = readObject(many[1] ?? many[2] ?? many[3] ?? '');
    if (object?.noun && !object.global) return [{ kind: 'add', object: describeTarget(object) }];
  }
  const give = /^give\s+(.+)$/.exec(c);
  const giveWords = give ? give[1]!.split(' ') : [];
  for (let cut = 1; cut < giveWords.length; cut++) {
    const anchor = readObject(giveWords.slice(0, cut).join(' '));
    const object = readObject(`a ${giveWords.slice(cut).join(' ').replace(/^(?:a|an|some|two|three)\s+/, '')}`);
    if (anchor && object?.noun) {
      const texture = TEXTURES[object.noun];
      if (texture) return [{ kind: 'attribute', attribute: 'texture', ...(anchor.noun ? { object: anchor.noun } : {}), value: texture }];
      return [{ kind: 'add', object: describeTarget(object), ...(anchor.noun ? { anchor: anchor.noun } : {}) }];
    }
  }
  if (!match) return undefined;
  let phrase = match[1]!.replace(/(?<!next)\s+(?:to it|to the (?:image|picture|scene|photo)|in it|somewhere|too|as well)$/, '').trim();
  let region: Region | undefined;
  let anchor: string | undefined;
  let relativeTo: Relation | undefined;
  // "a circle left of the star", "a moon above the star": beside it, in a cell of its own. Things that
  // go on or with another ("a hat on the cat", "a dog with a ball") are an anchor instead, below.
  const beside = new RegExp(`\\s+(${BESIDE_WORDS})\\s+(?:the\\s+)?(.+)$`).exec(phrase);
  const besideAnchor = beside ? (/^(?:it|them|that|this)$/.test(beside[2]!) ? { noun: 'it' } : readObject(beside[2]!)) : undefined;
  if (beside && besideAnchor?.noun) {
    const offset = relationOffset(beside[1]!);
    relativeTo = { object: besideAnchor.noun, ...(offset ? { offset } : {}) };
    phrase = phrase.slice(0, beside.index);
  }
  // "a moon in the corner": which corner is asked later.
  const anyCorner = relativeTo ? null : /\s+(?:in|at|into|to)\s+(?:the|a|one of the|any)\s+corner$/.exec(phrase);
  const corner = !!anyCorner;
  if (anyCorner) phrase = phrase.slice(0, anyCorner.index);
  const place = relativeTo || corner ? null : /\s+(?:in|at|on|to|into|onto|near|toward|towards)\s+(?:the\s+)?(.+)$/.exec(phrase);
  const skyOrGround = relativeTo || corner ? null : /\s+(?:in|on|into|onto|to|up in|across)\s+(?:the\s+)?(sky|ground|floor)$/.exec(phrase);
  if (place && PLACE_PHRASE.test(`the ${place[1]}`)) {
    region = readRegion(place[1]!);
    phrase = phrase.slice(0, place.index);
  } else if (skyOrGround) {
    region = skyOrGround[1] === 'sky' ? 'top' : 'bottom';
    phrase = phrase.slice(0, skyOrGround.index);
  } else if (!relativeTo && !corner) {
    const relation = /\s+(?:in front of|on top of|next to|held by|on|to|onto|in|into|beside|behind|above|below|under|over|near|by|around|for|wearing|with|inside|holding)\s+(?:the\s+|its\s+|his\s+|her\s+|their\s+|a\s+|an\s+)?(.+)$/.exec(phrase);
    if (relation) {
      const target = readObject(relation[1]!);
      if (target?.noun) anchor = target.noun;
      if (target) phrase = phrase.slice(0, relation.index);
    }
  }
  if (!anchor && owner && !/^(?:it|he|she|they)$/.test(owner[1]!)) anchor = readObject(owner[1]!)?.noun;
  const object = readObject(phrase.startsWith('a ') || phrase.startsWith('an ') || phrase.startsWith('some ') ? phrase : `a ${phrase}`);
  if (!object?.noun) return undefined;
  if (['more', 'less'].includes(object.noun.split(' ')[0]!)) return undefined;
  const texture = TEXTURES[object.noun];
  if (texture && !region) return [{ kind: 'attribute', attribute: 'texture', ...(anchor ? { object: anchor } : {}), value: texture }];
  if (STYLES.has(object.noun) && !COMMON_NOUNS.has(object.noun) && !region && !anchor) return [{ kind: 'style', style: object.noun, amount: 'normal' }];
  const scene = SCENE_RE.exec(object.noun);
  if (scene && !region && !anchor && !/^(?:add|insert|include|draw|put|place)\b/.test(c)) return [{ kind: 'scene', phrase: SCENE_PHRASES[scene[1]!]!, word: scene[1]! }];
  const intent: Intent = { kind: 'add', object: describeTarget(object), ...(region ? { region } : {}), ...(anchor ? { anchor } : {}), ...(relativeTo ? { relativeTo } : {}), ...(corner ? { corner } : {}) };
  return [intent];
}
