/**
 * Fake OpenAI-compatible server for tests: node:http on 127.0.0.1, random port. Point the real
 * clients (OpenAIEmbeddings, ChatOpenAI, plain fetch) at `fake.url` (ends in `/v1`).
 *
 *   const fake = await startFakeOpenAI({ replier: (req) => `echo: ${lastUserText(req.body)}` });
 *   fake.enqueue('chat', { kind: 'status', status: 429, retryAfterSeconds: 0 }, { kind: 'reply', text: 'Hi there' });
 *   fake.enqueue('embeddings', { kind: 'status', status: 500 });
 *   ... run the code under test against fake.url ...
 *   expect(fake.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
 *   await fake.close();
 *
 * Endpoints:
 * - POST /v1/chat/completions: streaming (`stream: true` → SSE chunks, one per token, a usage
 *   chunk when `stream_options.include_usage`, then `data: [DONE]`) and non-streaming.
 * - POST /v1/embeddings: `fakeEmbedding(text, dims)` per input (dims = request `dimensions`, else
 *   `embeddingDimensions`, default 8). Honours `encoding_format: 'base64'`, which the OpenAI SDK
 *   requests by default (then decodes float32 LE itself).
 * - GET /v1/models. Anything else: 404 with an OpenAI-style error body.
 *
 * Scripting: each endpoint has a FIFO queue of behaviours (`enqueue`); when it is empty the
 * default is a normal reply whose text comes from `replier` (default: DEFAULT_REPLY).
 * - reply  { text?, tokenDelayMs?, usage? }  normal answer (embeddings ignore `text`)
 * - status { status, retryAfterSeconds?, body? }  error response, with Retry-After if given
 * - hang   accept and never answer (until the client aborts or `close()`)
 * - cut    { text?, afterTokens }  stream that many tokens, then destroy the socket
 *          (non-streaming and embeddings: destroy at once)
 *
 * Every request is recorded in `requests` (method, path, headers, parsed body, timings, outcome).
 * Timings are `performance.now()` of this process (the fake runs inside the test process), so a
 * test can prove tokens reached the client before `finishedAt`. `events` emits 'request' and
 * 'finished' with the record.
 */
import { EventEmitter } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleChat, handleEmbeddings, sendError } from './openai-handlers.js';

export { fakeEmbedding, splitTokens } from './openai-handlers.js';

export type Endpoint = 'chat' | 'embeddings';
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
export type Behaviour =
  | { kind: 'reply'; text?: string; tokenDelayMs?: number; usage?: Usage }
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: unknown }
  | { kind: 'hang' }
  | { kind: 'cut'; text?: string; afterTokens: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body ({} when there was none or it was not JSON; see rawBody). */
  body: Record<string, unknown>;
  rawBody: string;
  receivedAt: number;
  /** When the fake finished the response (ended, cut, or saw the client go away). */
  finishedAt?: number;
  outcome?: 'reply' | 'status' | 'cut' | 'aborted' | 'not_found';
  /** Streaming: content chunks written so far. */
  tokensSent: number;
}

export type Replier = (req: RecordedRequest) => string | Promise<string>;

export interface FakeOpenAIOptions {
  replier?: Replier;
  embeddingDimensions?: number;
  /** Delay before each streamed token unless a behaviour says otherwise. */
  tokenDelayMs?: number;
  models?: string[];
  /**
   * Keep only the most recent this-many requests in `requests` (default: all). A benchmark
   * sending tens of thousands of requests sets it, so the fake's memory does not grow with them.
   */
  keepRequests?: number;
}

export interface FakeOpenAI {
  url: string;
  requests: RecordedRequest[];
  events: EventEmitter;
  enqueue(endpoint: Endpoint, ...behaviours: Behaviour[]): void;
  setReplier(replier: Replier): void;
  /** First request (already recorded or future) matching `match`. */
  waitForRequest(match?: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Forget recorded requests and queued behaviours (for a server shared across tests). */
  reset(): void;
  close(): Promise<void>;
}

/** What the endpoint handlers (openai-handlers.ts) need from the server. */
export interface FakeContext {
  options: Required<Pick<FakeOpenAIOptions, 'embeddingDimensions' | 'tokenDelayMs'>>;
  replier: () => Replier;
  finish(rec: RecordedRequest, outcome: NonNullable<RecordedRequest['outcome']>): void;
}

export const DEFAULT_REPLY = 'This is a reply from the fake OpenAI server.';

/** Text of the last user message of a chat request body (string or content parts). */
export function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | undefined;
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      return m.content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('');
    }
  }
  return '';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const events = new EventEmitter();
  const queues: Record<Endpoint, Behaviour[]> = { chat: [], embeddings: [] };
  let replier: Replier = opts.replier ?? (() => DEFAULT_REPLY);
  const ctx: FakeContext = {
    options: { embeddingDimensions: opts.embeddingDimensions ?? 8, tokenDelayMs: opts.tokenDelayMs ?? 0 },
    replier: () => replier,
    finish(rec, outcome) {
      if (rec.finishedAt !== undefined) return;
      rec.finishedAt = performance.now();
      rec.outcome = outcome;
      events.emit('finished', rec);
    },
  };

  const server = http.createServer(async (req, res) => {
    const rawBody = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: parseJson(rawBody),
      rawBody,
      receivedAt: performance.now(),
      tokensSent: 0,
    };
    requests.push(rec);
    if (opts.keepRequests !== undefined && requests.length > opts.keepRequests)
      requests.splice(0, requests.length - opts.keepRequests);
    events.emit('request', rec);
    // The client going away before we finished (abort, timeout) is an outcome tests care about.
    res.on('close', () => ctx.finish(rec, 'aborted'));
    try {
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        await handleChat(ctx, rec, res, queues.chat.shift());
      } else if (req.method === 'POST' && path === '/v1/embeddings') {
        handleEmbeddings(ctx, rec, res, queues.embeddings.shift());
      } else if (req.method === 'GET' && path === '/v1/models') {
        const data = (opts.models ?? ['gpt-4o-mini', 'text-embedding-3-small']).map((id) => ({
          id,
          object: 'model',
          created: 0,
          owned_by: 'fake',
        }));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ object: 'list', data }));
        ctx.finish(rec, 'reply');
      } else {
        sendError(res, 404, { error: { message: `Unknown path ${path}`, type: 'invalid_request_error' } });
        ctx.finish(rec, 'not_found');
      }
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    events,
    enqueue: (endpoint, ...behaviours) => void queues[endpoint].push(...behaviours),
    setReplier: (next) => {
      replier = next;
    },
    waitForRequest(match = () => true, timeoutMs = 5000) {
      const found = requests.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          events.off('request', listener);
          reject(new Error(`fake OpenAI: no matching request within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (rec: RecordedRequest) => {
          if (!match(rec)) return;
          clearTimeout(timer);
          events.off('request', listener);
          resolve(rec);
        };
        events.on('request', listener);
      });
    },
    reset() {
      requests.length = 0;
      queues.chat.length = 0;
      queues.embeddings.length = 0;
    },
    async close() {
      server.closeAllConnections(); // also ends hung requests
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
