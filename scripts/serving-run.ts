import { mulberry32, TOPICS } from '../src/bench/corpus.js';
import { benchOverhead } from '../src/bench/pipeline-bench.js';
import { benchLoad, benchSoak } from '../src/bench/serving.js';
import { createRedisClient, redisReady } from '../src/memory/redis-client.js';
import { createLocalEmbedder } from '../src/retrieval/embedders/local.js';
import { openIndex } from '../src/retrieval/index-reader.js';
import { startFakeOpenAI } from '../test/fakes/openai-server.js';

/**
 * The serving half of `npm run bench`, on an index the index half built: pipeline overhead before
 * the first model token (with Redis memory), a load run of concurrent SSE chats against a fake
 * streaming model, and a soak. Uses its own Redis database prefix and cleans it up.
 */
export async function runServingBench(opts: {
  knowledgeDir: string;
  indexDir: string;
  redisUrl?: string;
  hnsw: { efSearch: number };
  loadChats: number;
  soakConcurrency: number;
  soakSeconds: number;
  log: (msg: string) => void;
}): Promise<Record<string, unknown>> {
  // Questions in the corpus's own topic words, each one different so the cache cannot answer it.
  const rand = mulberry32(11);
  const question = (i: number) => {
    const words = (TOPICS[i % TOPICS.length] as string).split(' ');
    const picked = Array.from({ length: 7 }, () => words[Math.floor(rand() * words.length)]);
    return `what is the ${picked.join(' ')} policy, case ${i}?`;
  };
  opts.log(`pipeline overhead before the first token (${opts.redisUrl ? 'Redis' : 'in-process'} memory)`);
  const overhead = await measureOverhead(opts, question);

  if (opts.redisUrl) await cleanRedis(opts.redisUrl);
  const fake = await startFakeOpenAI({ tokenDelayMs: 5, keepRequests: 100 });
  fake.setReplier(
    () => 'This is a streamed answer from the fake model with a citation [1]. It has a few more words.',
  );
  const serving = {
    knowledgeDir: opts.knowledgeDir,
    indexDir: opts.indexDir,
    modelUrl: fake.url,
    question,
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
  };
  try {
    opts.log(`load: ${opts.loadChats} concurrent SSE chats against the fake streaming model`);
    const load = await benchLoad({ ...serving, chats: opts.loadChats });
    opts.log(`soak: ${opts.soakConcurrency} concurrent chats for ${opts.soakSeconds} s`);
    const soak = await benchSoak({
      ...serving,
      concurrency: opts.soakConcurrency,
      seconds: opts.soakSeconds,
    });
    const { memory, ...overheadKeys } = overhead;
    return { ...overheadKeys, overhead_memory: memory, ...load, ...soak };
  } finally {
    await fake.close();
    if (opts.redisUrl) await cleanRedis(opts.redisUrl);
  }
}

/**
 * The overhead run opens an index of its own; it is out of reach (and collectable) once this
 * returns, so the load and soak runs measure the server's memory, not the bench's.
 */
async function measureOverhead(
  opts: { indexDir: string; redisUrl?: string; hnsw: { efSearch: number } },
  question: (i: number) => string,
) {
  const embedder = createLocalEmbedder();
  const result = await benchOverhead({
    index: openIndex({ indexDir: opts.indexDir, embedder, hnsw: opts.hnsw }),
    embedder,
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    questions: Array.from({ length: 300 }, (_, i) => question(i)),
  });
  global.gc?.();
  return result;
}

/**
 * The bench writes thousands of conversations, answer records and tickets: it runs in a Redis
 * database of its own (scripts/bench.ts picks db 15) and empties it before and after.
 */
export async function cleanRedis(url: string): Promise<void> {
  const redis = createRedisClient(url);
  await redisReady(redis);
  try {
    await redis.flushdb();
  } finally {
    await redis.quit();
  }
}
