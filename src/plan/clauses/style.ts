// Global styles: "watercolor", "in the style of van gogh", "make it look like an oil painting".
import type { Amount, Intent } from '../intents.ts';
import { safeStyle, styleWord } from './values.ts';
import { STYLE_RE } from './words.ts';

export function parseExplicitStyle(c: string, amount: Amount): Intent[] | undefined {
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
  let style = styleWord(phrase) ?? (explicit ? safeStyle(phrase.replace(/^(?:it|this)\s+(?:in|as)\s+(?:a\s+|an\s+)?|^(?:the\s+)?style of\s+/, '')) : undefined);
  if (!style) return undefined;
  // "an oil painting": the longest style named anywhere in the clause wins over "oil".
  const longest = STYLE_RE.exec(c)?.[1];
  if (longest && longest.length > style.length && longest.includes(style)) style = longest;
  return [{ kind: 'style', style, amount }];
}
