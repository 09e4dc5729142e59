import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import pino from 'pino';
import { type BuildOptions, type BuiltApp, buildApp } from '../../src/app/build.js';
import { loadConfig } from '../../src/config.js';
import { REPO_ROOT, tmpDir } from './tmp.js';

export interface RunningApp {
  app: BuiltApp;
  url: string;
  close(): Promise<void>;
}

/** A copy of the sample knowledge in a temp dir, so a test may add or change files. */
export function copyKnowledge(): { root: string; knowledgeDir: string; indexDir: string } {
  const root = tmpDir('copilot-e2e-');
  const knowledgeDir = path.join(root, 'knowledge');
  fs.cpSync(path.join(REPO_ROOT, 'knowledge'), knowledgeDir, { recursive: true });
  return { root, knowledgeDir, indexDir: path.join(root, 'index') };
}

/** The real app (buildApp, as main.ts does) on 127.0.0.1:0 with the given environment. */
export async function startApp(
  env: Record<string, string | undefined>,
  opts: BuildOptions = {},
): Promise<RunningApp> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    PORT: '0',
    // Every test request comes from 127.0.0.1 and, with Redis, buckets outlive one file: tests of
    // other features must not trip the per-client limit. The rate-limit tests set their own.
    RATE_LIMIT_PER_MINUTE: '1000000',
    HANDOFF_CREATE_PER_MINUTE: '1000000',
    ...env,
  });
  const app = await buildApp(config, pino({ level: 'silent' }), opts);
  const server: Server = app.http.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await app.close();
    },
  };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
  at: number;
}

export interface ChatResult {
  status: number;
  events: SseEvent[];
  body?: Record<string, unknown>;
  of(type: string): Array<Record<string, unknown>>;
  text(): string;
  done(): Record<string, unknown>;
}

/** POST /api/chat and collect the SSE events with arrival times (performance.now()). */
export async function chat(url: string, body: unknown): Promise<ChatResult> {
  const res = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const events: SseEvent[] = [];
  const result: ChatResult = {
    status: res.status,
    events,
    of: (type) => events.filter((e) => e.event === type).map((e) => e.data),
    text: () =>
      result
        .of('token')
        .map((d) => d.text as string)
        .join(''),
    done: () => result.of('done')[0] ?? {},
  };
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    result.body = (await res.json()) as Record<string, unknown>;
    return result;
  }
  const parser = createParser({
    onEvent: (e) =>
      events.push({ event: e.event ?? 'message', data: JSON.parse(e.data), at: performance.now() }),
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
  }
  return result;
}
