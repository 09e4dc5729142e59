import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createCopilot, DEFAULT_SETTINGS } from '../copilot/pipeline.js';
import type { ConversationStore } from '../domain/answers.js';
import type { CopilotEvent } from '../domain/copilot.js';
import type { AnswerGenerator } from '../domain/llm.js';
import { InProcessHandoffStore } from '../handoff/memory-store.js';
import { createOfflineGenerator } from '../llm/offline.js';
import {
  InProcessAnswerCache,
  InProcessAnswerStore,
  InProcessConversationStore,
} from '../memory/in-process.js';
import { RedisConversationStore } from '../memory/redis.js';
import { createRedisClient, redisReady } from '../memory/redis-client.js';
import { loadTemplates } from '../prompts/templates.js';
import { percentile, round } from '../retrieval/eval-metrics.js';
import type { LoadedIndex } from '../retrieval/index-reader.js';
import type { Embedder } from '../retrieval/types.js';

/**
 * Pipeline overhead before the first model token: memory load, condense, annotations, cache
 * lookup, retrieval, decision and prompt building — everything the copilot does before the model
 * can start. The generator here answers instantly, so what is measured is ours alone.
 */
export async function benchOverhead(opts: {
  index: LoadedIndex;
  embedder: Embedder;
  redisUrl?: string;
  questions: string[];
}): Promise<{ overhead_p50_ms: number; overhead_p99_ms: number; memory: string }> {
  const prefix = `copilot-bench:${randomUUID()}:`;
  const redis = opts.redisUrl ? createRedisClient(opts.redisUrl, undefined, { keyPrefix: prefix }) : null;
  if (redis) await redisReady(redis);
  const memory: ConversationStore = redis
    ? new RedisConversationStore({ redis, maxTurns: 20, ttlSeconds: 600 })
    : new InProcessConversationStore({ maxTurns: 20, ttlSeconds: 600 });
  const offline = createOfflineGenerator();
  // Answers at once: the overhead is measured up to the moment generation starts.
  const instant: AnswerGenerator = {
    id: 'bench-instant',
    model: 'bench',
    condense: offline.condense.bind(offline),
    generate: async (req, onToken) => {
      const text = `${req.passages[0]?.text.slice(0, 40) ?? 'ok'} [1]`;
      onToken(text);
      return { text };
    },
  };
  const copilot = createCopilot({
    index: { current: () => opts.index },
    embedder: opts.embedder,
    generator: instant,
    memory,
    answers: new InProcessAnswerStore(),
    cache: new InProcessAnswerCache(),
    handoffs: new InProcessHandoffStore(),
    templates: loadTemplates(),
    settings: { ...DEFAULT_SETTINGS, answerMinScore: 0, annotationMinScore: 0.8 },
    modes: {
      llm: 'bench',
      embeddings: opts.embedder.id,
      memory: redis ? 'redis' : 'in-process',
      slack: 'off',
    },
    logger: pino({ level: 'silent' }),
  });
  const overheads: number[] = [];
  try {
    for (const [i, question] of opts.questions.entries()) {
      // Every other question is a follow-up in a conversation with history, so condense runs too.
      const conversationKey = `bench:${Math.floor(i / 2)}`;
      const record = await copilot.ask(
        {
          message: i % 2 ? `and what about ${question}?` : question,
          conversationKey,
          conversationId: conversationKey,
          space: 'default',
        },
        (_e: CopilotEvent) => {},
      );
      if (record.timings.overheadMs !== undefined && i >= 5) overheads.push(record.timings.overheadMs);
    }
  } finally {
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys.map((k) => k.slice(prefix.length)));
      await redis.quit();
    }
  }
  return {
    overhead_p50_ms: round(percentile(overheads, 50), 2),
    overhead_p99_ms: round(percentile(overheads, 99), 2),
    memory: redis ? 'redis' : 'in-process',
  };
}
