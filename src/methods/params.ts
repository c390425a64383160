// Reading a method's parameters: from a plan step, a slash command or `--param k=v`, checked by the
// method's schema, with messages that name the method, the parameter, the value and its range.
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
    const name = issue.path.length === 1 ? String(issue.path[0]) : undefined;
    const range = name !== undefined && name in raw ? rangeOf(method, name) : undefined;
    if (range) return `${method.id} ${where} is ${JSON.stringify(raw[name!])}; it ${range}`;
    return `${method.id} ${where}: ${issue.message}`;
  });
  throw new EditRequestError(problems.join('; '));
}

/** A numeric parameter's range and default in words ("must be more than 0 and at most 1 (default 0.5)"), if it has one. */
export function rangeOf(method: EditMethod, name: string): string | undefined {
  if (!(method.params instanceof z.ZodObject)) return undefined;
  const field = method.params.shape[name] as z.ZodType | undefined;
  if (!field) return undefined;
  const json = z.toJSONSchema(field, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  const low = json.exclusiveMinimum !== undefined ? `more than ${String(json.exclusiveMinimum)}` : json.minimum !== undefined ? `at least ${String(json.minimum)}` : undefined;
  const high = json.exclusiveMaximum !== undefined ? `less than ${String(json.exclusiveMaximum)}` : json.maximum !== undefined && Number(json.maximum) < Number.MAX_SAFE_INTEGER ? `at most ${String(json.maximum)}` : undefined;
  if (!low && !high) return undefined;
  const fallback = json.default !== undefined ? ` (default ${JSON.stringify(json.default)})` : '';
  return `must be ${[low, high].filter(Boolean).join(' and ')}${fallback}`;
}

/** The strength at which methods whose dial is injection run with their defaults. */
export const NEUTRAL_STRENGTH = 0.5;

/**
 * A plan step's `strength` (0..1, how far the edit may move from the source) as the injection
 * fractions of a method whose dial is injection: the fraction of the steps in which the source's
 * attention or features are injected. 0.5 means the method's published defaults; stronger shortens
 * the injection in proportion (1 = no injection at all), weaker lengthens it (0 = twice the
 * defaults, at most every step). Empty for other methods.
 */
export function injectionForStrength(method: EditMethod, strength: number): Record<string, number> {
  if (method.dial?.kind !== 'injection' || !(method.params instanceof z.ZodObject)) return {};
  const scale = 2 * (1 - Math.min(1, Math.max(0, strength)));
  const out: Record<string, number> = {};
  for (const name of method.dial.params) {
    const field = method.params.shape[name] as z.ZodType | undefined;
    // A defaulted field parses `undefined` to its default: the paper's value, kept in one place.
    const fallback = field?.safeParse(undefined);
    if (!fallback?.success || typeof fallback.data !== 'number') continue;
    out[name] = Math.round(Math.min(1, fallback.data * scale) * 1000) / 1000;
  }
  return out;
}

/**
 * A plan step's parameters as the method's own: the ones its schema declares (a step carries more
 * than any one method takes), and the step's strength as injection fractions where the method's
 * dial is injection.
 */
export function methodParams(method: EditMethod, stepParams: Record<string, unknown>): Record<string, unknown> {
  const names = new Set(parameterNames(method));
  const declared = Object.fromEntries(Object.entries(stepParams).filter(([name, value]) => names.has(name) && value !== undefined));
  const strength = stepParams.strength;
  return typeof strength === 'number' && !names.has('strength') ? { ...injectionForStrength(method, strength), ...declared } : declared;
}

/** The parameter names a method's schema declares (for help and error messages). */
export function parameterNames(method: EditMethod): string[] {
  const schema = method.params;
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
