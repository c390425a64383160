// What /invert says: the heading while it runs, and the reconstruction's fidelity and stored size
// once done (also used when the result is delivered after a restart).
import type { InvertPayload, InvertResult } from '../studio/handlers.ts';
import { formatBytes } from './images.ts';
import { escapeMarkdown } from './markdown.ts';

export function inversionHeading({ method, steps, guidance, caption }: Pick<InvertPayload, 'method' | 'steps' | 'guidance' | 'caption'>): string {
  return `Inverting with \`${method}\`: ${steps} steps, guidance ${guidance}, under **${escapeMarkdown(caption || '(empty caption)')}**`;
}

const decibels = (value: number | null) => (value === null ? '∞ dB (identical)' : `${value.toFixed(2)} dB`);

export function inversionText(heading: string, result: Extract<InvertResult, { kind: 'inversion' }>): string {
  const stored = result.reused
    ? `- stored: already in your inversions (${result.bytes !== null ? formatBytes(result.bytes) : 'size unknown'}), reused: nothing was inverted again`
    : result.bytes !== null
      ? `- stored: ${formatBytes(result.bytes)} in your inversions (see \`/inversions list\`)`
      : `- not stored: ${escapeMarkdown(result.notStored ?? 'unknown reason')}`;
  return [
    heading,
    '',
    `- reconstruction PSNR: **${decibels(result.psnr)}** (the VAE's round trip alone: ${decibels(result.vaePsnr)}, the ceiling)`,
    stored,
    `- took ${result.seconds.toFixed(1)} s`,
    ...result.notes.map((n) => `Note: ${escapeMarkdown(n)}.`),
    '',
    `An \`/edit\` of this image that inverts with \`${result.method}\` under the same caption, steps and guidance starts from this inversion.`,
  ].join('\n');
}
