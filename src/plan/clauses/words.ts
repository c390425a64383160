// Shared word patterns of the clause grammar: determiners, pronouns, strength, colour, scene and action patterns, and the word sets several edit types consult.
import { ACTIONS, COLORS, COLOR_SHADES, SLIGHT_WORDS, STRONG_WORDS, STYLES } from '../lexicon.ts';

export const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const alternation = (words: Iterable<string>) =>
  [...words].sort((a, b) => b.length - a.length).map(escape).join('|');

export const DETERMINERS = /^(?:the|a|an|this|that|these|those|my|his|her|its|their|our|your|some|any|all|both|each|every|one|two|three|few|more)\s+/;
export const PRONOUNS = new Set([
  'it', 'this', 'that', 'them', 'him', 'her', 'they', 'everything', 'image', 'picture', 'photo', 'pic',
  'the image', 'the picture', 'the photo', 'the pic', 'whole image', 'whole picture', 'whole thing',
  'the whole image', 'the whole picture', 'the whole thing', 'the scene', 'scene', 'this image',
  'this picture', 'this one', 'it all', 'the whole scene', 'all of it', 'things', 'stuff', 'one',
  'canvas', 'the canvas', 'frame', 'the frame', 'the art', 'the drawing', 'the painting', 'the render',
  'the result', 'the output', 'the image overall', 'the shape', 'the object', 'the thing', 'thing',
  'object', 'shape', 'he', 'she', 'its', 'his', 'hers', 'itself',
]);
export const GLOBAL_WORDS = new Set([
  'image', 'picture', 'photo', 'pic', 'scene', 'canvas', 'frame', 'everything', 'whole', 'all',
]);
export const STRENGTH_RE = new RegExp(
  `\\b(${alternation(SLIGHT_WORDS.filter((w) => w !== 'little' && w !== 'bit'))})\\b|\\b(${alternation(STRONG_WORDS)})\\b`,
  'g',
);
export const STYLE_RE = new RegExp(`\\b(${alternation(STYLES)})\\b`);
export const COLOR_RE = new RegExp(`^(?:(?:${alternation([...COLOR_SHADES, ...COLORS])})[\\s-])?(?:${alternation(COLORS)})(?:ish)?$`);
export const SCENE_PHRASES: Record<string, string> = {
  night: 'at night', nighttime: 'at night', 'night time': 'at night', day: 'in daylight', daytime: 'in daylight',
  daylight: 'in daylight', sunset: 'at sunset', sunrise: 'at sunrise', dusk: 'at dusk', dawn: 'at dawn',
  evening: 'in the evening', morning: 'in the morning', winter: 'in winter', summer: 'in summer',
  autumn: 'in autumn', fall: 'in autumn', spring: 'in spring', snowy: 'snowy', rainy: 'rainy', foggy: 'foggy',
  misty: 'misty', stormy: 'stormy', sunny: 'sunny', cloudy: 'cloudy', 'golden hour': 'at golden hour',
  christmas: 'at christmas', halloween: 'at halloween', underwater: 'underwater', 'in space': 'in space',
  rain: 'in the rain', snow: 'in the snow', fog: 'in fog', 'raining': 'in the rain', 'snowing': 'in the snow',
};
export const SCENE_RE = new RegExp(`^(?:(?:at|in|during)\\s+(?:the\\s+)?)?(${alternation(Object.keys(SCENE_PHRASES))})(?:\\s+(?:time|scene|season))?$`);
export const ACTION_RE = new RegExp(`^(${alternation(ACTIONS)})\\b`);
export const SIZE_COMPARATIVES = new Set([
  'bigger', 'larger', 'smaller', 'tinier', 'taller', 'shorter', 'wider', 'narrower', 'longer', 'higher',
  'lower', 'thinner', 'fatter', 'better', 'worse', 'broader', 'greater', 'closer', 'further', 'farther',
  'other', 'over', 'under', 'after', 'never', 'ever', 'either', 'rather', 'together', 'corner', 'center',
  'water', 'paper', 'sweater', 'flower', 'tower', 'poster', 'computer', 'monster', 'finger', 'tiger',
]);
/** Judgements, not descriptions: "make it better" says nothing about what to change. */
export const VAGUE = new Set([
  'better', 'worse', 'good', 'bad', 'nicer', 'nice', 'prettier', 'pretty', 'cooler', 'cool', 'great',
  'awesome', 'perfect', 'fine', 'different', 'best', 'amazing', 'interesting', 'more interesting', 'right',
  'wrong', 'okay', 'ok', 'fixed', 'correct', 'same', 'normal', 'real', 'good again',
]);
