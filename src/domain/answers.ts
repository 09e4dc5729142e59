/** Ports for conversation state. Each has a Redis and an in-process implementation. */

export interface Turn {
  role: 'user' | 'assistant' | 'human';
  text: string;
  /** epoch ms */
  at: number;
  answerId?: string;
}

/**
 * Conversation memory. Key per conversation: Slack `team:channel:thread_ts`, web `web:<id>`.
 * A capped list with a TTL.
 */
export interface ConversationStore {
  append(key: string, turns: Turn[]): Promise<void>;
  /** The most recent `limit` turns, oldest first. */
  recent(key: string, limit: number): Promise<Turn[]>;
  clear(key: string): Promise<void>;
}

export interface SourceRef {
  /** 1-based citation number as used in the answer text: [n]. */
  n: number;
  source: string;
  title: string;
  space: string;
  chunkId: string;
  headingPath?: string[];
  page?: number;
  /** The original page (front matter `url`, e.g. a synced website or Notion page): the citation links there. */
  url?: string;
  snippet: string;
  /** The document's date (ISO): front matter `updated`/`date`, else the file mtime at index time. */
  updatedAt?: string;
}

export type Decision = 'answer' | 'clarify' | 'escalate';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

export interface AnswerRecord {
  id: string;
  conversationKey: string;
  space: string;
  user?: string;
  question: string;
  standaloneQuestion: string;
  answer: string;
  decision: Decision;
  /** answered from: model, offline extractor, cache, annotation (human-saved answer) */
  via: 'llm' | 'offline' | 'cache' | 'annotation' | 'none';
  complete: boolean;
  sources: SourceRef[];
  indexVersion: string;
  timings: { totalMs: number; firstTokenMs?: number; retrievalMs?: number; overheadMs?: number };
  usage?: Usage;
  /** Best retrieval similarity (0..1) when retrieval ran. */
  retrievalTopScore?: number;
  createdAt: number;
  escalationReason?: string;
  feedback?: Feedback;
}

export interface Feedback {
  rating: 'up' | 'down';
  reason?: string;
  user?: string;
  at: number;
}

/** Answer records, needed by feedback, handoff and App Home. */
export interface AnswerStore {
  save(record: AnswerRecord): Promise<void>;
  get(id: string): Promise<AnswerRecord | null>;
  /** Returns the updated record, or null when the answer id is unknown. */
  setFeedback(id: string, feedback: Feedback): Promise<AnswerRecord | null>;
  /** Most recent feedback entries (newest first), e.g. recent 👎 with reasons for App Home. */
  recentFeedback(
    limit: number,
    rating?: 'up' | 'down',
  ): Promise<Array<{ answerId: string; question: string } & Feedback>>;
}

/** Answer cache (key: space, index version, normalized question). */
export interface AnswerCache {
  get(key: string): Promise<CachedAnswer | null>;
  set(key: string, value: CachedAnswer, ttlSeconds: number): Promise<void>;
}

export interface CachedAnswer {
  answer: string;
  sources: SourceRef[];
  decision: Decision;
  answerId: string;
}
