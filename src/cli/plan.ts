import { Option, type Command } from 'commander';
import { describePlan, planWithConfiguredModel } from '../plan/index.ts';
import { printResult } from './output.ts';

export function registerPlan(program: Command): void {
  program
    .command('plan <instruction...>')
    .description('show the edit plan a plain-English instruction becomes (or the question it raises)')
    .option('--caption <text>', 'what the image shows, to resolve words against')
    .addOption(new Option('--source <kind>', 'where the image came from').choices(['generated', 'uploaded']).default('generated'))
    .option('--stored-inversion', 'an inversion of the image is already stored')
    .option('--json', 'print the plan (or the clarification) as JSON')
    .action(async (words: string[], options: { caption?: string; source: 'generated' | 'uploaded'; storedInversion?: boolean; json?: boolean }) => {
      // The grammar decides; RETOUCH_LLM_* (when set) is asked only when the grammar would ask back.
      const result = await planWithConfiguredModel(words.join(' '), {
        caption: options.caption,
        source: options.source,
        storedInversion: options.storedInversion === true,
      });
      const human =
        result.kind === 'plan'
          ? describePlan(result.plan)
          : [result.question, ...result.choices.map((choice) => `- ${choice.label}`)].join('\n');
      printResult(options.json === true, result, human);
    });
}
