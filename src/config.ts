import path from 'node:path';
import { Cron } from 'croner';
import { z } from 'zod';
import { CopilotError } from './errors.js';

/**
 * The only reader of process.env. Everything else receives a Config.
 * Fails fast with a message that says which variable is wrong and how to fix it.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A croner expression, checked by croner itself; `example` goes into the error message. */
export function cronExpression(example: string) {
  return z.string().refine(
    (expr) => {
      try {
        new Cron(expr, { paused: true }).stop();
        return true;
      } catch {
        return false;
      }
    },
    { message: `not a valid cron expression (e.g. ${example})` },
  );
}
const cron = cronExpression('"0 9 * * 1" for Mondays at 09:00');
const timezone = optionalString.refine(
  (tz) => {
    if (tz === undefined) return true;
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone (e.g. Europe/Paris or UTC)' },
);

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  KNOWLEDGE_DIR: z.string().default('./knowledge'),
  INDEX_DIR: z.string().default('./data/index'),
  REDIS_URL: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  LLM_PROVIDER: z.enum(['openai', 'anthropic', 'google-genai', 'ollama', 'offline']).optional(),
  LLM_MODEL: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString,
  GOOGLE_API_KEY: optionalString,
  GOOGLE_BASE_URL: optionalString,
  OLLAMA_BASE_URL: optionalString,
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  LLM_FALLBACK_MODELS: csv,
  BUDGET_DAILY_TOKENS_PER_SPACE: z.coerce.number().int().positive().optional(),
  BUDGET_DAILY_TOKENS_PER_USER: z.coerce.number().int().positive().optional(),
  BUDGET_DAILY_COST_PER_SPACE_USD: z.coerce.number().positive().optional(),
  BUDGET_DAILY_COST_PER_USER_USD: z.coerce.number().positive().optional(),
  LLM_PRICES: optionalString,
  LLM_FALLBACK_OFFLINE: bool.default(true),
  EMBEDDINGS: z.enum(['local', 'openai']).default('local'),
  EMBEDDING_MODEL: z.string().default('text-embedding-3-small'),
  EMBEDDING_DIMENSIONS: z.coerce.number().int().positive().optional(),
  EMBEDDING_BATCH_SIZE: z.coerce.number().int().positive().max(2048).default(256),
  EMBEDDING_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  HNSW_M: z.coerce.number().int().min(4).max(128).default(16),
  HNSW_EF_CONSTRUCTION: z.coerce.number().int().min(10).max(2000).default(200),
  HNSW_EF_SEARCH: z.coerce.number().int().min(10).max(2000).default(512),
  MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: z.string().default('https://slack.com/api/'),
  SLACK_HANDOFF_CHANNEL: optionalString,
  SLACK_ADMIN_USERS: csv,
  SLACK_ANSWER_EDITORS: csv,
  SLACK_DIGEST_CHANNEL: optionalString,
  DIGEST_SCHEDULE: cron.default('0 9 * * 1'),
  DIGEST_TIMEZONE: timezone,
  GAPS_CLUSTER_DISTANCE: z.coerce.number().gt(0).max(2).optional(),
  ADMIN_TOKEN: optionalString,
  NOTION_TOKEN: optionalString,
  NOTION_BASE_URL: optionalString,
  SOURCES_SCHEDULE: bool.default(true),
  ANNOTATION_MIN_SCORE: z.coerce.number().min(0).max(1).default(0.8),
  ANSWER_MIN_SCORE: z.coerce.number().min(0).max(1).default(0.22),
  HANDOFF_REMIND_MINUTES: z.coerce.number().positive().default(15),
  HANDOFF_CREATE_PER_MINUTE: z.coerce.number().min(1).default(3),
  HANDOFF_MAX_TICKETS: z.coerce.number().int().min(10).default(5000),
  SAFETY_DIR: optionalString,
  SAFETY_ON_QUESTION: z.enum(['refuse', 'handoff']).default('refuse'),
  SAFETY_MODERATION_URL: optionalString,
  SAFETY_MODERATION_API_KEY: optionalString,
  SAFETY_MODERATION_MODEL: optionalString,
  MEMORY_MAX_TURNS: z.coerce.number().int().positive().default(20),
  MEMORY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  MEMORY_TOKEN_BUDGET: z.coerce.number().int().positive().default(1200),
  PROMPT_TOKEN_BUDGET: z.coerce.number().int().positive().default(6000),
  PROMPTS_DIR: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(400).default(20),
  CORS_ORIGINS: csv,
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(20),
  // Off by default: X-Forwarded-For is client-controlled unless a proxy we trust overwrites it.
  TRUST_PROXY: optionalString.refine((v) => v === undefined || !/^(true|yes|\*)$/i.test(v), {
    message:
      'trusting every proxy lets any client pick its own address; give a hop count (e.g. 1) or the proxy addresses/subnets',
  }),
  SSE_MAX_STREAMS_PER_CLIENT: z.coerce.number().int().positive().default(6),
  SSE_MAX_LIFETIME_SECONDS: z.coerce.number().int().positive().default(1800),
  CI: bool.optional(),
});

export type RawEnv = z.input<typeof schema>;
export type LlmProvider = 'openai' | 'anthropic' | 'google-genai' | 'ollama' | 'offline';

/** The chat model used when LLM_MODEL is unset, per provider. */
export const DEFAULT_MODELS: Record<LlmProvider, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-latest',
  'google-genai': 'gemini-2.0-flash',
  ollama: 'llama3.1',
  offline: 'extractive',
};

export interface Config {
  port: number;
  host: string;
  knowledgeDir: string;
  indexDir: string;
  redisUrl: string | undefined;
  openai: { apiKey: string | undefined; baseURL: string | undefined };
  llm: {
    provider: LlmProvider;
    model: string;
    timeoutMs: number;
    maxRetries: number;
    /** Tried in order after `model` fails (429/5xx/timeout/cut before the first token). */
    fallbackModels: string[];
    /** Extra entries for the cost table (LLM_PRICES: {"model": {"input": usd/1M, "output": usd/1M}}). */
    prices: Record<string, { input: number; output: number }>;
    /** After every model failed: the offline extractive answer, marked, instead of a handoff. */
    fallbackOffline: boolean;
  };
  /** Keys and API roots of the non-OpenAI providers (each optional; a fake or proxy sets the URL). */
  providers: {
    anthropic: { apiKey: string | undefined; baseURL: string | undefined };
    google: { apiKey: string | undefined; baseURL: string | undefined };
    ollama: { baseURL: string | undefined };
  };
  embeddings: {
    kind: 'local' | 'openai';
    model: string;
    dimensions: number | undefined;
    batchSize: number;
    maxRetries: number;
  };
  hnsw: { m: number; efConstruction: number; efSearch: number };
  ingest: { maxFileBytes: number };
  slack: {
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
    handoffChannel: string | undefined;
    adminUsers: string[];
    /** May tick "save as answer" in Slack, besides adminUsers. */
    answerEditors: string[];
    enabled: boolean;
    /** The weekly digest: SLACK_DIGEST_CHANNEL, else SLACK_HANDOFF_CHANNEL; undefined = no digest. */
    digest: { channel: string | undefined; schedule: string; timezone: string | undefined };
  };
  /** Knowledge gaps: cosine distance up to which questions are grouped (depends on the embedder). */
  gaps: { maxDistance: number };
  adminToken: string | undefined;
  /** Daily model budgets (unset = unlimited): past one, answers are extractive and say why. */
  budget: {
    tokensPerSpace?: number;
    tokensPerUser?: number;
    costPerSpaceUsd?: number;
    costPerUserUsd?: number;
  };
  /** knowledge/sources.json connectors: Notion credentials and whether `npm start` runs the cron schedules. */
  sources: { notionToken: string | undefined; notionBaseUrl: string | undefined; schedule: boolean };
  safety: {
    /** Folder of `*.txt` lists (default KNOWLEDGE_DIR/safety, never indexed as knowledge). */
    dir: string;
    onQuestion: 'refuse' | 'handoff';
    moderation: { url: string; apiKey: string | undefined; model: string | undefined } | null;
  };
  thresholds: { annotationMinScore: number; answerMinScore: number };
  handoff: {
    remindMinutes: number;
    /** Tickets one client (and one conversation) may open per minute through POST /api/handoffs. */
    createPerMinute: number;
    /** Most tickets the in-process store keeps (closed ones are evicted first, oldest first). */
    maxTickets: number;
  };
  memory: { maxTurns: number; ttlSeconds: number; tokenBudget: number };
  prompt: { tokenBudget: number; dir: string | undefined };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** V8 old-generation growth between full GCs, in % of the live heap (0 = V8's own choice). */
  heapGrowingPercent: number;
  corsOrigins: string[];
  rateLimitPerMinute: number;
  /** Express `trust proxy`: false (use the socket address), a hop count, or proxy addresses/subnets. */
  trustProxy: false | number | string[];
  /** Conversation event streams: open streams per client address, and their maximum lifetime. */
  sse: { maxStreamsPerClient: number; maxLifetimeMs: number };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new CopilotError('config:invalid', `Invalid configuration:\n${lines.join('\n')}`, {
      hint: 'Fix the variables above (see .env.example for every setting and its default).',
    });
  }
  const e = parsed.data;
  const provider = e.LLM_PROVIDER ?? (e.OPENAI_API_KEY || e.OPENAI_BASE_URL ? 'openai' : 'offline');
  if (e.EMBEDDINGS === 'openai' && !e.OPENAI_API_KEY && !e.OPENAI_BASE_URL) {
    throw new CopilotError('config:invalid', 'EMBEDDINGS=openai needs OPENAI_API_KEY or OPENAI_BASE_URL.', {
      hint: 'Set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server), or use EMBEDDINGS=local.',
    });
  }
  if (provider === 'openai' && !e.OPENAI_API_KEY && !e.OPENAI_BASE_URL) {
    throw new CopilotError('config:invalid', 'LLM_PROVIDER=openai needs OPENAI_API_KEY or OPENAI_BASE_URL.', {
      hint: 'Set OPENAI_API_KEY, or LLM_PROVIDER=offline for extractive answers without a model.',
    });
  }
  if (provider === 'anthropic' && !e.ANTHROPIC_API_KEY && !e.ANTHROPIC_BASE_URL) {
    throw new CopilotError('config:invalid', 'LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY.', {
      hint: 'Set ANTHROPIC_API_KEY (or ANTHROPIC_BASE_URL for a proxy), or choose another LLM_PROVIDER.',
    });
  }
  if (provider === 'google-genai' && !e.GOOGLE_API_KEY && !e.GOOGLE_BASE_URL) {
    throw new CopilotError('config:invalid', 'LLM_PROVIDER=google-genai needs GOOGLE_API_KEY.', {
      hint: 'Set GOOGLE_API_KEY (or GOOGLE_BASE_URL for a proxy), or choose another LLM_PROVIDER.',
    });
  }
  const slackPartial = Boolean(e.SLACK_BOT_TOKEN) !== Boolean(e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN);
  if (slackPartial) {
    throw new CopilotError(
      'config:invalid',
      'Slack needs SLACK_BOT_TOKEN together with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode).',
      { hint: 'Set both, or unset both to run without Slack.' },
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    knowledgeDir: path.resolve(e.KNOWLEDGE_DIR),
    indexDir: path.resolve(e.INDEX_DIR),
    redisUrl: e.REDIS_URL,
    openai: { apiKey: e.OPENAI_API_KEY, baseURL: e.OPENAI_BASE_URL },
    llm: {
      provider,
      model: e.LLM_MODEL ?? DEFAULT_MODELS[provider],
      timeoutMs: e.LLM_TIMEOUT_MS,
      maxRetries: e.LLM_MAX_RETRIES,
      fallbackModels: e.LLM_FALLBACK_MODELS,
      prices: parsePrices(e.LLM_PRICES),
      fallbackOffline: e.LLM_FALLBACK_OFFLINE,
    },
    providers: {
      anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseURL: e.ANTHROPIC_BASE_URL },
      google: { apiKey: e.GOOGLE_API_KEY, baseURL: e.GOOGLE_BASE_URL },
      ollama: { baseURL: e.OLLAMA_BASE_URL },
    },
    embeddings: {
      kind: e.EMBEDDINGS,
      model: e.EMBEDDING_MODEL,
      dimensions: e.EMBEDDING_DIMENSIONS,
      batchSize: e.EMBEDDING_BATCH_SIZE,
      maxRetries: e.EMBEDDING_MAX_RETRIES,
    },
    hnsw: { m: e.HNSW_M, efConstruction: e.HNSW_EF_CONSTRUCTION, efSearch: e.HNSW_EF_SEARCH },
    ingest: { maxFileBytes: e.MAX_FILE_BYTES },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
      handoffChannel: e.SLACK_HANDOFF_CHANNEL,
      adminUsers: e.SLACK_ADMIN_USERS,
      answerEditors: e.SLACK_ANSWER_EDITORS,
      enabled: Boolean(e.SLACK_BOT_TOKEN),
      digest: {
        channel: e.SLACK_DIGEST_CHANNEL ?? e.SLACK_HANDOFF_CHANNEL,
        schedule: e.DIGEST_SCHEDULE,
        timezone: e.DIGEST_TIMEZONE,
      },
    },
    // Paraphrases are far apart with the local hashing embedder, close with OpenAI's models.
    gaps: { maxDistance: e.GAPS_CLUSTER_DISTANCE ?? (e.EMBEDDINGS === 'local' ? 0.75 : 0.45) },
    adminToken: e.ADMIN_TOKEN,
    budget: {
      ...(e.BUDGET_DAILY_TOKENS_PER_SPACE ? { tokensPerSpace: e.BUDGET_DAILY_TOKENS_PER_SPACE } : {}),
      ...(e.BUDGET_DAILY_TOKENS_PER_USER ? { tokensPerUser: e.BUDGET_DAILY_TOKENS_PER_USER } : {}),
      ...(e.BUDGET_DAILY_COST_PER_SPACE_USD ? { costPerSpaceUsd: e.BUDGET_DAILY_COST_PER_SPACE_USD } : {}),
      ...(e.BUDGET_DAILY_COST_PER_USER_USD ? { costPerUserUsd: e.BUDGET_DAILY_COST_PER_USER_USD } : {}),
    },
    sources: { notionToken: e.NOTION_TOKEN, notionBaseUrl: e.NOTION_BASE_URL, schedule: e.SOURCES_SCHEDULE },
    safety: {
      dir: path.resolve(e.SAFETY_DIR ?? path.join(e.KNOWLEDGE_DIR, 'safety')),
      onQuestion: e.SAFETY_ON_QUESTION,
      moderation: e.SAFETY_MODERATION_URL
        ? {
            url: e.SAFETY_MODERATION_URL,
            apiKey: e.SAFETY_MODERATION_API_KEY,
            model: e.SAFETY_MODERATION_MODEL,
          }
        : null,
    },
    thresholds: { annotationMinScore: e.ANNOTATION_MIN_SCORE, answerMinScore: e.ANSWER_MIN_SCORE },
    handoff: {
      remindMinutes: e.HANDOFF_REMIND_MINUTES,
      createPerMinute: e.HANDOFF_CREATE_PER_MINUTE,
      maxTickets: e.HANDOFF_MAX_TICKETS,
    },
    memory: {
      maxTurns: e.MEMORY_MAX_TURNS,
      ttlSeconds: e.MEMORY_TTL_SECONDS,
      tokenBudget: e.MEMORY_TOKEN_BUDGET,
    },
    prompt: { tokenBudget: e.PROMPT_TOKEN_BUDGET, dir: e.PROMPTS_DIR },
    logLevel: e.LOG_LEVEL,
    heapGrowingPercent: e.HEAP_GROWING_PERCENT,
    corsOrigins: e.CORS_ORIGINS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    sse: {
      maxStreamsPerClient: e.SSE_MAX_STREAMS_PER_CLIENT,
      maxLifetimeMs: e.SSE_MAX_LIFETIME_SECONDS * 1000,
    },
  };
}

/** "1" → 1 hop; "loopback, 10.0.0.0/8" → those; unset or "false"/"0" → false. */
function parseTrustProxy(v: string | undefined): false | number | string[] {
  if (v === undefined || /^(false|no|0)$/i.test(v)) return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

const Prices = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }));

function parsePrices(raw: string | undefined): Record<string, { input: number; output: number }> {
  if (!raw) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new CopilotError('config:invalid', 'LLM_PRICES is not valid JSON.', {
      hint: 'Example: LLM_PRICES=\'{"qwen-plus": {"input": 0.4, "output": 1.2}}\' (USD per 1M tokens).',
    });
  }
  const parsed = Prices.safeParse(json);
  if (!parsed.success) {
    throw new CopilotError(
      'config:invalid',
      'LLM_PRICES must map model names to {input, output} in USD per 1M tokens.',
    );
  }
  return parsed.data;
}
