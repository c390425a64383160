import type { Command } from 'commander';
import { IN_WORLD_FIT_DB, readPicture } from '../reading/index.ts';
import { fromImageFile } from '../support/image.ts';
import { probeImage } from './invert.ts';
import { EXIT_USAGE, printError, printResult, UsageError } from './output.ts';

/** `retouch analyze --image FILE`: what the shipped model's read-back sees in a picture, and how sure it is. */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description("read a picture as the shipped model's world: objects (shape, colour, size, place, pattern), background, and how well that explains the picture")
    .requiredOption('--image <file>', 'the picture (any size: it is read at 128×128)')
    .option('--json', 'print the reading as JSON')
    .action(async (options: { image: string; json?: boolean }) => {
      const json = options.json === true;
      try {
        await probeImage(options.image);
        const picture = await fromImageFile(options.image).catch((error: Error) => {
          throw new UsageError(`--image ${options.image}: cannot decode it (${error.message})`);
        });
        const reading = await readPicture(picture);
        const objects = reading.objects.map(({ mask: _mask, ...object }) => ({ ...object, shapeScore: round(object.shapeScore), colourDistance: round(object.colourDistance) }));
        printResult(json, { caption: reading.caption, background: reading.background, objects, fit: round(reading.fit), inWorld: reading.inWorld, inWorldFrom: IN_WORLD_FIT_DB }, [
          reading.caption,
          `background: ${reading.background}`,
          ...objects.map((o) => `- ${o.size} ${o.colour} ${o.shape} in the ${o.position}, ${o.style} (shape fit ${o.shapeScore.toFixed(2)}, colour off by ${o.colourDistance.toFixed(0)})`),
          reading.inWorld
            ? `a picture of the world: the reading explains it to ${reading.fit.toFixed(1)} dB (≥ ${IN_WORLD_FIT_DB} dB counts)`
            : `not a picture of the world: the reading explains it only to ${reading.fit.toFixed(1)} dB (≥ ${IN_WORLD_FIT_DB} dB would count), so the bot would not edit it`,
        ].join('\n'));
      } catch (error) {
        process.exitCode = printError(json, error, error instanceof UsageError ? EXIT_USAGE : undefined);
      }
    });
}

const round = (x: number) => Math.round(x * 100) / 100;
