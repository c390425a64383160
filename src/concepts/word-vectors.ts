// Concept vectors need a vector per word. The paper averages Word2Vec vectors; no such table can be
// fetched here, and the model's own text encoder runs offline and is what the UNet's cross-attention
// reads, so a word's vector is the encoder's output at the word's tokens (their mean), unit norm:
// "red" lands near what the model draws for red, for the shipped model as for SD weights.
import type { Diffusion } from '../pipeline/diffusion.ts';
import { unit } from './label.ts';

export class WordVectors {
  private readonly cache = new Map<string, Float32Array>();

  constructor(private readonly diffusion: Diffusion) {}

  async load(words: Iterable<string>): Promise<void> {
    for (const word of words) if (!this.cache.has(word)) this.cache.set(word, await this.compute(word));
  }

  /** A word loaded before (`load`). */
  get(word: string): Float32Array {
    const v = this.cache.get(word);
    if (!v) throw new Error(`word vectors: '${word}' was not loaded`);
    return v;
  }

  async of(word: string): Promise<Float32Array> {
    await this.load([word]);
    return this.get(word);
  }

  private async compute(word: string): Promise<Float32Array> {
    const embeds = await this.diffusion.encodePrompt(word);
    const [, length, width] = embeds.shape as [number, number, number];
    const tokens = Math.max(1, Math.min(length - 2, this.diffusion.model.tokenizer.encode(word).length));
    const data = embeds.data as Float32Array;
    const sum = new Float32Array(width);
    for (let t = 1; t <= tokens; t++) for (let c = 0; c < width; c++) sum[c] = (sum[c] as number) + (data[t * width + c] as number);
    return unit(sum);
  }
}
