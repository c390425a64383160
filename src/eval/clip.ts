// The image–text model's evaluation: on held-out scenes, does the true caption score above the same
// caption with one attribute word changed (a colour, shape, size, style, place or background)?
// That is what guidance, rewards and metrics built on it need; retrieval among the scenes' own
// captions is reported beside it.
import { cosine, type ClipScorer } from '../models/clip/index.ts';
import { BACKGROUNDS, COLOURS, POSITIONS, SHAPES, SIZES, STYLES, renderScene } from '../world/index.ts';
import { createRandom } from '../support/random.ts';
import { evaluationScenes } from './t2i.ts';

export const CLIP_EVAL_SEED = 9_300_000;

export const CHANGED_WORDS = {
  colour: COLOURS,
  shape: SHAPES,
  size: SIZES,
  style: STYLES.filter((s) => s !== 'flat'),
  place: POSITIONS,
  background: BACKGROUNDS,
} as const;
export type ChangedWord = keyof typeof CHANGED_WORDS;

/** The caption with its first word of `kind` replaced by another of that kind (undefined: none there). */
export function changeWord(caption: string, kind: ChangedWord, pick: (count: number) => number): string | undefined {
  const words = [...CHANGED_WORDS[kind]].sort((a, b) => b.length - a.length);
  const match = new RegExp(`\\b(${words.join('|')})\\b`).exec(caption);
  if (!match) return undefined;
  const others = CHANGED_WORDS[kind].filter((w) => w !== match[1]);
  return caption.slice(0, match.index) + others[pick(others.length)] + caption.slice(match.index + match[1]!.length);
}

export interface ClipEvalResult {
  scenes: number;
  /** Per kind: the share of cases where the true caption scored above the changed one, and how many cases. */
  oneWordChanged: Record<ChangedWord, { accuracy: number; cases: number }>;
  /** Image → caption top-1 among the evaluated scenes' captions. */
  retrieval: number;
  secondsPerImage: number;
}

export async function evaluateClip(scorer: ClipScorer, options: { n: number; objects?: 1 | 2; onImage?: (done: number, total: number) => void }): Promise<ClipEvalResult> {
  const scenes = evaluationScenes(options.n, options.objects ?? 1, CLIP_EVAL_SEED);
  const random = createRandom(CLIP_EVAL_SEED);
  const pick = (count: number) => Math.floor(random.next() * count);
  const rendered = scenes.map((scene) => renderScene(scene));
  const captions = rendered.map((r) => r.caption);
  const started = performance.now();
  const tally = Object.fromEntries(Object.keys(CHANGED_WORDS).map((k) => [k, { right: 0, cases: 0 }])) as Record<ChangedWord, { right: number; cases: number }>;
  const captionEmbeddings = await scorer.embedTexts(captions);
  let retrieved = 0;
  for (const [i, image] of rendered.entries()) {
    const [embedding] = await scorer.embedImages([{ data: image.rgb, width: image.width, height: image.height, channels: 3 }]);
    const truth = cosine(embedding!, captionEmbeddings[i]!);
    const changed = (Object.keys(CHANGED_WORDS) as ChangedWord[]).map((kind) => [kind, changeWord(image.caption, kind, pick)] as const).filter(([, c]) => c !== undefined);
    const changedEmbeddings = await scorer.embedTexts(changed.map(([, c]) => c as string));
    for (const [j, [kind]] of changed.entries()) {
      tally[kind].cases++;
      if (truth > cosine(embedding!, changedEmbeddings[j]!)) tally[kind].right++;
    }
    const scores = captionEmbeddings.map((text) => cosine(embedding!, text));
    if (captions[scores.indexOf(Math.max(...scores))] === image.caption) retrieved++;
    options.onImage?.(i + 1, rendered.length);
  }
  const oneWordChanged = Object.fromEntries(
    Object.entries(tally).map(([k, t]) => [k, { accuracy: t.cases ? t.right / t.cases : 0, cases: t.cases }]),
  ) as ClipEvalResult['oneWordChanged'];
  return { scenes: rendered.length, oneWordChanged, retrieval: retrieved / rendered.length, secondsPerImage: (performance.now() - started) / 1000 / rendered.length };
}
