// Reading a method's parameters: from a plan step, a slash command or `--param k=v`, checked by the
// method's schema, with messages that name the parameter and the method.
import { z } from 'zod';
import { EditRequestError, type EditMethod } from './types.ts';

/** `k=v` strings (the CLI's `--param`) into values: numbers, booleans, JSON arrays / objects, else text. */
export function parseParamPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new EditRequestError(`--param ${pair}: write it as name=value`);
    const name = pair.slice(0, at).trim();
    const text = pair.slice(at + 1).trim();
    if (name in out) throw new EditRequestError(`--param ${name} is given twice`);
    out[name] = parseValue(text);
  }
  return out;
}

function parseValue(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (/^[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The method's parameters with its defaults filled in, or an error naming every problem. */
export function checkParams(method: EditMethod, raw: Record<string, unknown> = {}): Record<string, unknown> {
  const result = method.params.safeParse(raw);
  if (result.success) return result.data as Record<string, unknown>;
  const known = parameterNames(method);
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `${method.id} has no parameter ${issue.keys.map((k) => `'${k}'`).join(', ')}${known.length ? ` (it takes ${known.join(', ')})` : ' (it takes none)'}`;
    }
    const where = issue.path.length ? `parameter '${issue.path.join('.')}'` : 'parameters';
    return `${method.id} ${where}: ${issue.message}`;
  });
  throw new EditRequestError(problems.join('; '));
}

/** The parameter names a method's schema declares (for help and error messages). */
export function parameterNames(method: EditMethod): string[] {
  const schema = method.params;
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
