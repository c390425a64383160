// What a prompt asks to be drawn, as sae.compose segments it: each object and the background, with
// the words its concept vector is made of and the colour a layout paints it in. A prompt of the
// shipped model's world is read by the world's caption grammar, whose words are the ones the
// dictionary's labels carry (shape, colour, pattern; the background's name); any other prompt is
// split at its last " on " (what follows is the background) and at " and " / "," (an object each).
import { BACKGROUNDS, backgroundBaseColour, COLOUR_RGB, readPrompt, type Background } from '../reading/index.ts';

export type Rgb = readonly [number, number, number];

export interface PromptEntity {
  /** How it is shown: "red star", "background (grass)". */
  name: string;
  words: string[];
  background: boolean;
  /** Its colour in a layout picture. */
  rgb: Rgb;
}

const BACKGROUND_RGB: Rgb = [128, 128, 128];
/** For objects whose prompt names no colour, or one another entity already has. */
const PALETTE: readonly Rgb[] = [[230, 25, 75], [60, 180, 75], [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240], [240, 50, 230], [210, 245, 60], [255, 225, 25], [0, 128, 128]];
const FILLER = new Set(['a', 'an', 'the', 'of', 'with', 'in', 'at', 'and', 'some', 'its', 'their', 'his', 'her']);

/** The prompt's objects, then its background (always last, named or not). */
export function promptEntities(prompt: string): PromptEntity[] {
  const scene = readPrompt(prompt);
  const entities: Omit<PromptEntity, 'rgb'>[] = [];
  const named: (Rgb | undefined)[] = [];
  if (scene) {
    for (const o of scene.objects) {
      const words = [o.shape, ...(o.colour ? [o.colour] : []), ...(o.style && o.style !== 'flat' ? [o.style] : [])];
      entities.push({ name: [o.style && o.style !== 'flat' ? o.style : '', o.colour ?? '', o.shape].filter(Boolean).join(' '), words, background: false });
      named.push(o.colour ? COLOUR_RGB[o.colour] : undefined);
    }
    // A background left open is any of the world's: their mean vector.
    entities.push({ name: `background (${scene.background ?? 'any'})`, words: scene.background ? [scene.background] : [...BACKGROUNDS], background: true });
    named.push(scene.background ? backgroundRgb(scene.background) : BACKGROUND_RGB);
  } else {
    const text = prompt.toLowerCase().replace(/[^a-z0-9 ,]+/g, ' ');
    const split = text.lastIndexOf(' on ');
    const phrases = (split >= 0 ? text.slice(0, split) : text).split(/,| and /);
    for (const phrase of phrases) {
      const words = phrase.split(/\s+/).filter((w) => w && !FILLER.has(w));
      if (words.length === 0) continue;
      entities.push({ name: words.join(' '), words, background: false });
      named.push(undefined);
    }
    const ground = split >= 0 ? text.slice(split + 4).split(/\s+/).filter((w) => w && !FILLER.has(w)) : [];
    entities.push({ name: ground.length ? `background (${ground.join(' ')})` : 'background', words: ground.length ? ground : ['background'], background: true });
    named.push(BACKGROUND_RGB);
  }
  const used = new Set<string>();
  let next = 0;
  return entities.map((entity, i) => {
    let rgb = named[i];
    while ((!rgb || used.has(rgb.join())) && next < PALETTE.length) rgb = PALETTE[next++] as Rgb;
    rgb ??= PALETTE[i % PALETTE.length] as Rgb;
    used.add(rgb.join());
    return { ...entity, rgb };
  });
}

/** A background's colour half-way down (its gradient's middle). */
function backgroundRgb(background: Background): Rgb {
  const [r, g, b] = backgroundBaseColour(background, 0.5);
  return [Math.round(r), Math.round(g), Math.round(b)];
}
