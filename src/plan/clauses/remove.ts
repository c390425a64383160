// Removals: "remove the square", "get rid of the hat", "clear the bottom right corner".
import type { Intent } from '../intents.ts';
import { PLACE_PHRASE, readRegion } from '../positions.ts';
import { TEXTURES } from '../lexicon.ts';
import { readObject } from './nouns.ts';

export const REMOVE_VERBS =
  /^(?:remove|delete|erase|eliminate|get rid of|take (?:out|away|off)|cut out|cut|clear(?: out| away)?|lose|drop|ditch|wipe(?: out| away)?|rub out|take|scrap|strip(?: out)?|kill|nuke|vanish|make (?:.+?) (?:disappear|vanish|go away)|paint out|paint over|hide)\s+(.+)$/;

export function parseRemove(c: string): Intent[] | undefined {
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
  // "remove the stripes", "remove the pattern": a surface pattern goes back to flat.
  const bare = phrase.replace(/^(?:the|its|all the|all|any)\s+/, '');
  if (TEXTURES[bare] && TEXTURES[bare] !== 'flat' && !/\s/.test(bare)) return [{ kind: 'attribute', attribute: 'texture', value: 'flat' }];
  if (/^(?:pattern|patterns|texture)$/.test(bare)) return [{ kind: 'attribute', attribute: 'texture', value: 'flat' }];
  // "the hat from the woman", "the glasses off his face": the thing removed, not where from.
  const owner = /^(.+?)\s+(?:from|off|on|of|in)\s+(?:the|his|her|its|their|that)\s+[a-z ]+$/.exec(phrase);
  const object = readObject(phrase) ?? (owner ? readObject(owner[1]!) : undefined);
  if (!object) return undefined;
  if (!object.noun) return object.region ? [{ kind: 'remove', region: object.region }] : [{ kind: 'remove' }];
  return [{ kind: 'remove', object: object.noun, ...(object.region ? { region: object.region } : {}) }];
}
