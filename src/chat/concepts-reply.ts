// What /concepts says about a dictionary build: the heading while the 'train' job runs, and what was
// stored once done (also used when the result is delivered after a restart); and how a site is named.
import type { SiteKey } from '../models/sae/dictionary.ts';
import type { TrainPayload, TrainResult } from '../studio/handlers.ts';

export function buildHeading({ model, prompts, steps }: Pick<TrainPayload, 'model' | 'prompts' | 'steps'>): string {
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

/** `mid_block.attentions.0` at t=0.5, conditional branch. */
export function siteText(site: SiteKey): string {
  const when = site.time === 1 ? 't=1 (first step)' : site.time === 0 ? 't=0 (last step)' : `t=${site.time}`;
  return `\`${site.block}\` at ${when}, ${site.branch === 'cond' ? 'conditional' : 'unconditional'} branch`;
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}
