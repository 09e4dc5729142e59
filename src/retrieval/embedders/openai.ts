import { OpenAIEmbeddings } from '@langchain/openai';
import { CopilotError } from '../../errors.js';
import type { Embedder } from '../types.js';

/**
 * Embeddings from any OpenAI-compatible server (OpenAI, Ollama, vLLM, DashScope…) through
 * LangChain's OpenAIEmbeddings. Retries and batching are LangChain's: `batchSize` texts per
 * request (at most 2 requests in flight), `maxRetries` with exponential backoff from ~1 s.
 *
 * The factory is async because the vector size must be known before the index is built
 * (meta.json, HNSW): configured EMBEDDING_DIMENSIONS, else a table of known OpenAI models,
 * else one probe request that embeds a short string and measures the answer.
 */
export interface OpenAIEmbedderOptions {
  apiKey?: string;
  baseURL?: string;
  model: string;
  /** Sent to the API as `dimensions` (text-embedding-3 can shorten vectors); omitted when unset. */
  dimensions?: number;
  batchSize: number;
  maxRetries: number;
  /** Per request; default 60 s so a hung server fails a reindex instead of stalling it. */
  timeoutMs?: number;
}

const KNOWN_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};
const DEFAULT_TIMEOUT_MS = 60_000;
const HINT = 'Check OPENAI_BASE_URL / OPENAI_API_KEY / EMBEDDING_MODEL.';
/** Placeholder key: compatible servers such as Ollama ignore it, but the OpenAI SDK insists on one. */
const NO_KEY = 'not-needed';

export function knownEmbeddingDimensions(model: string): number | undefined {
  return KNOWN_DIMENSIONS[model];
}

function redact(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey && apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
  // Providers echo partial keys ("Incorrect API key provided: sk-ab***yz"): hide those too.
  return withoutKey.replace(/\b(?:sk|pk|key)-[A-Za-z0-9_*.-]{4,}/g, '[redacted]');
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && name in value
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** "HTTP 429: Rate limit reached" / "Connection error. (ECONNREFUSED)": one line, no key. */
function shortReason(err: unknown, apiKey: string | undefined): string {
  const message = err instanceof Error ? err.message : String(err);
  let reason = (message.split('\n')[0] ?? '').trim().slice(0, 200) || 'unknown error';
  const status = field(err, 'status');
  if (typeof status === 'number' && !reason.startsWith(String(status))) reason = `HTTP ${status}: ${reason}`;
  else if (typeof status === 'number') reason = `HTTP ${reason}`;
  // Network failures hide the useful part (ECONNREFUSED, ENOTFOUND) a few causes down.
  for (let cause = field(err, 'cause'), depth = 0; cause !== undefined && depth < 4; depth++) {
    const code = field(cause, 'code');
    if (typeof code === 'string') {
      reason = `${reason} (${code})`;
      break;
    }
    cause = field(cause, 'cause');
  }
  return redact(reason, apiKey);
}

/** Translate once, at the port boundary: callers only ever see `embed:*` CopilotErrors. */
function translate(err: unknown, apiKey: string | undefined): CopilotError {
  if (err instanceof CopilotError) return err;
  const status = field(err, 'status');
  return new CopilotError('embed:failed', `The embedding service failed: ${shortReason(err, apiKey)}`, {
    cause: err,
    hint: HINT,
    status: status === 429 ? 503 : 502,
  });
}

export async function createOpenAIEmbedder(opts: OpenAIEmbedderOptions): Promise<Embedder> {
  if (!opts.apiKey && !opts.baseURL) {
    throw new CopilotError('config:invalid', 'OpenAI embeddings need OPENAI_API_KEY or OPENAI_BASE_URL.', {
      hint: 'Set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server), or use EMBEDDINGS=local.',
    });
  }
  const client = new OpenAIEmbeddings({
    apiKey: opts.apiKey ?? NO_KEY,
    model: opts.model,
    batchSize: opts.batchSize,
    maxRetries: opts.maxRetries,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(opts.dimensions === undefined ? {} : { dimensions: opts.dimensions }),
    ...(opts.baseURL === undefined ? {} : { configuration: { baseURL: opts.baseURL } }),
  });
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw translate(err, opts.apiKey);
    }
  };

  const dimensions =
    opts.dimensions ??
    knownEmbeddingDimensions(opts.model) ??
    (await guarded(() => client.embedQuery('dimension probe'))).length;
  const checked = (vec: number[]): number[] => {
    if (vec.length !== dimensions) {
      throw new CopilotError(
        'embed:dimension_mismatch',
        `The embedding model ${opts.model} returned ${vec.length} dimensions, expected ${dimensions}.`,
        { hint: 'Set EMBEDDING_DIMENSIONS to what the model returns (or unset it), then reindex.' },
      );
    }
    return vec;
  };

  return {
    id: `openai:${opts.model}:${dimensions}`,
    dimensions,
    async embedDocuments(texts) {
      if (texts.length === 0) return [];
      return (await guarded(() => client.embedDocuments(texts))).map(checked);
    },
    async embedQuery(text) {
      return checked(await guarded(() => client.embedQuery(text)));
    },
  };
}
