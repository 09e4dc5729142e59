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
}

export class InProcessConversationStore implements ConversationStore {
  private readonly conversations = new Map<string, { turns: Turn[]; expiresAt: number }>();
  private readonly now: Clock;
  private appendsSinceSweep = 0;

  constructor(private readonly opts: InProcessConversationOptions) {
    this.now = opts.now ?? Date.now;
  }

  async append(key: string, turns: Turn[]): Promise<void> {
    if (turns.length === 0) return;
    const kept = this.live(key)?.turns ?? [];
    kept.push(...turns.map((t) => structuredClone(t)));
    // Like Redis EXPIRE on every append: the TTL counts from the last activity.
    this.conversations.set(key, {
      turns: kept.slice(-this.opts.maxTurns),
      expiresAt: this.now() + this.opts.ttlSeconds * 1000,
    });
    if (++this.appendsSinceSweep >= 1000) this.sweep();
  }

  async recent(key: string, limit: number): Promise<Turn[]> {
    if (limit <= 0) return [];
    return (this.live(key)?.turns ?? []).slice(-limit).map((t) => structuredClone(t));
  }

  async clear(key: string): Promise<void> {
    this.conversations.delete(key);
  }

  private live(key: string) {
    const entry = this.conversations.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.conversations.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Conversations nobody reads again would otherwise stay forever; drop the expired ones now and then. */
  private sweep(): void {
    this.appendsSinceSweep = 0;
    const now = this.now();
    for (const [key, entry] of this.conversations) if (entry.expiresAt <= now) this.conversations.delete(key);
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
  private readonly entries = new Map<string, { value: CachedAnswer; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly now: Clock;

  constructor(opts: InProcessAnswerCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  async get(key: string): Promise<CachedAnswer | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return null;
    this.entries.set(key, entry); // re-insert: most recently used goes to the end
    return structuredClone(entry.value);
  }

  async set(key: string, value: CachedAnswer, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    if (ttlSeconds <= 0) return;
    this.entries.set(key, { value: structuredClone(value), expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      const lru = this.entries.keys().next().value;
      if (lru === undefined) break;
      this.entries.delete(lru);
    }
  }
}
