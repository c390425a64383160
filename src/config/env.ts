import { resolve } from 'node:path';
import { z } from 'zod';
import { jobsConfigFromEnv, jobsEnvSchema, type JobsConfig } from '../jobs/config.ts';
import { MODEL_NAME } from '../models/catalog.ts';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Every environment variable Retouch reads, with its meaning. The README's table mirrors this. */
export const envSchema = z.object({
  DATABASE_URL: optionalText.pipe(
    z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
  ),
  RETOUCH_DATA_DIR: z.string().default('./data'),
  RETOUCH_PG_PORT: port(0),
  RETOUCH_PG_SYSTEM_USER: z.string().regex(/^[a-z_][a-z0-9_-]*$/).default('postgres'),
  RETOUCH_HOST: z.string().default('127.0.0.1'),
  RETOUCH_PORT: port(8080),
  RETOUCH_MODEL_DIR: optionalText,
  /** More models people may choose with /settings: `name=/path,name2=/path2` (diffusers folders). */
  RETOUCH_MODELS: optionalText,
  RETOUCH_INVERSION_QUOTA_MB: z.coerce.number().positive().max(1_000_000).default(256),
  RETOUCH_INVERSION_TTL_DAYS: z.coerce.number().positive().max(3650).default(30),
  /** Messages and button presses one person may send per minute (0: no limit). */
  RETOUCH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000).default(12),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText,
  /** HTTP mode (signing secret, no app token): where Slack's requests are received. */
  RETOUCH_SLACK_PORT: port(3000),
  /** Optional OpenAI-compatible chat-completions endpoint that refines instructions the grammar is unsure of. */
  RETOUCH_LLM_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional()),
  RETOUCH_LLM_MODEL: optionalText,
  RETOUCH_LLM_KEY: optionalText,
  RETOUCH_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(8000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPostgres: { port: number; systemUser: string };
  web: { host: string; port: number };
  modelDir: string | undefined;
  /** Named model folders besides RETOUCH_MODEL_DIR and the shipped model (src/models/catalog.ts). */
  models: Record<string, string>;
  /** The job queue: per-user limits, timeouts, retries, progress interval, maintenance schedule. */
  jobs: JobsConfig;
  /** The per-user inversion store: bytes each user may keep, and how long an unused inversion lives. */
  inversions: { quotaBytesPerUser: number; ttlMs: number };
  /** Per-person limit of messages and button presses per minute; 0: none. */
  rateLimit: { perMinute: number };
  logLevel: Env['LOG_LEVEL'];
  discord: { token: string; applicationId: string | undefined } | undefined;
  slack: { botToken: string; signingSecret: string | undefined; appToken: string | undefined; port: number } | undefined;
  /** The optional language model for instructions the grammar is unsure of; undefined when not configured. */
  llm?: { baseUrl: string; model: string; apiKey?: string; timeoutMs: number } | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  const problems: string[] = [];
  if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    problems.push('SLACK_BOT_TOKEN is set, so SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) is required');
  }
  if (env.RETOUCH_LLM_URL && !env.RETOUCH_LLM_MODEL) {
    problems.push('RETOUCH_LLM_URL is set, so RETOUCH_LLM_MODEL (the model name to ask for) is required');
  }
  if (!env.RETOUCH_LLM_URL && (env.RETOUCH_LLM_MODEL || env.RETOUCH_LLM_KEY)) {
    problems.push('RETOUCH_LLM_MODEL / RETOUCH_LLM_KEY are set but RETOUCH_LLM_URL is not');
  }
  const models: Record<string, string> = {};
  for (const entry of (env.RETOUCH_MODELS ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const [name, path] = [entry.slice(0, entry.indexOf('=')).trim(), entry.slice(entry.indexOf('=') + 1).trim()];
    if (!entry.includes('=') || !MODEL_NAME.test(name) || path === '') problems.push(`RETOUCH_MODELS: '${entry}' is not name=path with a lowercase name (a–z, 0–9, '.', '_', '-')`);
    else models[name] = resolve(path);
  }
  const jobs = jobsEnvSchema.safeParse(environment);
  if (!jobs.success) problems.push(...jobs.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    databaseUrl: env.DATABASE_URL,
    dataDir: resolve(env.RETOUCH_DATA_DIR),
    embeddedPostgres: { port: env.RETOUCH_PG_PORT, systemUser: env.RETOUCH_PG_SYSTEM_USER },
    web: { host: env.RETOUCH_HOST, port: env.RETOUCH_PORT },
    modelDir: env.RETOUCH_MODEL_DIR === undefined ? undefined : resolve(env.RETOUCH_MODEL_DIR),
    models,
    jobs: jobsConfigFromEnv(environment),
    inversions: { quotaBytesPerUser: env.RETOUCH_INVERSION_QUOTA_MB * 1024 * 1024, ttlMs: env.RETOUCH_INVERSION_TTL_DAYS * 86_400_000 },
    rateLimit: { perMinute: env.RETOUCH_RATE_LIMIT_PER_MINUTE },
    logLevel: env.LOG_LEVEL,
    discord: env.DISCORD_TOKEN
      ? { token: env.DISCORD_TOKEN, applicationId: env.DISCORD_APPLICATION_ID }
      : undefined,
    slack: env.SLACK_BOT_TOKEN
      ? { botToken: env.SLACK_BOT_TOKEN, signingSecret: env.SLACK_SIGNING_SECRET, appToken: env.SLACK_APP_TOKEN, port: env.RETOUCH_SLACK_PORT }
      : undefined,
    llm:
      env.RETOUCH_LLM_URL && env.RETOUCH_LLM_MODEL
        ? {
            baseUrl: env.RETOUCH_LLM_URL,
            model: env.RETOUCH_LLM_MODEL,
            ...(env.RETOUCH_LLM_KEY ? { apiKey: env.RETOUCH_LLM_KEY } : {}),
            timeoutMs: env.RETOUCH_LLM_TIMEOUT_MS,
          }
        : undefined,
  };
}
