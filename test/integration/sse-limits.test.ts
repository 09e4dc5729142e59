import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

// Real app over real HTTP: the conversation event stream the web page opens with EventSource.
const kb = copyKnowledge();
let running: RunningApp;
const ids = Array.from({ length: 4 }, (_, i) => `sse-limit-conversation-${i}-0123456789`);

beforeAll(async () => {
  running = await startApp({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    SSE_MAX_STREAMS_PER_CLIENT: '2',
    SSE_MAX_LIFETIME_SECONDS: '1',
  });
});
afterAll(async () => {
  await running?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

/** Opens a stream; `ended` resolves with the whole body once the server ends it. */
async function open(id: string) {
  const ctrl = new AbortController();
  const res = await fetch(`${running.url}/api/conversations/${id}/events`, { signal: ctrl.signal });
  const ended =
    res.status === 200
      ? (async () => {
          let body = '';
          const decoder = new TextDecoder();
          try {
            for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) body += decoder.decode(c);
            return { body, closedByServer: true };
          } catch {
            return { body, closedByServer: false };
          }
        })()
      : Promise.resolve({ body: await res.text(), closedByServer: true });
  return { res, ended, close: () => ctrl.abort() };
}

/** Opens a stream once the server has seen earlier streams close (it learns of a close asynchronously). */
async function openWhenFree(id: string) {
  let s = await open(id);
  for (let i = 0; i < 40 && s.res.status === 429; i++) {
    await new Promise((r) => setTimeout(r, 25));
    s = await open(id);
  }
  return s;
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

describe('conversation event streams', () => {
  it('caps open streams per client with a clear 429, and gives the slot back on close', async () => {
    const a = await open(ids[0]!);
    const b = await open(ids[1]!);
    expect([a.res.status, b.res.status]).toEqual([200, 200]);
    const c = await open(ids[2]!);
    expect(c.res.status).toBe(429);
    expect(c.res.headers.get('content-type')).toMatch(/json/);
    const err = JSON.parse((await c.ended).body) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('http:too_many_streams');
    expect(err.error.message).toMatch(/Too many open conversation streams/);
    expect(JSON.stringify(err)).not.toMatch(/at .*\.ts:\d+/);
    a.close();
    await a.ended;
    const d = await openWhenFree(ids[3]!);
    expect(d.res.status).toBe(200);
    b.close();
    d.close();
    await Promise.all([b.ended, d.ended]);
  });

  it('ends a stream when its lifetime is over, so EventSource reconnects', async () => {
    const s = await openWhenFree(ids[0]!);
    expect(s.res.status).toBe(200);
    const outcome = await within(s.ended, 5000);
    s.close();
    expect(outcome).not.toBe('timeout');
    expect(outcome !== 'timeout' && outcome.closedByServer).toBe(true);
    expect(outcome !== 'timeout' && outcome.body).toMatch(/: lifetime reached/);
  });
});
