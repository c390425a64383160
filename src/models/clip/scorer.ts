import * as E from '../../engine/index.ts';
import { buildClipModel, loadClipModel } from './clip-model.ts';
import type { ClipConfig } from './config.ts';
import { preprocessImages, readClipProcessorConfig, type ClipImageInput, type ClipImageProcessorConfig } from './preprocess.ts';
import { ClipTokenizer } from './tokenizer.ts';
import type { Weights } from '../weights.ts';

/**
 * A CLIPModel folder (config, weights, tokenizer and preprocessor files side by side, as
 * models/world-clip) ready to score images against texts: cosine similarities of the projected
 * embeddings. Programs are compiled per batch shape and kept until `release`.
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

  /** similarity[i][j] = cos(image i, text j), in [−1, 1]. */
  async similarities(images: readonly ClipImageInput[], texts: readonly string[]): Promise<number[][]> {
    const program = await this.program(images.length, texts.length);
    const { ids, shape } = this.tokenizer.encodePadded(texts, this.config.text_config.max_position_embeddings);
    const pixels = await preprocessImages(images, this.processor);
    const out = await program.run({ pixel_values: pixels, input_ids: { dtype: 'int64', shape, data: ids } });
    const logits = out.similarity!.data as Float32Array;
    return images.map((_, i) => texts.map((_, j) => logits[i * texts.length + j]!));
  }

  async release(): Promise<void> {
    for (const program of this.programs.values()) await program.release();
    this.programs.clear();
  }

  private async program(images: number, texts: number): Promise<E.Program> {
    const key = `${images}x${texts}`;
    let program = this.programs.get(key);
    if (!program) {
      const length = this.config.text_config.max_position_embeddings;
      const out = buildClipModel(this.weights, this.config, { images, texts, text: { length } });
      const similarity = E.matmul(out.imageEmbeds as E.Tensor, E.swapAxes(out.textEmbeds as E.Tensor, 0, 1));
      program = await E.Program.compile({ similarity });
      this.programs.set(key, program);
    }
    return program;
  }
}
