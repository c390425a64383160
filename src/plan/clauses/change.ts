// Changes of one thing into another: swaps ("make the cat a tiger"), attributes ("make it blue", "striped"), backgrounds, sizes and the pose/scene values a "make X Y" can carry.
import type { Amount, Intent } from '../intents.ts';
import { BACKGROUNDS, TEXTURES } from '../lexicon.ts';
import { PLACE_PHRASE } from '../positions.ts';
import { comparativeBase, singular, tagWords } from '../text.ts';
import { readAction } from './actions.ts';
import type { ObjectPhrase } from './nouns.ts';
import { describeTarget, isNounLike, looksLikeAdjective, readObject } from './nouns.ts';
import { classifyValue, valueKind } from './values.ts';
import { ACTION_RE, COLOR_RE, SCENE_PHRASES, SCENE_RE, SIZE_COMPARATIVES, VAGUE } from './words.ts';

export function parseChange(c: string, amount: Amount): Intent[] | undefined {
  // "turn the bear around", "wake the kitten up": a phrasal verb split by its object.
  const phrasal = /^(turn|spin|wake|stand|sit|lie|lay|roll|curl|cheer|lift|bend)\s+(.+?)\s+(around|up|down|over)$/.exec(c);
  if (phrasal) {
    const subject = readObject(phrasal[2]!);
    const verb = phrasal[1] === 'lay' ? 'lie' : phrasal[1]!;
    if (subject) return [{ kind: 'pose', ...(subject.noun ? { subject: subject.noun } : {}), action: `${verb} ${phrasal[3]}` }];
  }
  // "I'd prefer a blue chair": the thing with its new look.
  const prefer = /^(?:i'd prefer|i would prefer|i prefer|i'd rather have|i would rather have|how about|what about)\s+(?:a|an|the|some)\s+(.+)$/.exec(c);
  if (prefer) {
    const object = readObject(prefer[1]!);
    if (object?.noun && object.color) return [{ kind: 'attribute', attribute: 'color', object: object.noun, value: object.color }];
    if (object?.noun && object.size) return [{ kind: 'resize', object: object.noun, size: object.size, relative: false, amount }];
    if (object?.noun && object.texture) return [{ kind: 'attribute', attribute: 'texture', object: object.noun, value: TEXTURES[object.texture] ?? object.texture }];
  }

  // "change the background to sand", "make the background night"
  const background = /^(?:change|make|turn|switch|set|replace|swap)\s+(?:the\s+)?(?:background|backdrop|bg|setting)\s+(?:to|into|with|for|a|an|)\s*(?:a\s+|an\s+|the\s+)?(.+)$|^(?:(?:a|an)\s+)?(.+?)\s+(?:background|backdrop)(?:\s+instead)?$|^(?:background|backdrop|bg)\s*(?::|to|->|should be|is)\s*(?:a\s+|an\s+)?(.+)$|^(?:put|place|set)\s+(?:it|them|him|her|the .+?)\s+(?:on|in|at)\s+(?:a\s+|an\s+|the\s+)?(.+?)(?:\s+background)?$/.exec(c);
  if (background) {
    const value = background.slice(1).find((g) => g !== undefined)!.replace(/\s+background$/, '').trim();
    const isBackgroundWord = BACKGROUNDS.has(value) || !!SCENE_RE.exec(value);
    if (value && (/\b(background|backdrop|bg|setting)\b/.test(c) || isBackgroundWord) && !PLACE_PHRASE.test(`the ${value}`)) {
      if (COLOR_RE.test(value)) return [{ kind: 'attribute', attribute: 'background', value }];
      if (/^[a-z][a-z ]*$/.test(value) && value.split(' ').length <= 3)
        return [{ kind: 'attribute', attribute: 'background', value: singular(value) }];
    }
  }

  // "change the color of the star to blue", "the star's color to blue", "recolor it blue"
  const colorOf = /^(?:change|make|turn|switch|set|alter)?\s*(?:the\s+)?(?:color|hue|colors)\s+(?:of\s+)?(.*?)\s*(?:to|into|->|:|=|be)\s+(.+)$|^(?:change|make|set|turn|switch)\s+(.+?)\s+(?:color|colour|colors)\s+(?:to|into)\s+(.+)$|^(?:change|make|set)?\s*(.+?)'s\s+(?:color|colour)\s+(?:to\s+)?(.+)$|^(?:recolor|color|paint|dye|tint|colorize|repaint|shade)\s+(.+?)\s+(?:in\s+|with\s+|to\s+|into\s+)?((?:(?:light|dark|bright|pale|deep|neon|pastel)\s+)?[a-z]+)$|^(?:recolor|color|paint|dye|tint|colorize|repaint)\s+(.+)$/.exec(c);
  if (colorOf) {
    const groups = colorOf.slice(1);
    const [objA, valA, objE, valE, objB, valB, objC, valC, valD] = groups;
    const object = objA ?? objE ?? objB ?? objC ?? (valD !== undefined ? 'it' : '');
    const value = valA ?? valE ?? valB ?? valC ?? valD ?? '';
    const kind = classifyValue(value);
    if (kind && 'attribute' in kind && (kind.attribute === 'color' || kind.attribute === 'texture' || kind.attribute === 'material')) {
      const parsed = object ? readObject(object) : { global: false } as ObjectPhrase;
      if (parsed) return [{ kind: 'attribute', attribute: kind.attribute, ...(parsed.noun ? { object: parsed.noun } : {}), value: kind.value }];
    }
    if (valD !== undefined && COLOR_RE.test(valD.split(' ').at(-1) ?? '')) {
      const words = valD.split(' ');
      const parsed = readObject(words.slice(0, -1).join(' ') || 'it');
      if (parsed) return [{ kind: 'attribute', attribute: 'color', ...(parsed.noun ? { object: parsed.noun } : {}), value: words.at(-1)! }];
    }
  }

  // "resize / grow / shrink / enlarge the star"
  const sizeVerb = /^(shrink|enlarge|grow|scale up|scale down|upsize|downsize|magnify|supersize)\s*(.*)$/.exec(c);
  if (sizeVerb) {
    const object = readObject(sizeVerb[2] || 'it');
    if (object) {
      const grow = /^(enlarge|grow|scale up|upsize|magnify|supersize)$/.test(sizeVerb[1]!);
      return [{ kind: 'resize', ...(object.noun ? { object: object.noun } : {}), size: grow ? 'large' : 'small', relative: true, amount }];
    }
  }

  // "I want a ring in the top left too": a new thing wanted, not a change of one ("I want a star instead of the circle" is).
  if (/^(?:i want|want|have|get)\s+(?:a|an|another|one more)\s/.test(c) && !/\b(?:instead of|to be|be)\b/.test(c)) return undefined;
  // The two-part patterns: (object, value).
  const patterns: RegExp[] = [
    /^(?:replace|substitute)\s+(.+?)\s+(?:with|by|for)\s+(.+)$/,
    /^(?:swap|switch|exchange|trade)\s+(?:out\s+)?(.+?)\s+(?:for|with|to|into|and|->)\s+(.+)$/,
    /^(?:change|turn|transform|convert|morph|make|modify|alter|switch|evolve|mutate|update)\s+(.+?)\s+(?:into|to|in to|to be|so (?:it|that it) (?:is|becomes|looks like))\s+(.+)$/,
    /^(.+?)\s+(?:should become|will become|must become|should turn into|should be|must be|needs to be|has to be|becomes|become|to become|to be|is now|as|would be|could be|will be|looks like|look like|should look like)\s+(.+)$/,
    /^(.+?)(?:\s*(?:->|=>|→|=|:)\s*|\s+(?:to|into)\s+)(.+)$/,
    /^(?:use|put|want|i want|give me|have|make it|make that|draw)\s+(.+?)\s+instead of\s+(.+)$/,
    /^(.+?)\s+instead of\s+(.+)$/,
    /^instead of\s+(.+?)\s*,?\s*(?:use|put|have|make it|draw|i want)?\s*(.+)$/,
    /^(?:make|turn|paint|render|color|get|have|want|i want|keep)\s+(.+)$/,
    /^(?:i want|make|have)\s+(.+?)\s+(?:to be|be)\s+(.+)$/,
    /^(?:can|could|should|will|would)\s+(.+?)\s+be\s+(.+)$/,
    /^(.+?)\s+(?:in|with)\s+((?:(?:light|dark|bright|pale|deep|neon|pastel)\s+)?[a-z-]+)$/,
  ];
  for (let index = 0; index < patterns.length; index++) {
    const match = patterns[index]!.exec(c);
    if (!match) continue;
    let objectText: string;
    let valueText: string;
    if (index === 5 || index === 6) {
      objectText = match[2]!;
      valueText = match[1]!;
    } else if (index === 8) {
      // "make <object> <value>": first the split whose value is a known kind of value (a colour,
      // a size, an action, ...), shortest object first; then any split, longest object first.
      const words = match[1]!.split(' ');
      for (let cut = 1; cut < words.length; cut++) {
        const value = words.slice(cut).join(' ');
        if (!classifyValue(value) && !ACTION_RE.test(value) && !readAction(value)) continue;
        const result = changeIntent(words.slice(0, cut).join(' '), value, amount, true);
        if (result) return result;
      }
      for (let cut = words.length - 1; cut >= 1; cut--) {
        const result = changeIntent(words.slice(0, cut).join(' '), words.slice(cut).join(' '), amount, true);
        if (result) return result;
      }
      continue;
    } else {
      objectText = match[1]!;
      valueText = match[2]!;
    }
    if (index === 4 && /^(?:move|go|add|put|place|shift|drag|bring)\b/.test(objectText)) continue;
    if (index === 11 && !/^(?:color|texture|material)$/.test(valueKind(valueText) ?? '')) continue;
    if (index === 6) valueText = valueText.replace(/^(?:make it|make that|make them|use|put|have|draw|i want|give me)\s+/, '');
    const result = changeIntent(objectText, valueText, amount, index === 3 || index === 4);
    if (result) return result;
  }
  return undefined;
}

/** Builds the change of `objectText` into `valueText`, whatever kind of change that is. */
export function changeIntent(objectText: string, valueText: string, amount: Amount, loose: boolean): Intent[] | undefined {
  const value = valueText.replace(/\s+(?:instead|please|too|now|color|colored|one)$/, '').trim();
  if (!value) return undefined;
  // "red to blue": the object is itself a value.
  const from = classifyValue(objectText);
  if (from && 'attribute' in from && from.attribute !== 'material') {
    const to = classifyValue(value);
    if (to && 'attribute' in to && to.attribute === from.attribute) {
      return [{ kind: 'attribute', attribute: from.attribute, value: to.value, from: from.value }];
    }
  }
  const object = readObject(objectText);
  if (!object) return undefined;
  const kind = classifyValue(value);
  const noun = object.noun;
  if (kind) {
    if ('size' in kind) return [{ kind: 'resize', ...(noun ? { object: noun } : {}), size: kind.size, relative: /er$/.test(value), amount }];
    if ('attribute' in kind) return [{ kind: 'attribute', attribute: kind.attribute, ...(noun ? { object: noun } : {}), value: kind.value }];
    if ('scene' in kind) {
      if (noun && !object.global) {
        // "turn the beach into snow" swaps a thing; "make the street rainy" describes it.
        return /y$/.test(kind.word)
          ? [{ kind: 'attribute', attribute: 'adjective', object: noun, value: kind.word }]
          : [{ kind: 'swap', object: noun, target: kind.word }];
      }
      return [{ kind: 'scene', phrase: kind.scene, word: kind.word }];
    }
    if ('style' in kind) {
      if (noun && !object.global && /^(?:black and white|monochrome|grayscale|sepia)$/.test(kind.style)) {
        return [{ kind: 'attribute', attribute: 'color', object: noun, value: kind.style }];
      }
      return [{ kind: 'style', style: kind.style, amount }];
    }
  }
  // Relative sizes: "bigger", "much smaller", "taller" on an object.
  const sizeWord = value.replace(/^(?:a bit|a lot|much|even|way)\s+/, '');
  if (/^(?:bigger|larger|smaller|tinier|taller|shorter|huger|larger|greater|littler|wider|thinner|fatter)$/.test(sizeWord)) {
    const grow = /^(?:bigger|larger|taller|huger|greater|wider|fatter)$/.test(sizeWord);
    return [{ kind: 'resize', ...(noun ? { object: noun } : {}), size: grow ? 'large' : 'small', relative: true, amount }];
  }
  // Effects: "make the star glow" describes it ("glowing") rather than posing it.
  const effect = /^(glow|shine|sparkle|shimmer|burn|melt|smoke|fade|twinkle|gleam|glitter|rust|freeze)$/.exec(value);
  if (effect && noun) {
    const gerund = `${effect[1]!.replace(/e$/, '')}ing`;
    return [{ kind: 'attribute', attribute: 'adjective', object: noun, value: gerund }];
  }
  // Pose: "make the dog sit", "the dog should be sitting".
  const pose = readAction(value.replace(/^(?:be\s+)?/, ''));
  if (pose && !object.global) return [{ kind: 'pose', ...(noun ? { subject: noun } : {}), action: pose }];
  // A comparative: "make it snowier".
  const comparative = /^[a-z]+er$/.test(value) && !SIZE_COMPARATIVES.has(value) ? comparativeBase(value) : undefined;
  if (comparative && !VAGUE.has(comparative)) return [{ kind: 'reweight', word: comparative, more: true, amount, adjective: true, ...(noun ? { object: noun } : {}) }];
  // A noun target: a swap. "make the cat a tiger", "cat -> tiger".
  const target = readObject(value);
  // A plural ("oranges") is a thing even when its singular can be a colour.
  const plural = /s$/.test(value) && singular(value) !== value;
  if (target?.noun && !target.global && (plural || !looksLikeAdjective(target.noun))) {
    if (!noun) {
      if (/^(?:a|an)\s/.test(value) && isNounLike(target.noun.split(' ').at(-1)!)) return [{ kind: 'swap', object: 'it', target: describeTarget(target) }];
      if (object.global && !loose) return [{ kind: 'swap', object: 'it', target: describeTarget(target) }];
      if (!loose && /^(?:a|an|the)\s/.test(value)) return [{ kind: 'swap', object: 'it', target: describeTarget(target) }];
      if (object.global || loose) return undefined;
    }
    if (!noun || noun === target.noun) {
      if (noun && noun === target.noun && (target.color || target.size || target.texture)) {
        if (target.color) return [{ kind: 'attribute', attribute: 'color', object: noun, value: target.color }];
        if (target.size) return [{ kind: 'resize', object: noun, size: target.size, relative: false, amount }];
        if (target.texture) return [{ kind: 'attribute', attribute: 'texture', object: noun, value: TEXTURES[target.texture] ?? target.texture }];
      }
      return undefined;
    }
    if (loose && !isNounLike(target.noun.split(' ').at(-1)!)) return undefined;
    return [{ kind: 'swap', object: noun, target: describeTarget(target) }];
  }
  // An adjective we don't know: "make the cat happy", "make it cozy".
  const single = value.split(' ');
  const adjectiveTags = single.length <= 2 ? tagWords(`it is ${value}`).at(-1)?.tags : undefined;
  if (VAGUE.has(value)) return undefined;
  const clearlyAdjective = !!adjectiveTags?.has('Adjective') && !adjectiveTags.has('Noun') && single.length === 1;
  if (single.length <= 2 && /^[a-z-]+$/.test(single.at(-1)!) && (!loose || clearlyAdjective)) {
    const tags = adjectiveTags;
    if (tags?.has('Adjective') || /(?:y|ful|ous|ive|ic|al|ish|less|ed|ing)$/.test(value)) {
      if (object.global || !noun) {
        const scene = SCENE_RE.exec(value);
        if (scene) return [{ kind: 'scene', phrase: SCENE_PHRASES[scene[1]!]!, word: scene[1]! }];
        return [{ kind: 'attribute', attribute: 'adjective', value }];
      }
      return [{ kind: 'attribute', attribute: 'adjective', object: noun, value }];
    }
  }
  return undefined;
}
