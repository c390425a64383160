// An optional OpenAI-compatible model that reads instructions the grammar couldn't. It only proposes
// intents, which are validated and then go through the same method selection as parsed ones, so it
// never picks methods or writes text the user sees. Off unless configured: RETOUCH_LLM_URL (the base URL,
// e.g. http://localhost:11434/v1), RETOUCH_LLM_MODEL, optional RETOUCH_LLM_KEY and RETOUCH_LLM_TIMEOUT_MS,
// read and validated by src/config/env.ts; `languageModelFromConfig` turns that into a config here.
import { z } from 'zod';
import { envSchema, type Config } from '../config/env.ts';
import type { Intent } from './intents.ts';
import { planFromInstruction, planFromIntents, type PlanOptions, type PlanResult } from './plan.ts';
import { REGIONS, DIRECTIONS } from './schema.ts';
import { cleanInstruction, safeWords } from './text.ts';

export interface LanguageModelConfig {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The model settings from the loaded configuration (`loadConfig().llm`); undefined keeps it off. */
export function languageModelFromConfig(config: Pick<Config, 'llm'> | undefined): LanguageModelConfig | undefined {
  const llm = config?.llm;
  if (!llm) return undefined;
  return { baseUrl: llm.baseUrl, model: llm.model, timeoutMs: llm.timeoutMs, ...(llm.apiKey ? { apiKey: llm.apiKey } : {}) };
}

/**
 * Plans an instruction with the language model the environment configures (RETOUCH_LLM_*), or with the
 * grammar alone when none is configured or the configuration is invalid. Never throws.
 */
export async function planWithConfiguredModel(text: unknown, options: PlanOptions, environment: NodeJS.ProcessEnv = process.env): Promise<PlanResult> {
  // Only the RETOUCH_LLM_* variables are read here, so an unrelated bad variable can't switch it off.
  const parsed = envSchema
    .pick({ RETOUCH_LLM_URL: true, RETOUCH_LLM_MODEL: true, RETOUCH_LLM_KEY: true, RETOUCH_LLM_TIMEOUT_MS: true })
    .safeParse(environment);
  const env = parsed.success ? parsed.data : undefined;
  const model =
    env?.RETOUCH_LLM_URL && env.RETOUCH_LLM_MODEL
      ? languageModelFromConfig({
          llm: { baseUrl: env.RETOUCH_LLM_URL, model: env.RETOUCH_LLM_MODEL, timeoutMs: env.RETOUCH_LLM_TIMEOUT_MS, ...(env.RETOUCH_LLM_KEY ? { apiKey: env.RETOUCH_LLM_KEY } : {}) },
        })
      : undefined;
  return planWithLanguageModel(text, options, model);
}

const word = z.string().min(1).max(60).transform((s) => safeWords(s, 60)).pipe(z.string().min(1));
const amount = z.enum(['slight', 'normal', 'strong']).default('normal');

const ModelIntent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('swap'), object: word, target: word }),
  z.object({ kind: z.literal('attribute'), attribute: z.enum(['color', 'texture', 'material', 'background', 'adjective']), object: word.optional(), value: word }),
  z.object({ kind: z.literal('resize'), object: word.optional(), size: z.enum(['small', 'medium', 'large']), relative: z.boolean().default(true), amount }),
  z.object({ kind: z.literal('add'), object: word, region: z.enum(REGIONS).optional(), anchor: word.optional() }),
  z.object({ kind: z.literal('remove'), object: word.optional(), region: z.enum(REGIONS).optional() }),
  z.object({ kind: z.literal('move'), object: word.optional(), region: z.enum(REGIONS).optional(), direction: z.enum(DIRECTIONS).optional(), amount }),
  z.object({ kind: z.literal('style'), style: word, amount }),
  z.object({ kind: z.literal('reweight'), word, more: z.boolean(), amount }),
  z.object({ kind: z.literal('pose'), subject: word.optional(), action: word }),
  z.object({ kind: z.literal('variations'), count: z.number().int().min(1).max(16).default(4), amount }),
]);
const ModelReply = z.object({ intents: z.array(ModelIntent).min(1).max(8) });

const SYSTEM_PROMPT = `You turn image-editing requests into JSON. Reply with {"intents":[...]} only.
Each intent is one of:
{"kind":"swap","object":"cat","target":"tiger"}
{"kind":"attribute","attribute":"color|texture|material|background|adjective","object":"star","value":"blue"}
{"kind":"resize","object":"star","size":"small|medium|large","relative":true,"amount":"slight|normal|strong"}
{"kind":"add","object":"hat","anchor":"cat"} or with "region" one of ${REGIONS.join(', ')}
{"kind":"remove","object":"square"}
{"kind":"move","object":"star","region":"top_left"} or "direction": left|right|up|down
{"kind":"style","style":"watercolor","amount":"normal"}
{"kind":"reweight","word":"snow","more":false,"amount":"normal"}
{"kind":"pose","subject":"dog","action":"sit"}
{"kind":"variations","count":4,"amount":"normal"}
Keep the order of the request. Use the words of the image caption for objects when it has them.`;

/**
 * Plans with the grammar first; only when the grammar has to ask does it consult the model, whose
 * plan is used if it gives one. Any failure of the model (network, timeout, bad JSON, its own
 * uncertainty) falls back to the grammar's question.
 */
export async function planWithLanguageModel(text: unknown, options: PlanOptions, config: LanguageModelConfig | undefined): Promise<PlanResult> {
  const grammar = planFromInstruction(text, options);
  if (!config || grammar.kind === 'plan') return grammar;
  const clean = cleanInstruction(text);
  // Empty, oversized or markup-only input is never sent anywhere.
  if (clean.problem) return grammar;
  try {
    const intents = await askModel(clean.text, options.caption, config);
    const result = planFromIntents(intents, options);
    return result.kind === 'plan' ? result : grammar;
  } catch {
    return grammar;
  }
}

async function askModel(instruction: string, caption: string | undefined, config: LanguageModelConfig): Promise<Intent[]> {
  const doFetch = config.fetch ?? fetch;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), config.timeoutMs ?? 8000);
  try {
    const response = await doFetch(`${config.baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
      body: JSON.stringify({
        model: config.model,
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: `Caption: ${caption ? safeWords(caption, 300) : '(unknown)'}\nRequest: ${instruction}` },
        ],
      }),
    });
    if (!response.ok) throw new Error(`language model answered ${response.status}`);
    const body = (await response.json()) as { choices?: { message?: { content?: string } }[] };
    const content = body.choices?.[0]?.message?.content ?? '';
    const json = JSON.parse(content.replace(/^```(?:json)?|```$/g, '').trim()) as unknown;
    return ModelReply.parse(json).intents as Intent[];
  } finally {
    clearTimeout(timer);
  }
}
