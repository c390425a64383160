// `retouch bench [suite] [args…]`: the benchmark programs in bench/, the same ones `npm run
// bench:<suite>` runs, each in a child process (some measure peak memory or start workers of their
// own). They print their figures as text; --json only lists the suites.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { EXIT_USAGE, printError, printResult } from './output.ts';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

export const BENCH_SUITES = {
  engine: 'the tensor engine against plain onnxruntime (matmul, conv, a training step) and an 860M-parameter SD-1.5-shaped UNet: build, save, load, peak memory, run',
  models: 'the SD-1.5 UNet, CLIP ViT-L/14 text tower and VAE decoder (exact configs, random weights): build, load, run, peak memory',
  generate: 'text-to-image on the shipped model, 50 DDIM steps with guidance: time per image, split into text / sampling / decode, same-seed bytes',
  inversion: 'first edit of an image (inversion computed and stored) against the second (loaded): latencies and stored sizes',
  jobs: 'the job queue with 1 and 2 workers generating on the shipped model: overhead from submit to start, throughput',
  'methods-sd15': 'every editing method on SD-1.5-shaped weights: seconds per edit and the layers each selects',
  world: 'the procedural world: render speed and how well the analysis reads images back (--scenes N)',
} as const;

type Suite = keyof typeof BENCH_SUITES;

const SUITE_LIST = Object.entries(BENCH_SUITES).map(([name, what]) => `${name.padEnd(13)} ${what}`).join('\n');

const isSuite = (name: string): name is Suite => Object.hasOwn(BENCH_SUITES, name);

export function registerBench(program: Command): void {
  program
    .command('bench')
    .argument('[suite]', `one of ${Object.keys(BENCH_SUITES).join(', ')}; none lists them`)
    .argument('[args...]', "the suite's own options, e.g. `retouch bench generate --runs 3`")
    .description('run a benchmark and print its figures (the programs `npm run bench:<suite>` runs)')
    .option('--json', 'with no suite: the list of suites as JSON')
    .allowUnknownOption()
    .addHelpText('after', `\nSuites:\n${SUITE_LIST.replace(/^/gm, '  ')}`)
    .action(async (suite: string | undefined, args: string[], options: { json?: boolean }) => {
      const json = options.json === true;
      if (suite === undefined) {
        printResult(json, { suites: BENCH_SUITES }, SUITE_LIST);
        return;
      }
      if (!isSuite(suite)) {
        process.exitCode = printError(json, `unknown benchmark '${suite}'; choose one of ${Object.keys(BENCH_SUITES).join(', ')}`, EXIT_USAGE);
        return;
      }
      if (json) {
        process.exitCode = printError(true, `the benchmarks print their figures as text; --json only lists the suites (retouch bench --json)`, EXIT_USAGE);
        return;
      }
      process.exitCode = await runSuite(suite, args);
    });
}

/** Runs bench/<suite>.ts with the same node and tsx loader; its output goes straight to ours. */
function runSuite(suite: Suite, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, `${suite}.ts`), ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
