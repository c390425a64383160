import type { Command } from 'commander';
import { describeCatalogue, type MethodDescription } from '../methods/describe.ts';
import { printResult } from './output.ts';

/** `retouch methods [--json]`: every registered editing method and inversion with its descriptor. */
export function registerMethods(program: Command): void {
  program
    .command('methods')
    .description('list the editing methods and inversions with their parameters, needs and dials, and the METHODS.md ids not available yet')
    .option('--json', 'print the descriptors as JSON')
    .action((options: { json?: boolean }) => {
      const catalogue = describeCatalogue();
      const human = [
        'Editing methods:',
        ...catalogue.methods.flatMap(methodLines),
        '',
        'Inversions:',
        ...catalogue.inversions.map((i) => `  ${i.id.padEnd(22)} ${i.name}: ${i.summary}${i.storedTensors.length ? ` (also stores ${i.storedTensors.join(', ')})` : ''}`),
        '',
        `Known, not available yet: ${catalogue.notAvailableYet.map((m) => m.id).join(', ')}`,
      ].join('\n');
      printResult(options.json === true, catalogue, human);
    });
}

function methodLines(method: MethodDescription): string[] {
  const properties = (method.params.properties ?? {}) as Record<string, Record<string, unknown>>;
  const params = Object.entries(properties).map(([name, schema]) => `${name}${rangeText(schema)}`);
  const needs = Object.entries(method.needs).map(([need, value]) => (value === true ? need : `${need} ${Array.isArray(value) ? value.join('|') : String(value)}`));
  const dial = method.dial ? (method.dial.kind === 'injection' ? `injection (${method.dial.params.join(', ')})` : method.dial.kind) : 'none';
  return [
    `  ${method.id.padEnd(22)} ${method.name}: ${method.summary}`,
    `  ${''.padEnd(22)} edit ${method.edit}; ${method.promptDriven ? 'prompt-driven; ' : ''}Stronger/Weaker: ${dial}; schedulers ${method.schedulers.join(', ')}`,
    `  ${''.padEnd(22)} needs: ${needs.join(', ') || 'nothing'}; params: ${params.join(', ') || 'none'}`,
  ];
}

function rangeText(schema: Record<string, unknown>): string {
  const parts = [
    schema.minimum !== undefined ? `≥${String(schema.minimum)}` : schema.exclusiveMinimum !== undefined ? `>${String(schema.exclusiveMinimum)}` : '',
    schema.maximum !== undefined && Number(schema.maximum) < Number.MAX_SAFE_INTEGER ? `≤${String(schema.maximum)}` : schema.exclusiveMaximum !== undefined ? `<${String(schema.exclusiveMaximum)}` : '',
    schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(' ')})` : '';
}
