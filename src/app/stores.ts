import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { AnswerCache, AnswerStore, ConversationStore } from '../domain/answers.js';
import type { HandoffStore } from '../domain/handoff.js';
import { InProcessHandoffStore } from '../handoff/memory-store.js';
import { RedisHandoffStore } from '../handoff/redis-store.js';
import { InProcessInsightsStore } from '../insights/memory-store.js';
import { withInsights } from '../insights/recorder.js';
import { RedisInsightsStore } from '../insights/redis-store.js';
import type { InsightsStore } from '../insights/types.js';
import type { Logger } from '../logger.js';
import {
  InProcessAnswerCache,
  InProcessAnswerStore,
  InProcessConversationStore,
} from '../memory/in-process.js';
import { RedisAnswerCache, RedisAnswerStore, RedisConversationStore } from '../memory/redis.js';
import { createRedisClient, redisReady } from '../memory/redis-client.js';
import { resilientAnswerCache, resilientConversationStore } from '../memory/resilient.js';

export interface Stores {
  mode: 'redis' | 'in-process';
  redis: Redis | null;
  memory: ConversationStore;
  /** Answer records; saves and feedback also update `insights`. */
  answers: AnswerStore;
  /** Time-bucketed counters and the time index of answer records (console insights). */
  insights: InsightsStore;
  cache: AnswerCache;
  handoffs: HandoffStore;
  /** Called with each degraded operation (Redis down): the metrics module counts them. */
  onDegraded: Set<(op: string) => void>;
  close(): Promise<void>;
}

/**
 * Shared state: Redis when REDIS_URL is set, in-process otherwise. Memory and cache degrade
 * (answer without memory) when Redis is down; answer records and handoffs report errors.
 */
export async function createStores(config: Config, logger: Logger): Promise<Stores> {
  const onDegraded = new Set<(op: string) => void>();
  const degraded = (err: unknown, op: string) => {
    logger.warn(
      { op, err: (err as Error)?.message, cause: ((err as Error)?.cause as Error | undefined)?.message },
      'Redis unavailable: continuing without it for this operation',
    );
    for (const fn of onDegraded) fn(op);
  };
  if (!config.redisUrl) {
    const insights = new InProcessInsightsStore();
    return {
      mode: 'in-process',
      redis: null,
      memory: new InProcessConversationStore({
        maxTurns: config.memory.maxTurns,
        ttlSeconds: config.memory.ttlSeconds,
      }),
      answers: withInsights(new InProcessAnswerStore(), insights, logger),
      insights,
      cache: new InProcessAnswerCache(),
      handoffs: new InProcessHandoffStore({ maxTickets: config.handoff.maxTickets }),
      onDegraded,
      close: async () => {},
    };
  }
  let lastLog = 0;
  const redis = createRedisClient(config.redisUrl, (err) => {
    // ioredis reports every failed reconnect; one line every 30 s is enough for the on-call.
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      logger.warn({ err: err.message }, 'Redis connection error (retrying in the background)');
    }
  });
  await redisReady(redis).catch((err: unknown) => {
    logger.warn(
      { err: (err as Error).message },
      'Redis is not reachable yet: starting degraded, it will reconnect',
    );
  });
  const insights = new RedisInsightsStore({ redis });
  return {
    mode: 'redis',
    redis,
    memory: resilientConversationStore(
      new RedisConversationStore({
        redis,
        maxTurns: config.memory.maxTurns,
        ttlSeconds: config.memory.ttlSeconds,
      }),
      { onError: degraded },
    ),
    answers: withInsights(new RedisAnswerStore({ redis }), insights, logger),
    insights,
    cache: resilientAnswerCache(new RedisAnswerCache({ redis }), { onError: degraded }),
    handoffs: new RedisHandoffStore({ redis }),
    onDegraded,
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
