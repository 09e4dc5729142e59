import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { CopilotError } from '../errors.js';
import type { Turn } from '../memory/types.js';
import { buildCondensePrompt } from '../prompts/builder.js';
import { loadTemplates, type Templates } from '../prompts/templates.js';
import { fetchWithIdleTimeout, streamCut, translateLLMError } from './openai-errors.js';
import { isNoAnswer } from './postprocess.js';
import type { AnswerGenerator, ChatMessage, GenerateResult, Language } from './types.js';

export interface OpenAIGeneratorOptions {
  apiKey?: string;
  /** Any OpenAI-compatible server (OpenAI, Ollama, vLLM, DashScope, the test fake). */
  baseURL?: string;
  model: string;
  /** Per attempt: wait for headers, and the longest silence allowed while streaming. */
  timeoutMs: number;
  maxRetries: number;
  temperature?: number;
  /** For condense prompts; default: the built-in templates. */
  templates?: Templates;
  /** History budget of condense prompts; default 1200. */
  memoryTokenBudget?: number;
}

/**
 * The LLM answer generator: ChatOpenAI (Chat Completions) streaming over SSE. Usage arrives on
 * the last chunk (`streamUsage` → `stream_options.include_usage`); retries are LangChain's
 * (AsyncCaller, `maxRetries`; the SDK's own retries are off), and only cover the request up to
 * its headers — a stream that breaks is never retried, because tokens may already be shown.
 */
export function createOpenAIGenerator(opts: OpenAIGeneratorOptions): AnswerGenerator {
  if (!opts.apiKey && !opts.baseURL) {
    throw new CopilotError(
      'config:invalid',
      'The openai generator needs OPENAI_API_KEY or OPENAI_BASE_URL.',
      {
        hint: 'Set one of them, or LLM_PROVIDER=offline.',
      },
    );
  }
  const templates = opts.templates ?? loadTemplates();
  const model = new ChatOpenAI({
    model: opts.model,
    // Compatible servers often need no key, but the SDK refuses to start without one.
    apiKey: opts.apiKey ?? 'not-needed',
    temperature: opts.temperature,
    maxRetries: opts.maxRetries,
    timeout: opts.timeoutMs,
    streamUsage: true,
    configuration: { baseURL: opts.baseURL, fetch: fetchWithIdleTimeout(opts.timeoutMs) },
  });

  return {
    id: 'openai',
    model: opts.model,
    async generate(req, onToken): Promise<GenerateResult> {
      let text = '';
      let usage: GenerateResult['usage'];
      let finished = false;
      try {
        const stream = await model.stream(toLangChain(req.messages), { signal: req.signal });
        for await (const chunk of stream) {
          const piece = chunk.text;
          if (piece) {
            text += piece;
            deliver(onToken, piece);
          }
          const u = chunk.usage_metadata;
          if (u)
            usage = {
              promptTokens: u.input_tokens,
              completionTokens: u.output_tokens,
              totalTokens: u.total_tokens,
            };
          if (chunk.response_metadata?.finish_reason) finished = true;
        }
      } catch (err) {
        if (err instanceof ConsumerError) throw err.cause;
        throw translateLLMError(err, { signal: req.signal, partialText: text });
      }
      // The SDK ends quietly when the body ends without [DONE]; no finish_reason means it was cut.
      if (!finished) throw streamCut(new Error('stream ended without finish_reason'), text);
      return { text, usage };
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
        const reply = await model.invoke(toLangChain(messages), { signal });
        return cleanCondensed(reply.text, question);
      } catch (err) {
        throw translateLLMError(err, { signal });
      }
    },
  };
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
