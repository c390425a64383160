// Canvas changes: "make it wider", "16:9", "extend to the left", "panorama".
import type { Amount, Intent } from '../intents.ts';
import type { Direction } from '../schema.ts';

export function parseCanvas(c: string, amount: Amount): Intent[] | undefined {
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
  // "make it square" (no article: "make it a square" is a new shape).
  if (/^(?:make|crop|turn|cut)\s+(?:it|this|the whole thing)\s+(?:to\s+|into\s+)?square$|^square it(?: up)?$/.test(c)) {
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
