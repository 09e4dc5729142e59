import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { initChatModel } from 'langchain';
import type { Turn } from '../domain/answers.js';
import type { AnswerGenerator, ChatMessage, GenerateResult, Language } from '../domain/llm.js';
import { CopilotError } from '../errors.js';
import { buildCondensePrompt } from '../prompts/builder.js';
import { loadTemplates, type Templates } from '../prompts/templates.js';
import { isNoAnswer } from '../text/postprocess.js';
import {
  fetchWithIdleTimeout,
  GenerationError,
  IdleTimeoutError,
  streamCut,
  translateLLMError,
} from './openai-errors.js';

/** Providers reached through LangChain's provider packages (`initChatModel`). */
export const PROVIDERS = ['openai', 'anthropic', 'google-genai', 'ollama'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface ChatModelOptions {
  provider: Provider;
  model: string;
  apiKey?: string;
  /** The provider's API root (OpenAI-compatible servers, a proxy, or a local fake). */
  baseURL?: string;
  /** Per attempt: wait for headers, and the longest silence allowed while streaming. */
  timeoutMs: number;
  maxRetries: number;
  temperature?: number;
  /** For condense prompts; default: the built-in templates. */
  templates?: Templates;
  /** History budget of condense prompts; default 1200. */
  memoryTokenBudget?: number;
}

/** Constructor fields per provider: each package names its base URL, key and fetch differently. */
function providerFields(o: ChatModelOptions): Record<string, unknown> {
  const fetch = fetchWithIdleTimeout(o.timeoutMs);
  // Local and compatible servers often need no key, but the SDKs refuse to start without one.
  const apiKey = o.apiKey || 'not-needed';
  const common = { temperature: o.temperature, maxRetries: o.maxRetries };
  switch (o.provider) {
    case 'openai':
      return {
        ...common,
        apiKey,
        timeout: o.timeoutMs,
        streamUsage: true,
        configuration: { baseURL: o.baseURL, fetch },
      };
    case 'anthropic':
      return {
        ...common,
        apiKey,
        streamUsage: true,
        ...(o.baseURL ? { anthropicApiUrl: o.baseURL } : {}),
        clientOptions: { fetch, timeout: o.timeoutMs, maxRetries: 0 },
      };
    case 'google-genai':
      // @google/generative-ai uses the global fetch; the generic idle watchdog below covers it.
      return { ...common, apiKey, streamUsage: true, ...(o.baseURL ? { baseUrl: o.baseURL } : {}) };
    case 'ollama':
      // ollama's client has no timeout of its own: the wait for headers is bounded here.
      return {
        ...common,
        fetch: withHeaderTimeout(fetch, o.timeoutMs),
        ...(o.baseURL ? { baseUrl: o.baseURL } : {}),
      };
  }
}

/** Each attempt waits at most `ms` for response headers (then the idle timeout takes over). */
function withHeaderTimeout(inner: typeof fetch, ms: number): typeof fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new IdleTimeoutError(ms)), ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    try {
      return await inner(input, { ...init, signal });
    } finally {
      clearTimeout(timer);
    }
  };
}

/** A chunk's metadata says the model finished (each provider has its own key for it). */
function finishedIn(...metas: Array<Record<string, unknown> | undefined>): boolean {
  return metas.some(
    (m) => m && Boolean(m.finish_reason || m.stop_reason || m.finishReason || m.done_reason || m.done),
  );
}

const GOOGLE_STREAM_ERROR = '[GoogleGenerativeAI Error]: Error reading from the stream';

/**
 * @google/generative-ai also rejects the aggregated `response` promise, which LangChain never
 * reads, when the stream breaks: the same error already reached the stream consumer, so that one
 * rejection is dropped instead of crashing the process. Any other rejection is rethrown.
 */
let googleGuard = false;
function guardGoogleStreamRejections(): void {
  if (googleGuard) return;
  googleGuard = true;
  process.on('unhandledRejection', (reason) => {
    if (reason instanceof Error && reason.message.startsWith(GOOGLE_STREAM_ERROR)) return;
    throw reason;
  });
}

/**
 * The LLM answer generator over any LangChain chat model: streams tokens, sums usage chunks
 * (LangChain's usage chunks are additive), and translates provider errors into the four codes of
 * the port. Retries are LangChain's (`maxRetries`) and only cover the request up to its headers —
 * a stream that breaks is never retried here, because tokens may already be shown (the fallback
 * chain decides what to do before the first token).
 */
export function createChatModelGenerator(opts: ChatModelOptions): AnswerGenerator {
  const templates = opts.templates ?? loadTemplates();
  if (opts.provider === 'google-genai') guardGoogleStreamRejections();
  let model: Promise<BaseChatModel> | undefined;
  const chatModel = () => {
    model ??= initChatModel(opts.model, { modelProvider: opts.provider, ...providerFields(opts) }).then(
      (m) => m as unknown as BaseChatModel,
      (err: unknown) => {
        model = undefined;
        throw new CopilotError('config:invalid', `Could not start the ${opts.provider} model.`, {
          cause: err,
          hint: 'Check LLM_PROVIDER and LLM_MODEL.',
        });
      },
    );
    return model;
  };

  return {
    id: opts.provider,
    model: opts.model,
    async generate(req, onToken): Promise<GenerateResult> {
      let text = '';
      const usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      let sawUsage = false;
      let finished = false;
      // @google/generative-ai takes no fetch and no timeout: a watchdog bounds it instead (before
      // the first chunk it allows for LangChain's retries and their back-off). The other
      // providers' timeouts are per attempt, in their fetch (headers, then idle).
      const watchdog =
        opts.provider === 'google-genai'
          ? idleWatchdog(
              opts.timeoutMs,
              opts.timeoutMs * (opts.maxRetries + 1) + 4000 * opts.maxRetries,
              req.signal,
            )
          : null;
      try {
        const m = await chatModel();
        const signal = watchdog?.signal ?? req.signal;
        const stream = await m.stream(toLangChain(req.messages), signal ? { signal } : {});
        for await (const chunk of stream) {
          watchdog?.kick();
          const piece = chunk.text;
          if (piece) {
            text += piece;
            deliver(onToken, piece);
          }
          const u = chunk.usage_metadata;
          if (u) {
            sawUsage = true;
            usage.promptTokens += u.input_tokens ?? 0;
            usage.completionTokens += u.output_tokens ?? 0;
            usage.totalTokens += u.total_tokens ?? (u.input_tokens ?? 0) + (u.output_tokens ?? 0);
          }
          if (
            finishedIn(
              chunk.response_metadata as Record<string, unknown> | undefined,
              chunk.additional_kwargs as Record<string, unknown> | undefined,
            )
          )
            finished = true;
        }
      } catch (err) {
        if (err instanceof ConsumerError) throw err.cause;
        if (watchdog?.fired && !req.signal?.aborted) {
          throw new GenerationError('llm:timeout', 'The language model took too long to answer.', {
            cause: err,
            partialText: text,
            status: 504,
          });
        }
        throw translateLLMError(err, { signal: req.signal, partialText: text });
      } finally {
        watchdog?.stop();
      }
      // SDKs end quietly when the body ends early; no finish marker means it was cut.
      if (!finished) throw streamCut(new Error('stream ended without a finish marker'), text);
      return sawUsage ? { text, usage } : { text };
    },

    async condense(
      question: string,
      history: Turn[],
      language: Language,
      signal?: AbortSignal,
    ): Promise<string> {
      if (!history.some((t) => t.role === 'user')) return question;
      const { messages } = buildCondensePrompt({
        templates,
        question,
        language,
        history,
        memoryTokenBudget: opts.memoryTokenBudget ?? 1200,
      });
      try {
        const m = await chatModel();
        const reply = await m.invoke(toLangChain(messages), { signal });
        return cleanCondensed(reply.text, question);
      } catch (err) {
        throw translateLLMError(err, { signal });
      }
    },
  };
}

/**
 * Aborts when the first chunk has not come within `firstMs`, or nothing arrives for `ms` after a
 * chunk (reset by `kick`), or when the caller's signal aborts.
 */
function idleWatchdog(ms: number, firstMs: number, outer?: AbortSignal) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const state = {
    fired: false,
    signal: outer ? AbortSignal.any([outer, controller.signal]) : controller.signal,
    kick(wait = ms) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.fired = true;
        controller.abort();
      }, wait);
    },
    stop() {
      clearTimeout(timer);
    },
  };
  state.kick(firstMs);
  return state;
}

/** A throw from onToken is the caller's error, not the model's: pass it through untranslated. */
class ConsumerError extends Error {}

function deliver(onToken: (text: string) => void, piece: string): void {
  try {
    onToken(piece);
  } catch (err) {
    throw new ConsumerError('onToken failed', { cause: err });
  }
}

function toLangChain(messages: ChatMessage[]): BaseMessage[] {
  return messages.map((m) =>
    m.role === 'system'
      ? new SystemMessage(m.content)
      : m.role === 'assistant'
        ? new AIMessage(m.content)
        : new HumanMessage(m.content),
  );
}

/** Models add labels and quotes despite instructions; an empty or runaway reply falls back to the question. */
function cleanCondensed(reply: string, question: string): string {
  const line =
    reply
      .trim()
      .split('\n')[0]
      ?.replace(/^(standalone question|question|独立问题|问题)\s*[:：]\s*/i, '')
      .replace(/^["'“「]+|["'”」]+$/gu, '')
      .trim() ?? '';
  if (line === '' || isNoAnswer(line) || line.length > question.length * 4 + 200) return question;
  return line;
}
