import * as E from '../../engine/index.ts';
import { buildClipModel, loadClipModel } from './clip-model.ts';
import type { ClipConfig } from './config.ts';
import { preprocessImages, readClipProcessorConfig, type ClipImageInput, type ClipImageProcessorConfig } from './preprocess.ts';
import { ClipTokenizer } from './tokenizer.ts';
import type { Weights } from '../weights.ts';

/** Texts are embedded in batches of at most this many (one compiled program per batch size used). */
const TEXT_BATCH = 16;

/**
 * A CLIPModel folder (config, weights, tokenizer and preprocessor files side by side, as
 * models/world-clip) ready to embed images and texts (projected, unit length) and score them
 * against each other by cosine similarity. Programs are compiled per tower and batch size and kept
 * until `release`.
 */
export class ClipScorer {
  private readonly programs = new Map<string, E.Program>();

  private constructor(
    readonly config: ClipConfig,
    private readonly weights: Weights,
    readonly tokenizer: ClipTokenizer,
    private readonly processor: ClipImageProcessorConfig,
  ) {}

  static open(dir: string): ClipScorer {
    const { config, weights } = loadClipModel(dir);
    return new ClipScorer(config, weights, ClipTokenizer.fromFolder(dir), readClipProcessorConfig(dir));
  }

  /** One unit-length embedding per image. */
  async embedImages(images: readonly ClipImageInput[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const program = await this.program('images', images.length);
    const out = await program.run({ pixel_values: await preprocessImages(images, this.processor) });
    return rows(out.embeds!.data as Float32Array, images.length);
  }

  /** One unit-length embedding per text. */
  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    const embeddings: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += TEXT_BATCH) {
      const batch = texts.slice(start, start + TEXT_BATCH);
      const program = await this.program('texts', batch.length);
      const { ids, shape } = this.tokenizer.encodePadded(batch, this.config.text_config.max_position_embeddings);
      const out = await program.run({ input_ids: { dtype: 'int64', shape, data: ids } });
      embeddings.push(...rows(out.embeds!.data as Float32Array, batch.length));
    }
    return embeddings;
  }

  /** similarity[i][j] = cos(image i, text j), in [−1, 1]. */
  async similarities(images: readonly ClipImageInput[], texts: readonly string[]): Promise<number[][]> {
    const textEmbeddings = await this.embedTexts(texts);
    return (await this.embedImages(images)).map((image) => textEmbeddings.map((text) => cosine(image, text)));
  }

  async release(): Promise<void> {
    for (const program of this.programs.values()) await program.release();
    this.programs.clear();
  }

  private async program(tower: 'images' | 'texts', batch: number): Promise<E.Program> {
    const key = `${tower}:${batch}`;
    let program = this.programs.get(key);
    if (!program) {
      const length = this.config.text_config.max_position_embeddings;
      const out = buildClipModel(this.weights, this.config, { images: tower === 'images' ? batch : 0, texts: tower === 'texts' ? batch : 0, text: { length } });
      program = await E.Program.compile({ embeds: (tower === 'images' ? out.imageEmbeds : out.textEmbeds) as E.Tensor });
      this.programs.set(key, program);
    }
    return program;
  }
}

/** Cosine similarity of two unit-length embeddings. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

function rows(data: Float32Array, count: number): Float32Array[] {
  const width = data.length / count;
  return Array.from({ length: count }, (_, i) => data.slice(i * width, (i + 1) * width));
}
