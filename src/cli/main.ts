import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from './output.ts';
import { registerEval } from './eval.ts';
import { registerGenerate } from './generate.ts';
import { registerInvert } from './invert.ts';
import { registerEdit } from './edit.ts';
import { registerAnalyze } from './analyze.ts';
import { registerWorker } from './worker.ts';
import { registerModel } from './model.ts';
import { registerMethods } from './methods.ts';
import { registerConcepts } from './concepts.ts';
import { registerPlan } from './plan.ts';
import { registerBench } from './bench.ts';
import { registerStart } from './start.ts';
import { registerSlack } from './slack.ts';
import { registerDiscord } from './discord.ts';

const program = new Command('retouch')
  .description('Retouch: generate and edit images with diffusion models, from chat or the command line')
  .showHelpAfterError('(run with --help for usage)')
  .showSuggestionAfterError()
  .exitOverride();

registerStart(program);
registerPlan(program);
registerModel(program);
registerGenerate(program);
registerEval(program);
registerInvert(program);
registerEdit(program);
registerMethods(program);
registerConcepts(program);
registerAnalyze(program);
registerWorker(program);
registerBench(program);
registerSlack(program);
registerDiscord(program);
program.commands.forEach((command) => command.exitOverride().showHelpAfterError('(run with --help for usage)'));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Help and --version end with code 0; every other parse error is a usage error.
  process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
}
