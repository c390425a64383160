// Subcommands whose work lands with later parts of the product. They already parse and document
// their options, so scripts can be written against them, and say plainly that they can't run yet.
import { Option, type Command } from 'commander';
import { EXIT_FAILURE, printError } from './output.ts';

interface Planned {
  name: string;
  args?: string;
  description: string;
  options: Array<Option>;
  arrivesWith: string;
}

const PLANNED: Planned[] = [
  {
    name: 'bench',
    args: '[suite]',
    description: 'run a benchmark and print its figures',
    options: [],
    arrivesWith: 'the engine benchmarks (W1.2); meanwhile `npm run bench:engine`',
  },
];

export function registerPlanned(program: Command): void {
  for (const planned of PLANNED) {
    const command = program.command(planned.args ? `${planned.name} ${planned.args}` : planned.name);
    command.description(`${planned.description} (not available yet: arrives with ${planned.arrivesWith})`);
    for (const option of planned.options) command.addOption(option);
    command.option('--json', 'machine-readable output');
    command.action(() => {
      const options = command.opts<{ json?: boolean }>();
      process.exitCode = printError(
        options.json === true,
        `"retouch ${planned.name}" is not available in this version; it arrives with ${planned.arrivesWith}.`,
        EXIT_FAILURE,
      );
    });
  }
}
