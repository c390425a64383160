import type { Command } from 'commander';
import { openStableDiffusion } from '../models/stable-diffusion.ts';
import { printError, printResult } from './output.ts';

/** `retouch model <path>`: opens a model folder or checkpoint and says what it holds, or what is wrong. */
export function registerModel(program: Command): void {
  program
    .command('model <path>')
    .description('check a Stable Diffusion model (a diffusers folder or a single-file SD-1.x .safetensors) and describe it')
    .option('--tokenizer <dir>', 'tokenizer folder for a single-file checkpoint (vocab.json + merges.txt)')
    .option('--json', 'print the description as JSON')
    .action((path: string, options: { tokenizer?: string; json?: boolean }) => {
      try {
        const model = openStableDiffusion(path, { tokenizerDir: options.tokenizer });
        const { unet, vae, textEncoder } = model;
        const description = {
          source: model.source,
          hash: model.hash,
          unet: {
            parameters: unet.weights.parameterCount(),
            blockOutChannels: unet.config.blockOutChannels,
            heads: unet.config.heads,
            crossAttentionDim: unet.config.crossAttentionDim[0],
            inChannels: unet.config.inChannels,
            sampleSize: unet.config.sampleSize,
          },
          vae: { parameters: vae.weights.parameterCount(), blockOutChannels: vae.config.block_out_channels, scalingFactor: vae.config.scaling_factor },
          textEncoder: { parameters: textEncoder.weights.parameterCount(), hiddenSize: textEncoder.config.hidden_size, layers: textEncoder.config.num_hidden_layers },
          scheduler: model.schedulerConfig?._class_name ?? null,
          warnings: model.warnings,
        };
        const millions = (n: number) => `${(n / 1e6).toFixed(1)}M parameters`;
        const human = [
          `${model.source} (id ${model.hash.slice(0, 12)})`,
          `  unet:         ${millions(description.unet.parameters)}, channels ${unet.config.blockOutChannels.join('/')}, heads ${unet.config.heads.join('/')}, cross-attention ${description.unet.crossAttentionDim}, ${unet.config.inChannels} input channels`,
          `  vae:          ${millions(description.vae.parameters)}, channels ${vae.config.block_out_channels.join('/')}, scaling ${vae.config.scaling_factor}`,
          `  text encoder: ${millions(description.textEncoder.parameters)}, width ${textEncoder.config.hidden_size}, ${textEncoder.config.num_hidden_layers} layers`,
          `  scheduler:    ${description.scheduler ?? 'none given'}`,
          ...model.warnings.map((warning) => `  warning: ${warning}`),
        ].join('\n');
        printResult(options.json === true, description, human);
      } catch (error) {
        process.exitCode = printError(options.json === true, error);
      }
    });
}
