// An optional OpenAI-compatible model that reads instructions the grammar couldn't. It only proposes
// intents, which are validated and then go through the same method selection as parsed ones, so it
// never picks methods or writes text the user sees. Off unless the caller passes a config (read from
// OPENAI_BASE_URL / OPENAI_API_KEY / RETOUCH_LLM_MODEL by the caller).
import { z } from 'zod';
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
