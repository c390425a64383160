// The grammar of one clause ("make the cat a tiger", "move it up a bit") → intents. compromise tags
// the words our lexicon doesn't know (is "pounce" a verb? is "ferret" a noun?) and lemmatises them;
// the patterns below give the structure, most specific first.
import type { Amount, Intent } from './intents.ts';
import {
  ACTIONS,
  BACKGROUNDS,
  COLORS,
  COLOR_SHADES,
  COMMON_NOUNS,
  EDIT_VERBS,
  LESS_WORDS,
  MATERIALS,
  MORE_WORDS,
  SHAPES,
  SIZE_WORDS,
  SLIGHT_WORDS,
  STRONG_WORDS,
  STYLES,
  TEXTURES,
  type Size,
} from './lexicon.ts';
import { PLACE_PHRASE, readDirection, readRegion } from './positions.ts';
import type { Attribute, Direction, Region } from './schema.ts';
import { comparativeBase, infinitive, singular, tagWords } from './text.ts';


const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alternation = (words: Iterable<string>) =>
  [...words].sort((a, b) => b.length - a.length).map(escape).join('|');

const DETERMINERS = /^(?:the|a|an|this|that|these|those|my|his|her|its|their|our|your|some|any|all|both|each|every|one|two|three|few|more)\s+/;
const PRONOUNS = new Set([
  'it', 'this', 'that', 'them', 'him', 'her', 'they', 'everything', 'image', 'picture', 'photo', 'pic',
  'the image', 'the picture', 'the photo', 'the pic', 'whole image', 'whole picture', 'whole thing',
  'the whole image', 'the whole picture', 'the whole thing', 'the scene', 'scene', 'this image',
  'this picture', 'this one', 'it all', 'the whole scene', 'all of it', 'things', 'stuff', 'one',
  'canvas', 'the canvas', 'frame', 'the frame', 'the art', 'the drawing', 'the painting', 'the render',
  'the result', 'the output', 'the image overall', 'the shape', 'the object', 'the thing', 'thing',
  'object', 'shape', 'he', 'she', 'its', 'his', 'hers', 'itself',
]);
const GLOBAL_WORDS = new Set([
  'image', 'picture', 'photo', 'pic', 'scene', 'canvas', 'frame', 'everything', 'whole', 'all',
]);
const STRENGTH_RE = new RegExp(
  `\\b(${alternation(SLIGHT_WORDS.filter((w) => w !== 'little' && w !== 'bit'))})\\b|\\b(${alternation(STRONG_WORDS)})\\b`,
  'g',
);
const STYLE_RE = new RegExp(`\\b(${alternation(STYLES)})\\b`);
const COLOR_RE = new RegExp(`^(?:(?:${alternation(COLOR_SHADES)})[\\s-])?(?:${alternation(COLORS)})(?:ish)?$`);
const SCENE_PHRASES: Record<string, string> = {
  night: 'at night', nighttime: 'at night', 'night time': 'at night', day: 'in daylight', daytime: 'in daylight',
  daylight: 'in daylight', sunset: 'at sunset', sunrise: 'at sunrise', dusk: 'at dusk', dawn: 'at dawn',
  evening: 'in the evening', morning: 'in the morning', winter: 'in winter', summer: 'in summer',
  autumn: 'in autumn', fall: 'in autumn', spring: 'in spring', snowy: 'snowy', rainy: 'rainy', foggy: 'foggy',
  misty: 'misty', stormy: 'stormy', sunny: 'sunny', cloudy: 'cloudy', 'golden hour': 'at golden hour',
  christmas: 'at christmas', halloween: 'at halloween', underwater: 'underwater', 'in space': 'in space',
  rain: 'in the rain', snow: 'in the snow', fog: 'in fog', 'raining': 'in the rain', 'snowing': 'in the snow',
};
const SCENE_RE = new RegExp(`^(?:(?:at|in|during)\\s+(?:the\\s+)?)?(${alternation(Object.keys(SCENE_PHRASES))})(?:\\s+(?:time|scene|season))?$`);
const ACTION_RE = new RegExp(`^(${alternation(ACTIONS)})\\b`);
const UNSUPPORTED: Record<string, string> = {
  rotate: 'rotating', flip: 'flipping', crop: 'cropping', upscale: 'upscaling', sharpen: 'sharpening',
  denoise: 'denoising', undo: 'undoing (use the Undo button)', revert: 'undoing (use the Undo button)',
  animate: 'animation', 'mirror it': 'mirroring', 'mirror the image': 'mirroring', 'blur': 'blurring',
  'make it a gif': 'animation', 'make a video': 'video', 'translate': 'translating text', 'write': 'writing text',
  'add text': 'adding text', 'add the text': 'adding text', 'add a caption': 'adding text',
  'resolution': 'changing the resolution', 'compress': 'compressing', 'save': 'saving (use the Save button)',
  'delete this image': 'deleting images', 'brighten': 'brightness adjustment', 'contrast': 'contrast adjustment',
  'saturation': 'saturation adjustment', 'saturate': 'saturation adjustment', 'exposure': 'exposure adjustment',
};
const UNSUPPORTED_RE = new RegExp(`^(?:${alternation(Object.keys(UNSUPPORTED))})\\b`);

const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12,
  couple: 2, 'a couple': 2, 'a couple of': 2, pair: 2, few: 3, 'a few': 3, several: 4, some: 4, bunch: 6,
  'a bunch of': 6, dozen: 12, 'a dozen': 12, handful: 4,
};

// --- one clause ----------------------------------------------------------------------------

const POLITE_PREFIX =
  /^(?:please|pls|kindly|can you|could you|would you|will you|can u|could u|would u|would you mind|i want you to|i'd like you to|i would like you to|i need you to|i'd like to|i would like to|i want to|let's|lets|let us|go ahead and|try to|try and|just|now|ok|okay|hey|hi|hello|so|um|uh|and|then|maybe|perhaps|bot|retouch|yo|actually|oh|also|alright|cool|great|nice|next|first|second|lastly|finally|could we|can we|we should|you should|i'd love it if you|i'd love to|help me|you could|pretty please|oh and|do|also please|hmm|i'd like|i would like|i want you to make)\b[\s,:]*/;
const POLITE_SUFFIX =
  /(?:^|[\s,]+)(?:please|pls|thanks|thank you|for me|now|if possible|if you can|if you could|instead|too|as well|ok|okay|thx|lol|haha|:\)|mate|bro|real quick|quickly|more or less|though|already)$/;

export function stripPolite(clause: string): string {
  let c = clause.trim().replace(/^[,:\s-]+|[,:\s-]+$/g, '');
  for (let i = 0; i < 6; i++) {
    const next = c.replace(POLITE_PREFIX, '').replace(POLITE_SUFFIX, '').trim();
    if (next === c) break;
    c = next;
  }
  return c;
}

function takeAmount(clause: string): { amount: Amount; rest: string } {
  let amount: Amount = 'normal';
  const rest = clause
    .replace(STRENGTH_RE, (_m, slight: string | undefined, strong: string | undefined) => {
      if (slight) amount = 'slight';
      else if (strong && amount !== 'slight') amount = 'strong';
      return ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return { amount, rest };
}

export function parseClause(rawClause: string): Intent[] {
  const clause = stripPolite(rawClause.replace(/\s+/g, ' ').trim());
  if (!clause) return [];
  const { amount, rest } = takeAmount(clause);
  const c = rest;
  const parsers: Array<(c: string, amount: Amount, full: string) => Intent[] | undefined> = [
    parseUnsupported,
    parseVariations,
    parseCanvas,
    parseRemove,
    parseReweight,
    parseMove,
    parseExplicitStyle,
    parseChange,
    parseAdd,
    parsePose,
    parseBare,
  ];
  for (const parser of parsers) {
    const result = parser(c, amount, clause);
    if (result && result.length > 0) return result;
  }
  return [];
}

// --- noun phrases --------------------------------------------------------------------------

interface ObjectPhrase {
  /** The noun, singular ("cat", "teddy bear"); undefined for "it" / "the image". */
  noun?: string;
  global: boolean;
  color?: string;
  size?: Size;
  texture?: string;
  region?: Region;
}

const NOT_IN_NOUN_PHRASE = new Set([
  'it', 'look', 'looks', 'like', 'is', 'be', 'are', 'was', 'to', 'of', 'should', 'would', 'could', 'can',
  'will', 'must', 'me', 'you', 'i', 'we', 'and', 'or', 'not', 'no', 'into', 'than', 'so', 'too', 'very',
  'please', 'if', 'then', 'but', 'with', 'for', 'from', 'by', 'at', 'as', 'more', 'less', 'instead',
  'there', 'his', 'her', 'its', 'their', 'my', 'your', 'our', 'over', 'under', 'onto', 'across', 'through',
  'around', 'behind', 'beside', 'next', 'near', 'above', 'below', 'against', 'toward', 'towards', 'up',
  'down', 'off', 'out', 'about', 'what', 'why', 'how', 'who', 'where', 'when', 'which', 'do', 'does',
  'did', 'am', 'were', 'been', 'being', 'has', 'have', 'had', 'not', "don't", "can't", 'yes', 'them',
  'him', 'they', 'he', 'she', 'this', 'that', 'these', 'those', 'us', 'something', 'anything', 'nothing',
  'everything', 'someone', 'anyone', 'somehow', 'here', 'two', 'three', 'four', 'five', 'another', 'second',
  'duplicate', 'copy', 'clone',
]);

/** Reads "the big red star in the top left" into its parts; undefined if it isn't a noun phrase. */
function readObject(phrase: string): ObjectPhrase | undefined {
  let p = phrase.trim().replace(/^(?:of|for|on|to)\s+/, '');
  if (!p) return undefined;
  let region: Region | undefined;
  const place = /\s+(?:in|at|on|from|near)\s+(?:the\s+)?(.+)$/.exec(p);
  if (place && PLACE_PHRASE.test(`the ${place[1]}`)) {
    region = readRegion(place[1]!);
    p = p.slice(0, place.index);
  } else {
    const trailing = /\s+(?:on the\s+)?(left|right|top|bottom|(?:top|bottom|upper|lower)\s+(?:left|right))(?:\s+one)?$/.exec(p);
    if (trailing && p.split(' ').length > 1) {
      region = readRegion(trailing[1]!);
      p = p.slice(0, trailing.index);
    }
  }
  p = p.replace(/\s+(?:over there|here|there|please|in the image|in the picture|in the photo)$/, '').trim();
  if (PRONOUNS.has(p)) return { global: GLOBAL_WORDS.has(p.split(' ').at(-1) ?? ''), region };
  while (DETERMINERS.test(p)) p = p.replace(DETERMINERS, '');
  if (PRONOUNS.has(p)) return { global: GLOBAL_WORDS.has(p.split(' ').at(-1) ?? ''), region };
  // "the red one", "the small one": which one by how it looks.
  const qualified = /^([a-z]+)\s+(?:one|thing|shape|object)$/.exec(p);
  if (qualified && (COLORS.has(qualified[1]!) || SIZE_WORDS[qualified[1]!] || TEXTURES[qualified[1]!])) {
    return { global: false, noun: `${qualified[1]} one`, region };
  }
  const words = p.split(' ').filter(Boolean);
  if (words.some((w) => NOT_IN_NOUN_PHRASE.has(w))) return undefined;
  if (EDIT_VERBS.has(words[0]!) && !COMMON_NOUNS.has(words[0]!) && !SHAPES.has(words[0]!)) return undefined;
  const result: ObjectPhrase = { global: false, region };
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (next && COLOR_SHADES.has(word) && COLORS.has(next)) {
      result.color = `${word} ${next}`;
      i++;
    } else if (COLORS.has(word) && i < words.length - 1) result.color = word;
    else if (SIZE_WORDS[word] && i < words.length - 1) result.size = SIZE_WORDS[word];
    else if (TEXTURES[word] && i < words.length - 1) result.texture = word;
    else rest.push(word);
  }
  if (rest.length === 1 && (COLORS.has(rest[0]!) || SIZE_WORDS[rest[0]!]) && !/^(?:a|an)\s/.test(phrase.trim())) {
    if (COLORS.has(rest[0]!)) result.color = rest[0]!;
    return result;
  }
  if (rest.length === 0 || rest.length > 4) return undefined;
  if (rest.some((w) => !/^[a-z][a-z'-]*$/.test(w))) return undefined;
  const last = rest.at(-1)!;
  if (EDIT_VERBS.has(last) && !COMMON_NOUNS.has(last)) return undefined;
  if (['the', 'a', 'an', 'to', 'of', 'with', 'and', 'in', 'on', 'is', 'be'].includes(last)) return undefined;
  result.noun = singular(rest.slice(-3).join(' ').replace(/'s\b/g, ''));
  if (PRONOUNS.has(result.noun)) {
    delete result.noun;
    result.global = GLOBAL_WORDS.has(last);
  }
  return result;
}

function isNounLike(word: string): boolean {
  const base = singular(word);
  if (SHAPES.has(base) || COMMON_NOUNS.has(base) || BACKGROUNDS.has(base)) return true;
  const tags = tagWords(`the ${word}`)[1]?.tags;
  return !!tags && tags.has('Noun') && !tags.has('Pronoun');
}

// --- the grammar, most specific first ------------------------------------------------------

function parseUnsupported(c: string): Intent[] | undefined {
  const match = UNSUPPORTED_RE.exec(c);
  if (!match) return undefined;
  return [{ kind: 'unsupported', what: UNSUPPORTED[match[0]] ?? match[0] }];
}

function parseVariations(c: string, amount: Amount): Intent[] | undefined {
  const cue =
    /\b(variations?|variants?|versions?|alternatives?|options|re-?roll|remix|more like (?:this|it|that|these)|similar (?:ones|images|pictures|versions)|something similar|others like (?:this|it)|another (?:one|take|version|go|try|variant|attempt)|other takes?|different takes?|explore|try again|surprise me|more of (?:these|this|them|those)|give it another (?:go|shot|try)|one more time|shuffle|randomi[sz]e|re-?generate|regen|redo it|iterations?|spin-?offs?)\b/;
  if (!cue.test(c)) return undefined;
  // "a blue version", "a watercolor version": the variation word is incidental.
  const remainder = c
    .replace(cue, ' ')
    .replace(/\b(show|give|make|generate|create|produce|render|draw|try|me|us|a|an|some|of|it|this|the|image|picture|one|ones|please|with|few|more|different|couple|several|bunch|\d+|two|three|four|five|six|eight|ten|slight|subtle|small|minor|wild|crazy|bold|big|drastic|radical|random|new|other|quick|similar|like|variation|variations|can|i|see|get|have|want|would|love|need)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (remainder) {
    const inner = parseClause(c.replace(cue, ' ').replace(/\b(?:a|an|some|few|couple of|\d+)\s*$/, '').trim());
    if (inner.length > 0 && inner.every((i) => i.kind !== 'bare_noun' && i.kind !== 'variations')) return inner;
    if (remainder.split(' ').length > 2) return undefined;
  }
  let count = 4;
  const digits = /\b(\d{1,2})\b/.exec(c);
  if (digits) count = Number(digits[1]);
  else {
    for (const [word, n] of Object.entries(NUMBER_WORDS)) {
      if (new RegExp(`\\b${word}\\b`).test(c) && word !== 'one' && word !== 'some') {
        count = n;
        break;
      }
    }
    if (/\b(another|one more|one other)\b/.test(c) && !/\b(variations|versions|options|ones)\b/.test(c)) count = 1;
  }
  count = Math.max(1, Math.min(16, count));
  let variation: Amount = amount;
  if (/\b(slight|subtle|small|minor|close|similar|gentle|light)\b/.test(c)) variation = 'slight';
  if (/\b(wild|crazy|bold|drastic|radical|very different|completely different|big|wilder|different|creative|experimental|random)\b/.test(c) && !/\bslight/.test(c))
    variation = 'strong';
  return [{ kind: 'variations', count, amount: variation }];
}

function parseCanvas(c: string, amount: Amount): Intent[] | undefined {
  const ratio = /\b(\d{1,2}):(\d{1,2})\b/.exec(c);
  if (ratio && /\b(ratio|aspect|format|make it|to|crop|canvas|size|as|in|change|into|extend|expand|widescreen)?\b/.test(c)) {
    const width = Number(ratio[1]);
    const height = Number(ratio[2]);
    if (width >= 1 && height >= 1 && width <= 16 && height <= 16) {
      return [{ kind: 'canvas', ratio: { width, height }, extend: width >= height ? 'horizontal' : 'vertical' }];
    }
  }
  const subject = '(?:it|this|the (?:image|picture|photo|canvas|frame|scene|view|shot|composition)|the whole thing|everything)';
  const directionOf = (text: string): Direction | undefined => {
    const m = /\b(?:to(?:wards?)? the |on the |)(left|right)\b|\b(up|upward|upwards|down|downward|downwards|above|below|top|bottom)\b/.exec(text);
    const word = m?.[1] ?? m?.[2];
    if (!word) return undefined;
    if (word === 'left' || word === 'right') return word;
    return /^(up|upward|upwards|above|top)$/.test(word) ? 'up' : 'down';
  };
  const horizontal = (extend: Direction | undefined): Intent => ({
    kind: 'canvas',
    ratio: amount === 'slight' ? { width: 3, height: 2 } : amount === 'strong' ? { width: 3, height: 1 } : { width: 2, height: 1 },
    extend: extend ?? 'horizontal',
  });
  const vertical = (extend: Direction | undefined): Intent => ({
    kind: 'canvas',
    ratio: amount === 'slight' ? { width: 2, height: 3 } : amount === 'strong' ? { width: 1, height: 3 } : { width: 1, height: 2 },
    extend: extend ?? 'vertical',
  });
  if (new RegExp(`^(?:make |turn )?(?:${subject} )?(?:wider|broader|more wide|widen(?:ed)?|widen ${subject})\\b`).test(c) || /^(?:widen|broaden)\b/.test(c)) {
    const d = directionOf(c);
    return [horizontal(d === 'left' || d === 'right' ? d : undefined)];
  }
  if (new RegExp(`^(?:make |turn )?(?:${subject} )?(?:taller|higher|more tall|longer vertically)\\b`).test(c) && !/\b(man|woman|person|tree|building|tower)\b/.test(c)) {
    const d = directionOf(c);
    return [vertical(d === 'up' || d === 'down' ? d : undefined)];
  }
  if (/\b(panorama|panoramic|widescreen|ultrawide|ultra-wide|cinemascope)\b/.test(c)) {
    return [{ kind: 'canvas', ratio: /widescreen/.test(c) ? { width: 16, height: 9 } : { width: 3, height: 1 }, extend: 'horizontal' }];
  }
  if (/\b(landscape|horizontal) (?:format|orientation|mode|aspect|ratio|layout|crop)\b|^(?:make it |turn it |change it to |switch to )(?:a )?(landscape|horizontal)$/.test(c)) {
    return [{ kind: 'canvas', ratio: { width: 3, height: 2 }, extend: 'horizontal' }];
  }
  if (/\b(portrait|vertical) (?:format|orientation|mode|aspect|ratio|layout|crop)\b|^(?:make it |turn it |change it to |switch to )(?:a )?(portrait|vertical)$|\b(phone wallpaper|vertical)\b/.test(c)) {
    return [{ kind: 'canvas', ratio: { width: 2, height: 3 }, extend: 'vertical' }];
  }
  const extend = /^(?:extend|expand|outpaint|stretch|grow|continue|enlarge|widen)\s+(?:the\s+)?(?:(?:image|picture|canvas|scene|photo|frame|background|view|it|sky|ground)\s+)?(?:(?:out|outward|further|more)\s+)?(?:(?:to|toward|towards|on|at)\s+(?:the\s+)?)?(left|right|up|upward|upwards|down|downward|downwards|top|bottom|sides|horizontally|vertically)?/.exec(c);
  if (extend && (extend[1] || /^(extend|expand|outpaint)\b/.test(c)) && !/\b(cat|dog|star|circle|square|object)\b/.test(c)) {
    const word = extend[1];
    if (!word || word === 'sides' || word === 'horizontally') return [horizontal(undefined)];
    if (word === 'vertically') return [vertical(undefined)];
    const d = directionOf(word);
    if (d === 'left' || d === 'right') return [horizontal(d)];
    if (d) return [vertical(d)];
  }
  if (/^(?:make|turn|crop|change)\s+(?:the\s+)?(?:image|picture|photo|canvas|format|aspect ratio|frame)\s+(?:to\s+|into\s+)?(?:a\s+)?square$|^square (?:format|aspect|crop|ratio)$/.test(c)) {
    return [{ kind: 'canvas', ratio: { width: 1, height: 1 }, extend: 'horizontal' }];
  }
  const doubled = /^(?:double|triple)\s+(?:the\s+)?(width|height)\b/.exec(c);
  if (doubled) {
    const factor = c.startsWith('triple') ? 3 : 2;
    return [{ kind: 'canvas', ratio: doubled[1] === 'width' ? { width: factor, height: 1 } : { width: 1, height: factor }, extend: doubled[1] === 'width' ? 'horizontal' : 'vertical' }];
  }
  if (/^zoom out\b|\b(show more of the (?:scene|surroundings)|more room|more space around)\b/.test(c)) {
    return [horizontal(undefined)];
  }
  return undefined;
}

const REMOVE_VERBS =
  /^(?:remove|delete|erase|eliminate|get rid of|take (?:out|away|off)|cut out|cut|clear(?: out| away)?|lose|drop|ditch|wipe(?: out| away)?|rub out|take|scrap|strip(?: out)?|kill|nuke|vanish|make (?:.+?) (?:disappear|vanish|go away)|paint out|paint over|hide)\s+(.+)$/;

function parseRemove(c: string): Intent[] | undefined {
  let phrase: string | undefined;
  // "take the basket away": a phrasal verb split by its object.
  const separable = /^(?:take|get|clear|wipe|cut|rub|throw)\s+(.+?)\s+(?:away|out|off)$/.exec(c);
  if (separable) phrase = separable[1];
  const disappear = /^(?:make|let|have)\s+(.+?)\s+(?:disappear|vanish|go away|be gone)$/.exec(c);
  if (phrase) {
    // found above
  } else if (disappear) phrase = disappear[1];
  else {
    const verb = REMOVE_VERBS.exec(c);
    if (verb) phrase = verb[1];
    const without = /^(?:(?:make it|the same|same|keep it|show it|i want it|just)\s+)?without\s+(?:any\s+)?(.+)$/.exec(c);
    if (!phrase && without) phrase = without[1];
    const no = /^(?:(?:there should be|i want|let there be|i'd like)\s+)?no(?:\s+more)?\s+(.+?)(?:\s+(?:please|anymore|any more))?$/.exec(c);
    if (!phrase && no) phrase = no[1];
    const gone = /^(.+?)\s+(?:gone|has to go|must go|should go|needs to go|should disappear|must disappear|out|has got to go|away|begone)$/.exec(c);
    if (!phrase && gone && !/^(?:zoom|move|pan)\b/.test(gone[1]!)) phrase = gone[1];
    const dontWant = /^(?:i\s+)?(?:don't|do not|dont)\s+(?:want|need|like)\s+(.+?)(?:\s+(?:there|in it|anymore|in the (?:image|picture)))?$/.exec(c);
    if (!phrase && dontWant) phrase = dontWant[1];
  }
  if (!phrase) return undefined;
  phrase = phrase.replace(/\s+(?:from|in|out of|off)\s+(?:the\s+)?(?:image|picture|photo|scene|it|this)$/, '').trim();
  if (/^(?:the\s+)?background$/.test(phrase)) {
    return [{ kind: 'attribute', attribute: 'background', value: 'plain' }];
  }
  const placeOnly = /^(?:(?:whatever|what|everything|anything|the (?:thing|object|stuff|shape)|all)\s+(?:is\s+|that's\s+|that is\s+)?)?(?:(?:in|at|on|from)\s+)?(?:the\s+)?(.+)$/.exec(phrase);
  if (placeOnly && PLACE_PHRASE.test(`the ${placeOnly[1]}`) && !/\b(?:cat|dog|star|circle|square)\b/.test(phrase)) {
    const region = readRegion(placeOnly[1]!);
    if (region) return [{ kind: 'remove', region }];
  }
  if (/^(?:more|less)\b/.test(phrase)) return undefined;
  const object = readObject(phrase);
  if (!object) return undefined;
  if (!object.noun) return object.region ? [{ kind: 'remove', region: object.region }] : [{ kind: 'remove' }];
  return [{ kind: 'remove', object: object.noun, ...(object.region ? { region: object.region } : {}) }];
}

function parseReweight(c: string, amount: Amount): Intent[] | undefined {
  const more = alternation(MORE_WORDS);
  const less = alternation(LESS_WORDS);
  const lead = new RegExp(
    `^(?:(?:make it|make the (?:image|picture|scene)|add|give it|give me|put|use|i want|with|have|show)\\s+)?(?:(?:the\\s+)?(?:amount of|number of)\\s+)?(?:(${more})|(${less}))\\s+(?:(?:the\\s+)?(?:amount of|number of|of the|of)\\s+)?(?:the\\s+)?(.+)$`,
  );
  let match = lead.exec(c);
  let isMore: boolean | undefined;
  let phrase: string | undefined;
  if (match) {
    isMore = !!match[1];
    phrase = match[3];
  } else {
    // "make the sky more blue", "make it less snowy", "the snow more intense"
    match = new RegExp(`^(?:make\\s+)?(.+?)\\s+(?:(more)|(less))\\s+([a-z-]+)$`).exec(c);
    if (match && match[4] !== 'like' && !/^(?:wider|taller|bigger|smaller)$/.test(match[4]!)) {
      const subject = readObject(match[1]!);
      const quality = match[4]!;
      if (subject) {
        isMore = !!match[2];
        if (['intense', 'visible', 'prominent', 'noticeable', 'pronounced', 'obvious', 'vivid', 'strong', 'dominant'].includes(quality)) {
          phrase = subject.noun ?? quality;
        } else phrase = quality;
      }
    }
  }
  if (phrase === undefined || isMore === undefined) {
    // "snowier", "make it fluffier"
    const comparative = /^(?:make\s+)?(?:(?:it|the (?:image|picture|scene|.+?))\s+)?(?:look\s+)?(?:even\s+)?([a-z]+er)$/.exec(c);
    // "make the snow heavier": more of the snow itself (but a thinner man is a resize).
    const intensity = comparative ? INTENSITY[comparative[1]!] : undefined;
    if (comparative && intensity !== undefined) {
      const subject = readObject(c.replace(/^make\s+/, '').replace(/\s*(?:look\s+)?(?:even\s+)?[a-z]+er$/, ''));
      const noun = subject?.noun;
      if (noun && (MASS_NOUNS.has(noun) || (!COMMON_NOUNS.has(noun) && !SHAPES.has(noun)))) {
        return [{ kind: 'reweight', word: noun, more: intensity, amount }];
      }
    }
    if (comparative && SIZE_COMPARATIVES.has(comparative[1]!)) return undefined;
    const base = comparative ? comparativeBase(comparative[1]!) : undefined;
    if (!comparative || !base || VAGUE.has(base)) return undefined;
    if (['big', 'small', 'large', 'tall', 'wide', 'tiny', 'little', 'short', 'long', 'broad', 'high', 'low', 'huge', 'narrow', 'thin', 'fat'].includes(base)) return undefined;
    const subject = c.replace(/^make\s+/, '').replace(/\s*(?:look\s+)?(?:even\s+)?[a-z]+er$/, '');
    const object = subject ? readObject(subject) : undefined;
    if (object?.noun && !COLORS.has(base)) {
      // "make the sky bluer": a colour comparative on a named object reweights that colour.
    }
    return [{ kind: 'reweight', word: base, more: true, amount, adjective: true, ...(object?.noun ? { object: object.noun } : {}) }];
  }
  phrase = phrase
    .replace(/\s+(?:please|in it|in the (?:image|picture|scene|background|sky)|on (?:it|the ground)|everywhere|overall|there|around)$/, '')
    .trim();
  if (/^(?:like this|of (?:these|this|them))$/.test(phrase)) return undefined;
  if (!phrase || phrase.split(' ').length > 3) return undefined;
  const words = phrase.split(' ');
  // "more to the left" is a move, "less wide" a canvas change; neither is a token.
  if (readDirection(phrase)) return undefined;
  const head = words.at(-1)!;
  if (['it', 'this', 'that', 'them'].includes(head)) return undefined;
  const word = singular(phrase.replace(DETERMINERS, ''));
  if (VAGUE.has(word)) return undefined;
  const single = !word.includes(' ');
  const tags = single ? tagWords(`it looks ${word}`)[2]?.tags : undefined;
  const adjective = !!tags?.has('Adjective') && !COMMON_NOUNS.has(word) && !BACKGROUNDS.has(word);
  return [{ kind: 'reweight', word, more: isMore, amount, ...(adjective ? { adjective } : {}) }];
}

const INTENSITY: Record<string, boolean> = {
  heavier: true, thicker: true, denser: true, stronger: true, bolder: true, deeper: true, louder: true,
  richer: true, fuller: true, lighter: false, thinner: false, weaker: false, fainter: false, sparser: false,
  softer: false, subtler: false,
};

const MASS_NOUNS = new Set([
  'snow', 'rain', 'fog', 'mist', 'smoke', 'fire', 'cloud', 'grass', 'hair', 'fur', 'beard', 'foliage',
  'leaves', 'leaf', 'water', 'wave', 'light', 'shadow', 'color', 'texture', 'stripe', 'dot', 'pattern',
  'crowd', 'forest', 'flower', 'blossom', 'steam', 'dust', 'sand', 'makeup', 'outline', 'line', 'glow',
]);

const SIZE_COMPARATIVES = new Set([
  'bigger', 'larger', 'smaller', 'tinier', 'taller', 'shorter', 'wider', 'narrower', 'longer', 'higher',
  'lower', 'thinner', 'fatter', 'better', 'worse', 'broader', 'greater', 'closer', 'further', 'farther',
  'other', 'over', 'under', 'after', 'never', 'ever', 'either', 'rather', 'together', 'corner', 'center',
  'water', 'paper', 'sweater', 'flower', 'tower', 'poster', 'computer', 'monster', 'finger', 'tiger',
]);

const MOVE_VERBS = 'move|shift|drag|slide|push|nudge|relocate|reposition|bring|put|place|set|position|transfer|scoot|pull|send|carry|float|raise|lower|lift|drop';

function parseMove(c: string, amount: Amount): Intent[] | undefined {
  if (/^(?:center|centre)\s+(.+)$/.test(c)) {
    const object = readObject(c.replace(/^(?:center|centre)\s+/, ''));
    if (object) return [{ kind: 'move', object: object.noun, region: 'center', amount } as Intent];
  }
  let match = new RegExp(`^(${MOVE_VERBS})\\s+(.+)$`).exec(c);
  let verb: string;
  let rest: string;
  if (match) {
    verb = match[1]!;
    rest = match[2]!;
  } else {
    // "the star to the top left", "the star should be in the corner", "star goes left"
    match =
      /^(.+?)\s+(?:should be|must be|needs to be|goes|should go|belongs|to be|has to be|over)\s+(.+)$/.exec(c) ??
      /^(.+?)\s+(to\s+.+)$/.exec(c) ??
      /^(?:i want|i'd like|i would like|have|keep|want)\s+(.+?)\s+((?:on|in|at|to|toward|towards)\s+.+)$/.exec(c);
    if (!match) return undefined;
    verb = 'move';
    rest = `${match[1]} ${match[2]}`;
    const destination = match[2]!;
    if (!PLACE_PHRASE.test(destination.replace(/^to\s+/, 'to ')) && !readDirection(destination)) return undefined;
  }
  // "move the circle next to the star", "put the cat above the dog".
  const relative = /^(.+?)\s+(next to|beside|near|by|close to|alongside|above|over|on top of|below|under|underneath|beneath|to the left of|left of|to the right of|right of)\s+(?:the\s+)?(.+)$/.exec(rest);
  if (relative) {
    const object = readObject(relative[1]!);
    const anchor = readObject(relative[3]!);
    if (object && anchor?.noun) {
      const word = relative[2]!;
      const offset: Direction | undefined = /^(?:above|over|on top of)$/.test(word) ? 'up' : /^(?:below|under|underneath|beneath)$/.test(word) ? 'down' : /left/.test(word) ? 'left' : /right/.test(word) ? 'right' : undefined;
      return [{ kind: 'move', ...(object.noun ? { object: object.noun } : {}), amount, relativeTo: { object: anchor.noun, ...(offset ? { offset } : {}) } }];
    }
  }
  // Split "<object> <destination>": try each cut, the destination being a place or a direction.
  rest = rest.replace(/\b(?:on|onto)\s+the\s+(?:floor|ground)$/, 'to the bottom').replace(/\b(?:in|into|up in)\s+the\s+sky$/, 'to the top');
  const words = rest.split(' ');
  for (let cut = 0; cut < words.length; cut++) {
    const objectPart = words.slice(0, cut).join(' ');
    const destination = words.slice(cut).join(' ');
    const object = objectPart ? readObject(objectPart) : { global: false };
    if (!object) continue;
    if (object.region) continue;
    const direction = readDirection(destination);
    const place =
      !direction && PLACE_PHRASE.test(destination) && /^(?:to|into|in|at|on|onto|toward|towards|over)\b/.test(destination)
        ? readRegion(destination)
        : undefined;
    if (!direction && !place) continue;
    // "put a hat in the top left" adds; "put the star in the top left" moves.
    if (/^(?:put|place|set|drop)$/.test(verb) && /^(?:a|an|some|another)\s/.test(objectPart)) {
      return object.noun ? [{ kind: 'add', object: object.noun, ...(place ? { region: place } : {}) } as Intent] : undefined;
    }
    if (/^(?:raise|lift)$/.test(verb) && !direction && !place) continue;
    const noun = object.noun;
    if (direction) {
      // "to the left" without a side/corner word is a direction; "left side" is a place.
      return [{ kind: 'move', ...(noun ? { object: noun } : {}), direction, amount }];
    }
    return [{ kind: 'move', ...(noun ? { object: noun } : {}), region: place, amount }];
  }
  if (/^(?:raise|lift)$/.test(verb) || (verb === 'lower' && !/\b(?:more|less)\b/.test(rest))) {
    const object = readObject(rest);
    if (object) return [{ kind: 'move', ...(object.noun ? { object: object.noun } : {}), direction: verb === 'lower' ? 'down' : 'up', amount }];
  }
  return undefined;
}

function styleWord(phrase: string): string | undefined {
  const whole = phrase.replace(/^(?:a|an|the|some|kind of|sort of)\s+/, '').trim();
  if (STYLES.has(whole)) return whole;
  const cleaned = phrase
    .replace(/^(?:a|an|the|some|kind of|sort of)\s+/, '')
    .replace(/\s+(?:style|styled|look|aesthetic|vibe|vibes|effect|feel|version|filter|art style|artwork|rendering|render|painting|drawing|illustration|art|image|picture|one|mode|theme|set|figure|figures|world|build|scene|movie|film|game|photo|photograph|shot|poster|cartoon)$/, '')
    .replace(/-(?:style|styled|esque)$/, '')
    .trim();
  if (STYLES.has(cleaned)) return cleaned;
  const byPainter = /^(?:(?:a\s+)?painting by|painted by|the style of|by|like)\s+(.+)$/.exec(cleaned);
  if (byPainter) return styleWord(byPainter[1]!) ?? safeStyle(byPainter[1]!);
  return undefined;
}

function safeStyle(phrase: string): string | undefined {
  const cleaned = phrase.trim();
  if (!cleaned || cleaned.split(' ').length > 4 || !/^[a-z][a-z' -]*$/.test(cleaned)) return undefined;
  return cleaned;
}

function parseExplicitStyle(c: string, amount: Amount): Intent[] | undefined {
  const by = /\b(?:painted|drawn|made|done|illustrated|sketched|rendered|created)\s+by\s+(.+)$/.exec(c);
  if (by) {
    const style = styleWord(by[1]!) ?? safeStyle(by[1]!.replace(/^(?:a|an|the)\s+/, ''));
    if (style) return [{ kind: 'style', style, amount }];
  }
  const inStyle = /\b(?:in|with|using)\s+(?:the\s+|a\s+|an\s+)?(?:style|manner|aesthetic)\s+of\s+(?:a\s+|an\s+)?(.+)$|\b(?:in|as|into)\s+(?:a\s+|an\s+)?(.+?)\s+(?:style|styled|aesthetic|fashion)$|^(?:style|restyle|stylize|render|redo|redraw|draw|paint|see|show|show me|imagine|reimagine|recreate|do|make)(?:\s+(?:it|this|the image|the picture|the photo|me it))?\s+(?:as|in|like)\s+(?:a\s+|an\s+)?(.+)$|\b(?:painted|drawn|made|done|illustrated|sketched|rendered|created)\s+by\s+(.+)$|^(.+?)\s+(?:style|styled|aesthetic|effect|filter|look|vibes?)$|^(?:style|filter|look)\s*:?\s*(.+)$|^(?:make|turn)\s+(?:it|this|the (?:image|picture|photo|scene))\s+(?:look\s+)?(?:like\s+)?(?:a\s+|an\s+)?(.+?)(?:\s+(?:painting|drawing|illustration|render|artwork|piece|style))?$|^(?:make|turn|convert|transform|change)\s+(?:it|this|the (?:image|picture|photo|scene))\s+(?:into|to)\s+(?:a\s+|an\s+)?(.+)$|^(?:like|as)\s+(?:a\s+|an\s+)?(.+)$|^(?:make it\s+)?look\s+(?:like\s+)?(?:a\s+|an\s+)?(.+)$|^(?:a\s+|an\s+)?(.+?)\s+(?:version|painting|drawing|rendition|render)(?:\s+of (?:it|this))?$/.exec(c);
  if (!inStyle) {
    const bare = STYLE_RE.exec(c);
    if (bare && bare[0] === c.replace(/^(?:a|an)\s+/, '')) return [{ kind: 'style', style: bare[1]!, amount }];
    return undefined;
  }
  const phrase = inStyle.slice(1).find((g) => g !== undefined)!;
  const explicit = /\bstyle\b|\bin the manner\b|\baesthetic\b/.test(c);
  let style = styleWord(phrase) ?? (explicit ? safeStyle(phrase) : undefined);
  if (!style) return undefined;
  // "an oil painting": the longest style named anywhere in the clause wins over "oil".
  const longest = STYLE_RE.exec(c)?.[1];
  if (longest && longest.length > style.length && longest.includes(style)) style = longest;
  return [{ kind: 'style', style, amount }];
}

/** The kind of value a target word is, for "make X <value>" / "change X to <value>". */
function classifyValue(value: string):
  | { attribute: Attribute; value: string }
  | { size: Size }
  | { style: string }
  | { scene: string; word: string }
  | undefined {
  const v = value.replace(/^(?:looks? like|look|like|appear|seem)\s+/, '').replace(/^(?:a|an|the|more|kind of|sort of)\s+/, '').replace(/[\s-]+(?:sized?)$/, '').replace(/\s+(?:color|colored|coloured|one|colour|tone|hue|shade)$/, '').trim();
  if (COLOR_RE.test(v)) return { attribute: 'color', value: v.replace(/ish$/, '') };
  if (/^(?:in|with)\s+/.test(v) && COLOR_RE.test(v.replace(/^(?:in|with)\s+/, ''))) return { attribute: 'color', value: v.replace(/^(?:in|with)\s+/, '') };
  const size = SIZE_WORDS[v];
  if (size) return { size };
  const shaped = /^([a-z]+)[\s-]shaped$|^shaped like (?:a |an )?([a-z]+)$/.exec(v);
  if (shaped) return { attribute: 'adjective', value: `${shaped[1] ?? shaped[2]}-shaped` };
  const texture = TEXTURES[v.replace(/^(?:with\s+)?/, '')];
  if (texture) return { attribute: 'texture', value: texture };
  const material = MATERIALS[v.replace(/^(?:made (?:of|out of)|out of|of)\s+/, '')];
  if (material) return { attribute: 'material', value: material };
  const scene = SCENE_RE.exec(v);
  if (scene) return { scene: SCENE_PHRASES[scene[1]!]!, word: scene[1]! };
  const style = styleWord(v);
  if (style && !COMMON_NOUNS.has(v)) return { style };
  return undefined;
}

function valueKind(value: string): string | undefined {
  const kind = classifyValue(value);
  if (!kind) return undefined;
  return 'attribute' in kind ? kind.attribute : 'size' in kind ? 'size' : 'style' in kind ? 'style' : 'scene';
}

function parseChange(c: string, amount: Amount): Intent[] | undefined {
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
function changeIntent(objectText: string, valueText: string, amount: Amount, loose: boolean): Intent[] | undefined {
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
  if (target?.noun && !target.global && !looksLikeAdjective(target.noun)) {
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

/** Judgements, not descriptions: "make it better" says nothing about what to change. */
const VAGUE = new Set([
  'better', 'worse', 'good', 'bad', 'nicer', 'nice', 'prettier', 'pretty', 'cooler', 'cool', 'great',
  'awesome', 'perfect', 'fine', 'different', 'best', 'amazing', 'interesting', 'more interesting', 'right',
  'wrong', 'okay', 'ok', 'fixed', 'correct', 'same', 'normal', 'real', 'good again',
]);

/** "reimagined", "cozy": a lone word compromise reads as a description rather than a thing. */
function looksLikeAdjective(noun: string): boolean {
  if (noun.includes(' ') || COMMON_NOUNS.has(noun) || SHAPES.has(noun) || BACKGROUNDS.has(noun)) return false;
  const tags = tagWords(`it looks ${noun}`)[2]?.tags;
  return !!tags && (tags.has('Adjective') || tags.has('PastTense') || tags.has('Participle') || tags.has('Gerund'));
}

/** The noun phrase a swap should write into the prompt: "tiger", "red fox", "large dog". */
function describeTarget(target: ObjectPhrase): string {
  return [target.size, target.color, target.texture ? TEXTURES[target.texture] : undefined, target.noun].filter(Boolean).join(' ');
}

const NOT_ACTIONS = new Set([
  'above', 'below', 'under', 'over', 'beneath', 'behind', 'beside', 'near', 'instead', 'too', 'again',
  'more', 'less', 'bigger', 'smaller', 'wider', 'taller', 'better', 'worse', 'different', 'like', 'look',
  'appear', 'seem', 'become', 'have', 'has', 'go', 'went', 'stay', 'remain', 'keep', 'exist', 'disappear',
  'vanish', 'gone', 'away', 'there', 'here', 'now', 'then', 'please', 'thanks',
]);

/** An action phrase: "sit", "sitting down", "jump over the fence", "raise its paw". */
function readAction(phrase: string): string | undefined {
  const p = phrase.replace(/^(?:be\s+|start\s+|begin\s+|go\s+)/, '').trim();
  if (!p) return undefined;
  const known = ACTION_RE.exec(p);
  if (known) {
    const tail = p.slice(known[0].length).trim();
    return normalizeAction(`${known[1]}${tail && tail.split(' ').length <= 4 && /^[a-z' ]+$/.test(tail) ? ` ${tail}` : ''}`);
  }
  const words = p.split(' ');
  const head = words[0]!;
  if (words.length > 5 || EDIT_VERBS.has(head) || COLORS.has(head) || SIZE_WORDS[head]) return undefined;
  if (COMMON_NOUNS.has(singular(head)) || SHAPES.has(singular(head))) return undefined;
  if (words.length === 1 && tagWords(`the ${head}`)[1]?.tags.has('Noun')) return undefined;
  if (readRegion(head) || readDirection(head) || NOT_ACTIONS.has(head) || VAGUE.has(head)) return undefined;
  if (words.length === 1 && /er$/.test(head) && comparativeBase(head)) return undefined;
  const tags = tagWords(`the dog will ${p}`)[3]?.tags;
  const gerundTags = tagWords(`the dog is ${p}`)[3]?.tags;
  if (tags?.has('Verb') && !tags.has('Noun') && !tags.has('Adjective') && !tags.has('PastTense') && !tags.has('Participle')) return normalizeAction(p);
  if (/ing$/.test(head) && gerundTags?.has('Gerund')) return normalizeAction(p);
  return undefined;
}

function normalizeAction(action: string): string {
  const words = action.split(' ');
  const [first, ...rest] = words;
  return [infinitive(first!), ...rest].join(' ').replace(/^lay\b/, 'lie');
}

function parseAdd(c: string): Intent[] | undefined {
  const match =
    /^(?:add|insert|include|draw|stick|throw in|put in|put|place|drop|paint|sketch|spawn|introduce|create|generate)\s+(?:in\s+)?(.+)$/.exec(c) ??
    /^(?:there should be|let there be|there needs to be|i want|i'd like|i would like|can we have|can i have|can i get|have|with|also|need|it needs|it should have|needs)\s+(.+)$/.exec(c) ??
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
  const place = /\s+(?:in|at|on|to|into|onto|near|toward|towards)\s+(?:the\s+)?(.+)$/.exec(phrase);
  const skyOrGround = /\s+(?:in|on|into|onto)\s+(?:the\s+)?(sky|ground|floor)$/.exec(phrase);
  if (place && PLACE_PHRASE.test(`the ${place[1]}`)) {
    region = readRegion(place[1]!);
    phrase = phrase.slice(0, place.index);
  } else if (skyOrGround) {
    region = skyOrGround[1] === 'sky' ? 'top' : 'bottom';
    phrase = phrase.slice(0, skyOrGround.index);
  } else {
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
  const intent: Intent = { kind: 'add', object: describeTarget(object), ...(region ? { region } : {}), ...(anchor ? { anchor } : {}) };
  return [intent];
}

function parsePose(c: string): Intent[] | undefined {
  const lead = /^(?:make|have|let|get|can|could|want|i want)\s+(.+)$/.exec(c);
  const body = lead ? lead[1]! : c;
  const words = body.split(' ');
  for (let cut = 0; cut < words.length; cut++) {
    const subjectText = words.slice(0, cut).join(' ');
    const actionText = words
      .slice(cut)
      .join(' ')
      .replace(/^(?:to\s+|should\s+|must\s+|will\s+|is\s+|be\s+|are\s+|now\s+|start\s+|should be\s+|to be\s+)+/, '');
    const subject = subjectText ? readObject(subjectText) : { global: false };
    if (!subject) continue;
    const action = readAction(actionText);
    if (!action) continue;
    if (!lead && !ACTION_RE.test(actionText)) continue;
    return [{ kind: 'pose', ...(subject.noun ? { subject: subject.noun } : {}), action }];
  }
  return undefined;
}

function parseBare(c: string, amount: Amount): Intent[] | undefined {
  const value = c.replace(/^(?:make it|more|it|just|go)\s+/, '').replace(/\s+(?:instead|please|version|one)$/, '').trim();
  const kind = classifyValue(value);
  if (kind) {
    if ('size' in kind) return [{ kind: 'resize', size: kind.size, relative: /er$/.test(value), amount }];
    if ('attribute' in kind) return [{ kind: 'attribute', attribute: kind.attribute, value: kind.value }];
    if ('scene' in kind) return [{ kind: 'scene', phrase: kind.scene, word: kind.word }];
    return [{ kind: 'style', style: kind.style, amount }];
  }
  if (/^(?:bigger|larger|smaller|tinier)$/.test(value)) {
    return [{ kind: 'resize', size: /^(?:bigger|larger)$/.test(value) ? 'large' : 'small', relative: true, amount }];
  }
  // "… and in the center": a place alone moves the thing just mentioned.
  if (/^(?:to|into|in|at|on|toward|towards)\s/.test(c) && PLACE_PHRASE.test(c)) {
    const region = readRegion(c);
    if (region) return [{ kind: 'move', region, amount }];
  }
  const direction = readDirection(c.replace(/^(?:move|go|more)\s+/, ''));
  if (direction && /^(?:move|go|more|to the|a bit|left|right|up|down)/.test(c)) return [{ kind: 'move', direction, amount }];
  // "a red circle on the left", "sky on top": one piece of a region prompt.
  const piece = /^(.+?)\s+(?:(?:in|at|on|to|along|across)\s+)?(?:the\s+)?((?:very\s+)?(?:top|upper|bottom|lower|left|right|center|middle|above|below|underneath|beneath|up top|down below)(?:\s+(?:left|right|half|side|corner|part|third|edge|area|of the image|of the picture))*)$/.exec(c);
  if (piece) {
    const region = readRegion(piece[2]!.replace(/^up top$/, 'top').replace(/^down below$/, 'bottom'));
    const object = readObject(piece[1]!);
    if (region && object?.noun) {
      const prompt = describeTarget(object);
      return [{ kind: 'region_piece', prompt, region }];
    }
  }
  const action = ACTION_RE.exec(c);
  if (action && action[0] === c) return [{ kind: 'pose', action: normalizeAction(c) }];
  const comparative = /^[a-z]+er$/.test(value) && !SIZE_COMPARATIVES.has(value) ? comparativeBase(value) : undefined;
  if (comparative && !VAGUE.has(comparative)) {
    return [{ kind: 'reweight', word: comparative, more: true, amount }];
  }
  const noun = readObject(c);
  const hasVerb = tagWords(`the ${c}`).slice(1).some((t) => t.tags.has('Verb') && !COMMON_NOUNS.has(t.word));
  if (noun?.noun && !hasVerb && c.split(' ').length <= 4 && isNounLike(noun.noun.split(' ').at(-1)!)) {
    return [{ kind: 'bare_noun', noun: describeTarget(noun) }];
  }
  return undefined;
}
