import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local fakes of the Anthropic (/v1/messages, SSE), Gemini (:streamGenerateContent?alt=sse) and
 * Ollama (/api/chat, NDJSON) streaming APIs, in their wire formats, so the real LangChain provider
 * packages can be tested without the internet. One server answers all three; behaviours are queued.
 */
export type ProviderBehaviour =
  | { kind: 'reply'; text?: string; tokenDelayMs?: number }
  | { kind: 'status'; status: number }
  /** Headers sent, then the socket is destroyed after `afterTokens` tokens. */
  | { kind: 'cut'; afterTokens: number }
  /** The body ends cleanly after `afterTokens` tokens, without the provider's finish marker. */
  | { kind: 'truncate'; afterTokens: number }
  /** No response at all (not even headers). */
  | { kind: 'hang' }
  /** Headers sent, then nothing. */
  | { kind: 'stall' };

export interface ProviderRequest {
  api: 'anthropic' | 'gemini' | 'ollama';
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface FakeProviders {
  url: string;
  requests: ProviderRequest[];
  enqueue(...b: ProviderBehaviour[]): void;
  reset(): void;
  close(): Promise<void>;
}

export const PROVIDER_REPLY = 'Items can be returned within 30 days of delivery [1].';
export const PROMPT_TOKENS = 42;

function tokens(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeProviders(): Promise<FakeProviders> {
  const queue: ProviderBehaviour[] = [];
  const requests: ProviderRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {}
    const path = req.url ?? '/';
    const api = path.startsWith('/v1/messages')
      ? 'anthropic'
      : path.includes(':streamGenerateContent')
        ? 'gemini'
        : path.startsWith('/api/chat')
          ? 'ollama'
          : null;
    if (!api) {
      res.writeHead(404).end('{"error":"not found"}');
      return;
    }
    requests.push({ api, path, headers: req.headers, body });
    const b = queue.shift() ?? { kind: 'reply' };
    if (b.kind === 'status') {
      res.writeHead(b.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody(api, b.status)));
      return;
    }
    if (b.kind === 'hang') return;
    const text = b.kind === 'reply' ? (b.text ?? PROVIDER_REPLY) : PROVIDER_REPLY;
    const parts = tokens(text);
    res.writeHead(200, {
      'content-type': api === 'ollama' ? 'application/x-ndjson' : 'text/event-stream',
    });
    if (b.kind === 'stall') return; // never ends; the client's idle timeout must fire
    const w = writer(api, res);
    w.start();
    for (const [i, t] of parts.entries()) {
      if (b.kind === 'cut' && i === b.afterTokens) {
        await sleep(30); // let the tokens reach the client before the connection breaks
        res.socket?.destroy();
        return;
      }
      if (b.kind === 'truncate' && i === b.afterTokens) {
        res.end();
        return;
      }
      if (b.kind === 'reply' && b.tokenDelayMs) await sleep(b.tokenDelayMs);
      w.token(t);
    }
    w.finish(parts.length);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...b) => queue.push(...b),
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function errorBody(api: ProviderRequest['api'], status: number): unknown {
  if (api === 'anthropic')
    return {
      type: 'error',
      error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message: `fake ${status}` },
    };
  if (api === 'gemini') return { error: { code: status, message: `fake ${status}`, status: 'UNAVAILABLE' } };
  return { error: `fake ${status}` };
}

function writer(api: ProviderRequest['api'], res: ServerResponse) {
  const sse = (event: string | null, data: unknown) =>
    res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  const line = (data: unknown) => res.write(`${JSON.stringify(data)}\n`);
  if (api === 'anthropic')
    return {
      start: () => {
        sse('message_start', {
          type: 'message_start',
          message: {
            id: 'msg_fake',
            type: 'message',
            role: 'assistant',
            model: 'claude-fake',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: PROMPT_TOKENS, output_tokens: 0 },
          },
        });
        sse('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'text', text: '' },
        });
      },
      token: (t: string) =>
        sse('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: t },
        }),
      finish: (n: number) => {
        sse('content_block_stop', { type: 'content_block_stop', index: 0 });
        sse('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: n },
        });
        sse('message_stop', { type: 'message_stop' });
      },
    };
  if (api === 'gemini') {
    let sent = 0;
    return {
      start: () => {},
      token: (t: string) => {
        sent++;
        sse(null, {
          candidates: [{ content: { parts: [{ text: t }], role: 'model' }, index: 0 }],
          usageMetadata: {
            promptTokenCount: PROMPT_TOKENS,
            candidatesTokenCount: sent,
            totalTokenCount: PROMPT_TOKENS + sent,
          },
        });
      },
      finish: (n: number) =>
        sse(null, {
          candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
          usageMetadata: {
            promptTokenCount: PROMPT_TOKENS,
            candidatesTokenCount: n,
            totalTokenCount: PROMPT_TOKENS + n,
          },
        }),
    };
  }
  const at = () => new Date().toISOString();
  return {
    start: () => {},
    token: (t: string) =>
      line({
        model: 'llama-fake',
        created_at: at(),
        message: { role: 'assistant', content: t },
        done: false,
      }),
    finish: (n: number) =>
      line({
        model: 'llama-fake',
        created_at: at(),
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: 'stop',
        prompt_eval_count: PROMPT_TOKENS,
        eval_count: n,
        total_duration: 1000,
      }),
  };
}
