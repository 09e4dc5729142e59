import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { percentile, round } from '../retrieval/eval-metrics.js';
import { type ChatOutcome, sseChat } from './load.js';

/**
 * Serving benchmarks over real HTTP against the real app (buildApp, as main.ts), with the model
 * replaced by a fake OpenAI-compatible streaming server given by `modelUrl`:
 * - load: `chats` concurrent SSE chats, once;
 * - soak: `concurrency` chats in flight continuously for `seconds`, RSS before/after.
 * The server runs in a child process (serving-server.ts), so its memory is its own: the load
 * generator's sockets and the fake model live in this one.
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

interface Reply {
  type: string;
  id?: number;
  url?: string;
  usage?: NodeJS.MemoryUsage;
  values?: Array<number | null>;
}

let nextId = 1;

/** One request to the bench server and its reply (matched by id; `ready` has none). */
function ask(
  child: ChildProcess,
  msg: { type: string } & Record<string, unknown>,
  reply = msg.type,
): Promise<Reply> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const onMessage = (m: Reply) => {
      if (m.type !== reply || (m.id !== undefined && m.id !== id)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`bench server exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (msg.type !== 'ready') child.send({ ...msg, id });
  });
}

async function start(opts: ServingOptions) {
  const serverOpts = {
    knowledgeDir: opts.knowledgeDir,
    indexDir: opts.indexDir,
    modelUrl: opts.modelUrl,
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
  };
  const child = fork(path.join(import.meta.dirname, 'serving-server.ts'), [JSON.stringify(serverOpts)], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { url } = await ask(child, { type: 'ready' });
  return {
    url: url as string,
    memory: async (gc = true) => (await ask(child, { type: 'memory', gc })).usage as NodeJS.MemoryUsage,
    overheads: async (outcomes: ChatOutcome[]): Promise<number[]> => {
      const ids = outcomes.filter((o) => o.ok && o.answerId).map((o) => o.answerId as string);
      const { values } = await ask(child, { type: 'overheads', ids });
      return (values ?? []).filter((v): v is number => v !== null);
    },
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

/** The first few errors, so a failed run says what went wrong. */
const errorSamples = (outcomes: ChatOutcome[]) =>
  outcomes
    .filter((o) => !o.ok)
    .slice(0, 3)
    .map((o) => o.error);

export async function benchLoad(opts: ServingOptions & { chats: number }) {
  const s = await start(opts);
  try {
    // Warm up (JIT, connections, first index touches) before measuring.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => sseChat(s.url, { message: opts.question(1_000_000 + i) })),
    );
    const outcomes = await Promise.all(
      Array.from({ length: opts.chats }, (_, i) =>
        sseChat(s.url, { message: opts.question(i), conversationId: `load-${i}-bench-conversation-id` }),
      ),
    );
    const ov = await s.overheads(outcomes);
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
      load_error_samples: errorSamples(outcomes),
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
            conversationId: `soak-${w}-${i % 5}-bench-conversation-id`,
          });
          record?.push(outcome);
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
    };
    // Warm-up at the soak's own concurrency until the heap is at its working size: with a large
    // index in memory (~0.9 GB of live JS heap at 100k chunks), V8 lets the old generation grow to
    // well above the live size between full collections, and keeps those pages afterwards. That
    // takes a few full-GC cycles under load (~20–30 s here); measured from an idle start, the
    // soak would report that sizing as growth. The warm-up's own growth is reported beside it.
    const beforeWarmup = await s.memory();
    const warmupSeconds = Math.min(30, Math.max(5, opts.seconds / 2));
    await run(Date.now() + warmupSeconds * 1000, 2_000_000);
    const start = await s.memory();
    const rssStart = start.rss;
    const outcomes: ChatOutcome[] = [];
    // RSS through the soak (no GC forced), to tell a plateau from steady growth.
    const samples: number[] = [];
    const sampler = setInterval(() => {
      s.memory(false).then(
        (m) => samples.push(Math.round(m.rss / 1e6)),
        () => {},
      );
    }, 10_000);
    await run(Date.now() + opts.seconds * 1000, 0, outcomes);
    clearInterval(sampler);
    const end = await s.memory();
    const rssEnd = end.rss;
    // Overheads of a sample (fetching every record would itself load the system).
    const sample = outcomes.filter((_, i) => i % Math.max(1, Math.floor(outcomes.length / 2000)) === 0);
    const ov = await s.overheads(sample);
    return {
      soak_seconds: opts.seconds,
      soak_concurrency: opts.concurrency,
      soak_chats: outcomes.length,
      soak_errors: outcomes.filter((o) => !o.ok).length,
      soak_warmup_seconds: warmupSeconds,
      soak_rss_before_warmup_mb: Math.round(beforeWarmup.rss / 1e6),
      soak_rss_start_mb: Math.round(rssStart / 1e6),
      soak_rss_end_mb: Math.round(rssEnd / 1e6),
      soak_rss_growth_pct: round(((rssEnd - rssStart) / rssStart) * 100, 1),
      soak_rss_samples_mb: samples,
      // Where growth would be: the JS heap (a leak in our code) or outside it (native, allocator).
      soak_heap_start_mb: Math.round(start.heapUsed / 1e6),
      soak_heap_end_mb: Math.round(end.heapUsed / 1e6),
      soak_heap_total_start_mb: Math.round(start.heapTotal / 1e6),
      soak_heap_total_end_mb: Math.round(end.heapTotal / 1e6),
      soak_external_start_mb: Math.round(start.external / 1e6),
      soak_external_end_mb: Math.round(end.external / 1e6),
      soak_overhead_p99_ms: round(percentile(ov, 99), 2),
      soak_error_samples: errorSamples(outcomes),
    };
  } finally {
    await s.close();
  }
}
