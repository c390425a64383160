// What kind of value a target word is ("blue", "large", "striped", "night", "watercolor").
import type { Size } from '../lexicon.ts';
import type { Attribute } from '../schema.ts';
import { COMMON_NOUNS, MATERIALS, SIZE_WORDS, STYLES, TEXTURES } from '../lexicon.ts';
import { COLOR_RE, SCENE_PHRASES, SCENE_RE } from './words.ts';

export function styleWord(rawPhrase: string): string | undefined {
  // Frames around the style's name: "it in an anime style", "the style of rembrandt", "give it a
  // cyberpunk look", "pixel-art".
  let phrase = rawPhrase.trim();
  for (let i = 0; i < 4; i++) {
    const next = phrase
      .replace(/^(?:give|apply|add|use|go for|try|do|with)\s+(?:it|this|the (?:image|picture|photo))?\s*/, '')
      .replace(/^(?:it|this|that|the (?:image|picture|photo|scene))\s+(?:in|as|into|like)\s+/, '')
      .replace(/^(?:in|as|into|like)\s+(?=(?:a|an|the)\s)/, '')
      .replace(/^(?:the\s+|a\s+|an\s+)?(?:style|manner|look|aesthetic) of\s+/, '')
      .trim();
    if (next === phrase) break;
    phrase = next;
  }
  if (phrase !== rawPhrase.trim() && !phrase) return undefined;
  if (/-/.test(phrase) && !STYLES.has(phrase.replace(/^(?:a|an|the)\s+/, ''))) {
    const spaced = styleWord(phrase.replace(/-(?:style|styled|esque)$/, '').replace(/-/g, ' '));
    if (spaced) return spaced;
  }
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

export function safeStyle(phrase: string): string | undefined {
  const cleaned = phrase.trim();
  if (!cleaned || cleaned.split(' ').length > 4 || !/^[a-z][a-z' -]*$/.test(cleaned)) return undefined;
  return cleaned;
}
/** The kind of value a target word is, for "make X <value>" / "change X to <value>". */
export function classifyValue(value: string):
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

export function valueKind(value: string): string | undefined {
  const kind = classifyValue(value);
  if (!kind) return undefined;
  return 'attribute' in kind ? kind.attribute : 'size' in kind ? 'size' : 'style' in kind ? 'style' : 'scene';
}
