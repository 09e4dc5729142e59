import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type {
  AnswerCache,
  AnswerRecord,
  AnswerStore,
  CachedAnswer,
  ConversationStore,
  Feedback,
  Turn,
} from '../domain/answers.js';
import { CopilotError } from '../errors.js';

/**
 * Redis stores, shared by every replica. The composition root owns the connection
 * (see redis-client.ts for the fail-fast options); these classes never create or close a client.
 *
 * Key layout (after the client's keyPrefix, see redis-client.ts), all values JSON:
 *   mem:<conversation key>   list of turns, capped with LTRIM, TTL refreshed on append
 *   answer:<answer id>       hash {record, feedback}, TTL (default 30 days)
 *   feedback:recent|up|down  sorted sets of answer ids scored by feedback time, capped
 *   cache:<sha256 of key>    cached answer, SET … EX ttl
 *
 * Every Redis failure surfaces as CopilotError `memory:unavailable` with the cause kept; wrap the
 * conversation store and cache with resilient.ts so a Redis outage degrades instead of failing.
 */

export interface RedisStoreOptions {
  /** Keys are named without a namespace: the client's ioredis keyPrefix provides it. */
  redis: Redis;
}

async function guarded<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CopilotError) throw err;
    // The client's own text ("Stream isn't writeable…") stays in `cause` for the logs: this
    // message can reach a user (a 503 body), so it says what failed and nothing internal.
    throw new CopilotError('memory:unavailable', `Could not reach the conversation store (${op} failed).`, {
      cause: err,
      status: 503,
      hint: 'Memory is unavailable right now; please try again in a moment.',
    });
  }
}

/** MULTI replies carry per-command errors instead of rejecting; surface the first one. */
async function execOrThrow(multi: ChainableCommander): Promise<void> {
  const replies = await multi.exec();
  const failed = replies?.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

function parseOrNull<T>(json: string | null | undefined): T | null {
  if (json == null) return null;
  try {
    return JSON.parse(json) as T;
  } catch {
    return null; // a corrupted value is treated as missing rather than breaking the conversation
  }
}

export interface RedisConversationStoreOptions extends RedisStoreOptions {
  maxTurns: number;
  ttlSeconds: number;
}

export class RedisConversationStore implements ConversationStore {
  private readonly redis: Redis;

  constructor(private readonly opts: RedisConversationStoreOptions) {
    this.redis = opts.redis;
  }

  private key(conversation: string): string {
    return `mem:${conversation}`;
  }

  async append(conversation: string, turns: Turn[]): Promise<void> {
    if (turns.length === 0) return;
    const key = this.key(conversation);
    // One MULTI so the cap and the TTL are never missing, even if this replica dies midway.
    await guarded('memory append', () =>
      execOrThrow(
        this.redis
          .multi()
          .rpush(key, ...turns.map((t) => JSON.stringify(t)))
          .ltrim(key, -this.opts.maxTurns, -1)
          .expire(key, this.opts.ttlSeconds),
      ),
    );
  }

  async recent(conversation: string, limit: number): Promise<Turn[]> {
    if (limit <= 0) return [];
    const raw = await guarded('memory recent', () => this.redis.lrange(this.key(conversation), -limit, -1));
    return raw.map((r) => parseOrNull<Turn>(r)).filter((t): t is Turn => t !== null);
  }

  async clear(conversation: string): Promise<void> {
    await guarded('memory clear', () => this.redis.del(this.key(conversation)));
  }
}

export interface RedisAnswerStoreOptions extends RedisStoreOptions {
  /** How long answer records live (default 30 days). Named apart from the memory TTL on purpose. */
  answerTtlSeconds?: number;
  /** How many answers with feedback `recentFeedback` can see (default 1,000). */
  maxFeedback?: number;
}

type FeedbackEntry = { answerId: string; question: string } & Feedback;

// Atomic feedback: the record field is never rewritten (no JSON round trip through Lua, whose cjson
// would turn [] into {}), so concurrent feedbacks can only race on which one wins, never corrupt.
// Unknown or expired answers are not recreated. KEYS: answer, recent, this rating, other rating.
const SET_FEEDBACK_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'feedback', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
local cap = tonumber(ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -cap - 1)
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -cap - 1)
return redis.call('HGET', KEYS[1], 'record')
`;

export class RedisAnswerStore implements AnswerStore {
  private readonly redis: Redis;
  private readonly ttlSeconds: number;
  private readonly maxFeedback: number;

  constructor(opts: RedisAnswerStoreOptions) {
    this.redis = opts.redis;
    this.ttlSeconds = opts.answerTtlSeconds ?? 30 * 24 * 3600;
    this.maxFeedback = opts.maxFeedback ?? 1000;
  }

  private answerKey(id: string): string {
    return `answer:${id}`;
  }

  private feedbackKey(which: 'recent' | 'up' | 'down'): string {
    return `feedback:${which}`;
  }

  /** Saving again updates the record; feedback already given is kept unless the record carries its own. */
  async save(record: AnswerRecord): Promise<void> {
    const { feedback, ...rest } = record;
    const key = this.answerKey(record.id);
    const multi = this.redis.multi().hset(key, 'record', JSON.stringify(rest));
    if (feedback) multi.hset(key, 'feedback', JSON.stringify(feedback));
    await guarded('answer save', () => execOrThrow(multi.expire(key, this.ttlSeconds)));
  }

  async get(id: string): Promise<AnswerRecord | null> {
    const [record, feedback] = await guarded('answer get', () =>
      this.redis.hmget(this.answerKey(id), 'record', 'feedback'),
    );
    return merge(record, feedback);
  }

  async setFeedback(id: string, feedback: Feedback): Promise<AnswerRecord | null> {
    const other = feedback.rating === 'up' ? 'down' : 'up';
    const record = await guarded('answer feedback', async () => {
      const reply = await this.redis.eval(
        SET_FEEDBACK_LUA,
        4,
        this.answerKey(id),
        this.feedbackKey('recent'),
        this.feedbackKey(feedback.rating),
        this.feedbackKey(other),
        JSON.stringify(feedback),
        feedback.at,
        id,
        this.maxFeedback,
      );
      return typeof reply === 'string' ? reply : null;
    });
    const saved = parseOrNull<AnswerRecord>(record);
    return saved ? { ...saved, feedback: { ...feedback } } : null;
  }

  async recentFeedback(limit: number, rating?: 'up' | 'down'): Promise<FeedbackEntry[]> {
    if (limit <= 0) return [];
    return guarded('answer recent feedback', () => this.readFeedback(limit, rating));
  }

  private async readFeedback(limit: number, rating: 'up' | 'down' | undefined): Promise<FeedbackEntry[]> {
    const set = this.feedbackKey(rating ?? 'recent');
    const out: FeedbackEntry[] = [];
    let start = 0;
    while (out.length < limit) {
      const ids = await this.redis.zrevrange(set, start, start + limit - 1);
      if (ids.length === 0) break;
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hmget(this.answerKey(id), 'record', 'feedback');
      const replies = (await pipe.exec()) ?? [];
      const stale: string[] = [];
      for (const [i, answerId] of ids.entries()) {
        const [err, value] = replies[i] ?? [];
        if (err) throw err;
        const [recordJson, feedbackJson] = (value as Array<string | null> | undefined) ?? [];
        const record = merge(recordJson, feedbackJson);
        if (!record?.feedback) stale.push(answerId);
        else if (out.length < limit && (!rating || record.feedback.rating === rating)) {
          out.push({ answerId, question: record.question, ...record.feedback });
        }
      }
      // Answers that expired since their feedback: forget them so later reads stay short.
      if (stale.length > 0) await this.redis.zrem(set, ...stale);
      start += ids.length - stale.length;
    }
    return out;
  }
}

function merge(recordJson: string | null | undefined, feedbackJson: string | null | undefined) {
  const record = parseOrNull<AnswerRecord>(recordJson);
  if (!record) return null;
  const feedback = parseOrNull<Feedback>(feedbackJson);
  return feedback ? { ...record, feedback } : record;
}

export class RedisAnswerCache implements AnswerCache {
  private readonly redis: Redis;

  constructor(opts: RedisStoreOptions) {
    this.redis = opts.redis;
  }

  // Hashed: the key holds the whole question (any length, any script); the hash keeps keys short.
  private key(cacheKey: string): string {
    return `cache:${createHash('sha256').update(cacheKey).digest('hex')}`;
  }

  async get(cacheKey: string): Promise<CachedAnswer | null> {
    return parseOrNull<CachedAnswer>(await guarded('cache get', () => this.redis.get(this.key(cacheKey))));
  }

  async set(cacheKey: string, value: CachedAnswer, ttlSeconds: number): Promise<void> {
    const key = this.key(cacheKey);
    const ttl = Math.ceil(ttlSeconds);
    await guarded('cache set', async () => {
      // A non-positive TTL means "do not cache": drop any older entry instead of storing forever.
      if (ttl > 0) await this.redis.set(key, JSON.stringify(value), 'EX', ttl);
      else await this.redis.del(key);
    });
  }
}
