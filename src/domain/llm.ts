import type { SourceRef, Turn, Usage } from './answers.js';

export type Language = 'en' | 'zh';

/** A passage as given to a generator: numbered, already within the token budget. */
export interface PromptPassage {
  n: number;
  title: string;
  source: string;
  text: string;
}

export interface GenerateRequest {
  question: string;
  language: Language;
  passages: PromptPassage[];
  history: Turn[];
  /** The prompt messages built from templates (used by LLM generators; the offline one ignores them). */
  messages: ChatMessage[];
  signal?: AbortSignal;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateResult {
  text: string;
  usage?: Omit<Usage, 'costUsd'>;
  /** The model that answered, when a fallback chain may have picked another than `model`. */
  model?: string;
}

/**
 * Answer generator port: `openai` (ChatOpenAI, streaming) and `offline` (extractive).
 * `onToken` is called with each piece of text as it is produced; the result holds the whole text.
 * Errors are thrown as CopilotError with codes `llm:timeout`, `llm:rate_limited`, `llm:failed`,
 * `llm:stream_cut`.
 */
export interface AnswerGenerator {
  readonly id: string;
  readonly model: string;
  generate(req: GenerateRequest, onToken: (text: string) => void): Promise<GenerateResult>;
  /** Rewrite a follow-up into a standalone question using the history. */
  condense(question: string, history: Turn[], language: Language, signal?: AbortSignal): Promise<string>;
}

export type { SourceRef };
