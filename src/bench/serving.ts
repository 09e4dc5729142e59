import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildApp } from '../app/build.js';
import { loadConfig } from '../config.js';
import { percentile, round } from '../retrieval/eval-metrics.js';
import { type ChatOutcome, sseChat } from './load.js';

/**
 * Serving benchmarks over real HTTP against the real app (buildApp, as main.ts), with the model
 * replaced by a fake OpenAI-compatible streaming server given by `modelUrl`:
 * - load: `chats` concurrent SSE chats, once;
 * - soak: `concurrency` chats in flight continuously for `seconds`, RSS before/after.
 * Overhead = time from request to the moment generation starts (the answer record's overheadMs).
 */
export interface ServingOptions {
  knowledgeDir: string;
  indexDir: string;
  redisUrl?: string;
  modelUrl: string;
  question: (i: number) => string;
  log?: (msg: string) => void;
}

async function start(opts: ServingOptions) {
  const config = loadConfig({
    KNOWLEDGE_DIR: opts.knowledgeDir,
    INDEX_DIR: opts.indexDir,
    REDIS_URL: opts.redisUrl,
    OPENAI_BASE_URL: opts.modelUrl,
    OPENAI_API_KEY: 'bench',
    LLM_MAX_RETRIES: '0',
    LOG_LEVEL: 'silent',
    // The bench is one client hammering on purpose: per-user limits would only measure themselves.
    RATE_LIMIT_PER_MINUTE: '100000000',
    // Every question goes to the (fake) model: the load is on the streaming path, not on escalations.
    ANSWER_MIN_SCORE: '0',
  });
  const app = await buildApp(config, pino({ level: 'silent' }));
  const server: Server = app.http.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const overheadOf = async (o: ChatOutcome) =>
    o.answerId ? ((await app.stores.answers.get(o.answerId))?.timings.overheadMs ?? null) : null;
  return {
    url,
    overheadOf,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
    },
  };
}

async function overheads(
  outcomes: ChatOutcome[],
  of: (o: ChatOutcome) => Promise<number | null>,
): Promise<number[]> {
  const values = await Promise.all(outcomes.filter((o) => o.ok).map(of));
  return values.filter((v): v is number => v !== null);
}

export async function benchLoad(opts: ServingOptions & { chats: number }) {
  const s = await start(opts);
  try {
    // Warm up (JIT, connections, first index touches) before measuring.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => sseChat(s.url, { message: opts.question(1_000_000 + i) })),
    );
    const outcomes = await Promise.all(
      Array.from({ length: opts.chats }, (_, i) =>
        sseChat(s.url, { message: opts.question(i), conversationId: `load-${i}` }),
      ),
    );
    const ov = await overheads(outcomes, s.overheadOf);
    return {
      load_chats: opts.chats,
      load_errors: outcomes.filter((o) => !o.ok).length,
      load_overhead_p50_ms: round(percentile(ov, 50), 2),
      load_overhead_p99_ms: round(percentile(ov, 99), 2),
      load_chat_p99_ms: round(
        percentile(
          outcomes.map((o) => o.ms),
          99,
        ),
        1,
      ),
      load_error_samples: outcomes
        .filter((o) => !o.ok)
        .slice(0, 3)
        .map((o) => o.error),
    };
  } finally {
    await s.close();
  }
}

export async function benchSoak(opts: ServingOptions & { concurrency: number; seconds: number }) {
  const s = await start(opts);
  try {
    // `concurrency` workers, each asking one question after another until `until`.
    const run = async (until: number, first: number, record?: ChatOutcome[]) => {
      let next = first;
      const worker = async (w: number) => {
        while (Date.now() < until) {
          const i = next++;
          const outcome = await sseChat(s.url, {
            message: opts.question(i),
            conversationId: `soak-${w}-${i % 5}`,
          });
          record?.push(outcome);
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
    };
    // Warm-up at the soak's own concurrency: the heap and the sockets grow to what 200 chats in
    // flight need before the start is measured, so the growth reported is what the soak adds.
    await run(Date.now() + Math.min(15, Math.max(5, opts.seconds / 4)) * 1000, 2_000_000);
    global.gc?.();
    const start = process.memoryUsage();
    const rssStart = start.rss;
    const outcomes: ChatOutcome[] = [];
    await run(Date.now() + opts.seconds * 1000, 0, outcomes);
    global.gc?.();
    const end = process.memoryUsage();
    const rssEnd = end.rss;
    // Overheads of a sample (fetching every record would itself load the system).
    const sample = outcomes.filter((_, i) => i % Math.max(1, Math.floor(outcomes.length / 2000)) === 0);
    const ov = await overheads(sample, s.overheadOf);
    return {
      soak_seconds: opts.seconds,
      soak_concurrency: opts.concurrency,
      soak_chats: outcomes.length,
      soak_errors: outcomes.filter((o) => !o.ok).length,
      soak_rss_start_mb: Math.round(rssStart / 1e6),
      soak_rss_end_mb: Math.round(rssEnd / 1e6),
      soak_rss_growth_pct: round(((rssEnd - rssStart) / rssStart) * 100, 1),
      // Where growth would be: the JS heap (a leak in our code) or outside it (native, allocator).
      soak_heap_start_mb: Math.round(start.heapUsed / 1e6),
      soak_heap_end_mb: Math.round(end.heapUsed / 1e6),
      soak_external_start_mb: Math.round(start.external / 1e6),
      soak_external_end_mb: Math.round(end.external / 1e6),
      soak_overhead_p99_ms: round(percentile(ov, 99), 2),
      soak_error_samples: outcomes
        .filter((o) => !o.ok)
        .slice(0, 3)
        .map((o) => o.error),
    };
  } finally {
    await s.close();
  }
}
