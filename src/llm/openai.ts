import type { AnswerGenerator } from '../domain/llm.js';
import { CopilotError } from '../errors.js';
import type { Templates } from '../prompts/templates.js';
import { createChatModelGenerator } from './chat-model.js';

export interface OpenAIGeneratorOptions {
  apiKey?: string;
  /** Any OpenAI-compatible server (OpenAI, vLLM, DashScope, DeepSeek, the test fake). */
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
 * The OpenAI (and OpenAI-compatible) generator: ChatOpenAI through `initChatModel`, streaming
 * Chat Completions over SSE with usage on the last chunk (`streamUsage`).
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
  return createChatModelGenerator({ provider: 'openai', ...opts });
}
