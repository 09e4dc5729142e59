import { LRUCache } from 'lru-cache';
import type {
  AnswerCache,
  AnswerRecord,
  AnswerStore,
  CachedAnswer,
  ConversationStore,
  Feedback,
  Turn,
} from '../domain/answers.js';

/**
 * In-process stores: the embedded default when REDIS_URL is unset (one replica, lost on restart).
 * Every map is bounded so a long-running bot cannot grow without limit, and values are cloned in
 * and out so callers can never mutate what is stored (the Redis stores behave the same by nature).
 */

type Clock = () => number;

export interface InProcessConversationOptions {
  maxTurns: number;
  ttlSeconds: number;
  /** epoch ms; injectable so TTL can be tested without waiting */
  now?: Clock;
  /** Least recently active conversations are forgotten beyond this many (default 50,000). */
  maxConversations?: number;
}

export class InProcessConversationStore implements ConversationStore {
  private readonly conversations: LRUCache<string, Turn[]>;

  constructor(private readonly opts: InProcessConversationOptions) {
    this.conversations = new LRUCache({
      max: opts.maxConversations ?? 50_000,
      ttl: opts.ttlSeconds * 1000,
      ttlResolution: 0,
      perf: opts.now && { now: opts.now },
    });
  }

  async append(key: string, turns: Turn[]): Promise<void> {
    if (turns.length === 0) return;
    const kept = [...(this.conversations.get(key) ?? []), ...turns.map((t) => structuredClone(t))];
    // Like Redis EXPIRE on every append: set() restarts the TTL, counted from the last activity.
    this.conversations.set(key, kept.slice(-this.opts.maxTurns));
  }

  async recent(key: string, limit: number): Promise<Turn[]> {
    if (limit <= 0) return [];
    return (this.conversations.get(key) ?? []).slice(-limit).map((t) => structuredClone(t));
  }

  async clear(key: string): Promise<void> {
    this.conversations.delete(key);
  }
}

export interface InProcessAnswerStoreOptions {
  /** Oldest records are dropped beyond this many (default 10,000). */
  maxRecords?: number;
}

/** How many answers with feedback are remembered for `recentFeedback`. */
const FEEDBACK_LOG_CAP = 1000;

export class InProcessAnswerStore implements AnswerStore {
  // Map iteration order is insertion order, so the first key is always the oldest record.
  private readonly records = new Map<string, AnswerRecord>();
  // answer ids that received feedback; one entry per answer (its latest feedback wins)
  private readonly feedbackLog = new Set<string>();
  private readonly maxRecords: number;

  constructor(opts: InProcessAnswerStoreOptions = {}) {
    this.maxRecords = opts.maxRecords ?? 10_000;
  }

  /** Saving again updates the record; feedback already given is kept unless the record carries its own. */
  async save(record: AnswerRecord): Promise<void> {
    const previous = this.records.get(record.id);
    const copy = structuredClone(record);
    if (!copy.feedback && previous?.feedback) copy.feedback = previous.feedback;
    this.records.set(record.id, copy);
    while (this.records.size > this.maxRecords) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
      this.feedbackLog.delete(oldest);
    }
  }

  async get(id: string): Promise<AnswerRecord | null> {
    const record = this.records.get(id);
    return record ? structuredClone(record) : null;
  }

  async setFeedback(id: string, feedback: Feedback): Promise<AnswerRecord | null> {
    const record = this.records.get(id);
    if (!record) return null;
    record.feedback = structuredClone(feedback);
    this.feedbackLog.delete(id);
    this.feedbackLog.add(id);
    if (this.feedbackLog.size > FEEDBACK_LOG_CAP) {
      const oldest = this.feedbackLog.values().next().value;
      if (oldest !== undefined) this.feedbackLog.delete(oldest);
    }
    return structuredClone(record);
  }

  async recentFeedback(
    limit: number,
    rating?: 'up' | 'down',
  ): Promise<Array<{ answerId: string; question: string } & Feedback>> {
    const out: Array<{ answerId: string; question: string } & Feedback> = [];
    for (const id of this.feedbackLog) {
      const record = this.records.get(id);
      if (!record?.feedback || (rating && record.feedback.rating !== rating)) continue;
      out.push({ answerId: id, question: record.question, ...structuredClone(record.feedback) });
    }
    // Ordered by the feedback time (as the Redis store does), newest first.
    return out.sort((a, b) => b.at - a.at).slice(0, Math.max(0, limit));
  }
}

export interface InProcessAnswerCacheOptions {
  /** Least recently used entries are dropped beyond this many (default 1,000). */
  maxEntries?: number;
  /** epoch ms; injectable so TTL can be tested without waiting */
  now?: Clock;
}

export class InProcessAnswerCache implements AnswerCache {
  private readonly entries: LRUCache<string, CachedAnswer>;

  constructor(opts: InProcessAnswerCacheOptions = {}) {
    this.entries = new LRUCache({
      max: opts.maxEntries ?? 1000,
      ttlResolution: 0,
      perf: opts.now && { now: opts.now },
    });
  }

  async get(key: string): Promise<CachedAnswer | null> {
    const value = this.entries.get(key); // a hit becomes the most recently used
    return value === undefined ? null : structuredClone(value);
  }

  async set(key: string, value: CachedAnswer, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    if (ttlSeconds <= 0) return;
    this.entries.set(key, structuredClone(value), { ttl: ttlSeconds * 1000 });
  }
}
