import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildApp } from '../app/build.js';
import { limitHeapGrowth, settleHeap } from '../app/heap.js';
import { loadConfig } from '../config.js';

/**
 * The server half of the serving benchmarks, in a process of its own (forked by serving.ts), so
 * that its memory is measured apart from the load generator and the fake model. It builds the
 * app exactly as main.ts does and answers the parent over IPC:
 *   → { type: 'memory', gc? }         ← { type: 'memory', usage } (after a full GC unless gc: false)
 *   → { type: 'overheads', ids }      ← { type: 'overheads', values } (answer records' overheadMs)
 *   → { type: 'close' }               ← exits once closed
 * Every reply echoes the request's `id`. Options come as JSON in argv[2]: { knowledgeDir, indexDir, redisUrl?, modelUrl }.
 */
type Request = (
  | { type: 'memory'; gc?: boolean }
  | { type: 'overheads'; ids: string[] }
  | { type: 'close' }
) & {
  id?: number;
};

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  knowledgeDir: string;
  indexDir: string;
  redisUrl?: string;
  modelUrl: string;
};
const send = (msg: unknown) => process.send?.(msg);

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
limitHeapGrowth(config.heapGrowingPercent); // as main.ts does
const app = await buildApp(config, pino({ level: 'silent' }));
settleHeap(); // as main.ts does
const server: Server = app.http.app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));

process.on('message', async (msg: Request) => {
  if (msg.type === 'memory') {
    if (msg.gc !== false) global.gc?.();
    send({ type: 'memory', id: msg.id, usage: process.memoryUsage() });
  } else if (msg.type === 'overheads') {
    const values = await Promise.all(
      msg.ids.map(async (id) => (await app.stores.answers.get(id))?.timings.overheadMs ?? null),
    );
    send({ type: 'overheads', id: msg.id, values });
  } else if (msg.type === 'close') {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await app.close();
    process.exit(0);
  }
});
send({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
