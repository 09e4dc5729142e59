import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_REPLY,
  type FakeOpenAI,
  fakeEmbedding,
  lastUserText,
  splitTokens,
  startFakeOpenAI,
} from '../fakes/openai-server.js';

interface StreamResult {
  /** Content deltas with the time each reached the client. */
  deltas: Array<{ text: string; at: number }>;
  done: boolean;
  usage: unknown;
  error?: unknown;
}

/** Read an SSE chat stream with plain fetch, as a client would. */
async function streamChat(url: string, body: Record<string, unknown>): Promise<StreamResult> {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, ...body }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const result: StreamResult = { deltas: [], done: false, usage: undefined };
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') {
        result.done = true;
        return;
      }
      const chunk = JSON.parse(event.data) as {
        choices: Array<{ delta: { content?: string } }>;
        usage?: unknown;
      };
      if (chunk.usage) result.usage = chunk.usage;
      const text = chunk.choices[0]?.delta.content;
      if (text) result.deltas.push({ text, at: performance.now() });
    },
  });
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      parser.feed(decoder.decode(r.value, { stream: true }));
    }
  } catch (err) {
    result.error = err;
  }
  return result;
}

const messages = (text: string) => [{ role: 'user', content: text }];

describe('fake OpenAI server', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ replier: (req) => `You asked: ${lastUserText(req.body)}` });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('streams several chunks, a usage chunk and [DONE]; tokens arrive before the response ends', async () => {
    fake.enqueue('chat', {
      kind: 'reply',
      text: 'Refunds take five business days. 退款需要五天。',
      tokenDelayMs: 15,
    });
    const result = await streamChat(fake.url, {
      messages: messages('refund time?'),
      stream_options: { include_usage: true },
    });
    expect(result.done).toBe(true);
    expect(result.deltas.length).toBeGreaterThan(5);
    expect(result.deltas.map((d) => d.text).join('')).toBe('Refunds take five business days. 退款需要五天。');
    expect(result.usage).toMatchObject({ completion_tokens: result.deltas.length });
    const [req] = fake.requests;
    expect(req?.outcome).toBe('reply');
    expect(req?.tokensSent).toBe(result.deltas.length);
    expect(result.deltas[0]!.at).toBeLessThan(req!.finishedAt!);
  });

  it('uses the replier when nothing is queued, streaming and not', async () => {
    const streamed = await streamChat(fake.url, { messages: messages('hello') });
    expect(streamed.deltas.map((d) => d.text).join('')).toBe('You asked: hello');
    expect(streamed.usage).toBeUndefined(); // only with stream_options.include_usage

    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: messages('plain') }),
    });
    const json = (await res.json()) as { choices: Array<{ message: { content: string } }>; usage: unknown };
    expect(json.choices[0]?.message.content).toBe('You asked: plain');
    expect(json.usage).toMatchObject({ completion_tokens: splitTokens('You asked: plain').length });
  });

  it('plays scripted behaviours in order: 429 with Retry-After, then a reply', async () => {
    fake.enqueue(
      'chat',
      { kind: 'status', status: 429, retryAfterSeconds: 2 },
      { kind: 'reply', text: 'ok now' },
    );
    const first = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: messages('x') }),
    });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(await first.json()).toMatchObject({ error: { type: 'rate_limit_error' } });

    const second = await streamChat(fake.url, { messages: messages('x') });
    expect(second.deltas.map((d) => d.text).join('')).toBe('ok now');
    expect(fake.requests.map((r) => r.outcome)).toEqual(['status', 'reply']);
  });

  it('cut streams some tokens and then drops the connection without [DONE]', async () => {
    fake.enqueue('chat', { kind: 'cut', text: 'one two three four five six', afterTokens: 2 });
    const result = await streamChat(fake.url, { messages: messages('x') });
    expect(result.deltas.map((d) => d.text)).toEqual(['one', ' two']);
    expect(result.done).toBe(false);
    expect(result.error).toBeDefined();
    expect(fake.requests[0]?.outcome).toBe('cut');
  });

  it('hang keeps the request open until the client gives up', async () => {
    fake.enqueue('chat', { kind: 'hang' });
    const controller = new AbortController();
    const pending = fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: messages('x') }),
      signal: controller.signal,
    });
    const req = await fake.waitForRequest((r) => r.path === '/v1/chat/completions');
    expect(req.finishedAt).toBeUndefined();
    const finished = new Promise((resolve) => fake.events.once('finished', resolve));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await finished;
    expect(req.outcome).toBe('aborted');
  });

  it('embeds deterministically as floats or base64, honouring dimensions', async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(`${fake.url}/embeddings`, { method: 'POST', body: JSON.stringify(body) }).then(
        (r) =>
          r.json() as Promise<{
            data: Array<{ index: number; embedding: number[] | string }>;
            usage: unknown;
          }>,
      );
    const floats = await post({ model: 'm', input: ['a', 'b'], dimensions: 4 });
    expect(floats.data.map((d) => d.embedding)).toEqual([fakeEmbedding('a', 4), fakeEmbedding('b', 4)]);
    expect(floats.usage).toMatchObject({ prompt_tokens: 2 });

    const b64 = await post({ model: 'm', input: 'a', encoding_format: 'base64' });
    const buf = Buffer.from(b64.data[0]!.embedding as string, 'base64');
    expect(Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4))).toEqual(
      fakeEmbedding('a', 8),
    );

    fake.enqueue('embeddings', { kind: 'status', status: 503 });
    const failed = await fetch(`${fake.url}/embeddings`, {
      method: 'POST',
      body: JSON.stringify({ input: 'a' }),
    });
    expect(failed.status).toBe(503);
  });

  it('lists models, 404s unknown paths, and records every request', async () => {
    const models = (await (await fetch(`${fake.url}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect((await fetch(`${fake.url}/nope`)).status).toBe(404);
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/v1/models'],
      ['GET', '/v1/nope'],
    ]);
  });

  it('splits text into tokens that join back losslessly', () => {
    for (const text of ['', DEFAULT_REPLY, '  leading and trailing  ', '退款需要五天。OK?\nYes 👍']) {
      expect(splitTokens(text).join('')).toBe(text);
    }
    expect(splitTokens('退款 ok')).toEqual(['退', '款', ' ok']);
  });
});
