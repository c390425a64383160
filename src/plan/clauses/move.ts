// Moves: "move the star to the top left", "shift it up a bit", "move the circle next to the star".
import type { Amount, Intent } from '../intents.ts';
import { PLACE_PHRASE, readDirection, readRegion, RELATION_WORDS, relationOffset } from '../positions.ts';
import { describeTarget, readObject } from './nouns.ts';

export const MOVE_VERBS = 'move|shift|drag|slide|push|nudge|relocate|reposition|bring|put|place|set|position|transfer|scoot|pull|send|carry|float|raise|lower|lift|drop';

/** "to the corner", "into a corner": a corner, but not which. */
const ANY_CORNER = /^(?:to|into|in|at|toward|towards|over to)\s+(?:the|a|one of the|any|some)\s+(?:corner|corners)(?:\s+of the (?:image|picture|canvas|frame|photo|scene))?$/;

export function parseMove(c: string, amount: Amount): Intent[] | undefined {
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
    // "I want a ring in the top left (too)": a new one, not the ring moved there.
    if (/^(?:a|an|another|some|one more)\s/.test(match[1]!)) return undefined;
    verb = 'move';
    rest = `${match[1]} ${match[2]}`;
    const destination = match[2]!;
    if (!PLACE_PHRASE.test(destination.replace(/^to\s+/, 'to ')) && !readDirection(destination)) return undefined;
  }
  // "move the circle next to the star", "put the cat above the dog".
  const relative = new RegExp(`^(.+?)\\s+(${RELATION_WORDS})\\s+(?:the\\s+)?(.+)$`).exec(rest);
  if (relative) {
    const object = readObject(relative[1]!);
    const anchor = readObject(relative[3]!);
    if (object && anchor?.noun) {
      const offset = relationOffset(relative[2]!);
      const relativeTo = { object: anchor.noun, ...(offset ? { offset } : {}) };
      // "put a circle next to the star" adds one; "put the circle next to the star" moves it.
      if (/^(?:put|place|set|drop)$/.test(verb) && /^(?:a|an|some|another)\s/.test(relative[1]!) && object.noun) return [{ kind: 'add', object: describeTarget(object), relativeTo }];
      return [{ kind: 'move', ...(object.noun ? { object: object.noun } : {}), amount, relativeTo }];
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
    const adding = /^(?:put|place|set|drop)$/.test(verb) && /^(?:a|an|some|another)\s/.test(objectPart);
    if (ANY_CORNER.test(destination) && !adding) {
      return [{ kind: 'move', ...(object.noun ? { object: object.noun } : {}), corner: true, amount }];
    }
    const direction = readDirection(destination);
    const place =
      !direction && PLACE_PHRASE.test(destination) && /^(?:to|into|in|at|on|onto|toward|towards|over)\b/.test(destination)
        ? readRegion(destination)
        : undefined;
    if (!direction && !place) continue;
    // "put a hat in the top left" adds; "put the star in the top left" moves.
    if (adding) {
      return object.noun ? [{ kind: 'add', object: describeTarget(object), ...(place ? { region: place } : {}) } as Intent] : undefined;
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
