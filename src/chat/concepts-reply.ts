// What /concepts says about its 'train' jobs — a dictionary build, a word's heat map on a picture —
// while they run and once done (also used when the result is delivered after a restart); and how a
// site is named.
import type { SiteKey } from '../models/sae/dictionary.ts';
import type { ConceptBuildPayload, ConceptHeatmapPayload, HeatmapResult, TrainResult } from '../studio/handlers.ts';
import { escapeMarkdown } from './markdown.ts';
import type { Reply } from './messages.ts';

export function buildHeading({ model, prompts, steps }: Pick<ConceptBuildPayload, 'model' | 'prompts' | 'steps'>): string {
  return `Building the concept dictionary of \`${model ?? 'the default model'}\`: ${prompts} pictures of ${steps} steps, then a sparse autoencoder per UNet site and the words of its features. If a worker stops, the build goes on where it stopped.`;
}

export function buildText(heading: string, result: Extract<TrainResult, { kind: 'dictionary' }>): string {
  return [
    heading,
    '',
    `- stored: ${result.sites} sites, ${result.features} features, **${result.labelled} with words**`,
    ...(result.readBack ? [] : ["- no words: this model's pictures can't be read back, so its features have only intensities and top images"]),
    `- took ${minutes(result.seconds)}`,
    '',
    'Search it with `/concepts <word>`; `/concepts` shows it site by site.',
  ].join('\n');
}

const FEATURES_NAMED = 6;

export function heatmapHeading({ model, word }: Pick<ConceptHeatmapPayload, 'model' | 'word'>): string {
  return `Where the features of \`${model ?? 'the default model'}\` with “${escapeMarkdown(word)}” fire on this picture:`;
}

/** The heat map's reply: the picture with the heat over it, and which features at which site, under which prompt. */
export function heatmapReply(heading: string, result: HeatmapResult): Reply {
  const owner = result.dictionary.scope === 'model' ? 'the shared dictionary' : result.dictionary.scope === 'user' ? 'your dictionary' : "your workspace's dictionary";
  const named = result.features.slice(0, FEATURES_NAMED).map((f) => `${f.feature} (${f.words.slice(0, 3).map((w) => escapeMarkdown(w.word)).join(', ')})`);
  const more = result.features.length - named.length;
  const features = `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  return {
    text: [
      heading,
      '',
      `- ${result.features.length === 1 ? 'feature' : `${result.features.length} features`} ${features} of ${owner}, at ${siteText(result.site)}`,
      `- the picture noised to that point of the schedule, one UNet pass under ${result.caption ? `its prompt “${escapeMarkdown(result.caption)}”` : 'the empty prompt'}; red is where they fire most (cell ${result.peak.x}, ${result.peak.y} of ${result.cells.width}×${result.cells.height})`,
      ...result.notes.map((n) => `- ${escapeMarkdown(n)}`),
    ].join('\n'),
    images: [{ imageId: result.imageId, alt: `where “${result.word}” fires`, label: `“${result.word}”` }],
    browse: true,
  };
}

/** `mid_block.attentions.0` at t=0.5, conditional branch. */
export function siteText(site: SiteKey): string {
  const when = site.time === 1 ? 't=1 (first step)' : site.time === 0 ? 't=0 (last step)' : `t=${site.time}`;
  return `\`${site.block}\` at ${when}, ${site.branch === 'cond' ? 'conditional' : 'unconditional'} branch`;
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}
