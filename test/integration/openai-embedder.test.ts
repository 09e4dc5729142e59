import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isCopilotError } from '../../src/errors.js';
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from '../../src/retrieval/embedders/openai.js';
import { type FakeOpenAI, fakeEmbedding, startFakeOpenAI } from '../fakes/openai-server.js';

// The real OpenAIEmbeddings (and OpenAI SDK) over HTTP against the fake server.
// LangChain's AsyncCaller backs off at least ~1-2 s before a retry (p-retry minTimeout 1 s,
// randomised ×1–2), even with Retry-After: 0, so retry tests use maxRetries ≤ 1 to stay fast.
/** A port nobody listens on (taken from the OS, then released). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const API_KEY = 'sk-test-SECRET-abcdef123456';

describe('OpenAI-compatible embedder (real client, fake server)', () => {
  let fake: FakeOpenAI;
  const embeddingCalls = () => fake.requests.filter((r) => r.path === '/v1/embeddings');
  const options = (overrides: Partial<OpenAIEmbedderOptions> = {}): OpenAIEmbedderOptions => ({
    apiKey: API_KEY,
    baseURL: fake.url,
    model: 'text-embedding-3-small',
    dimensions: 16,
    batchSize: 2,
    maxRetries: 0,
    timeoutMs: 5_000,
    ...overrides,
  });

  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('batches documents, passes dimensions through and returns the server vectors in order', async () => {
    const embedder = await createOpenAIEmbedder(options());
    expect(embedder.id).toBe('openai:text-embedding-3-small:16');
    expect(embedder.dimensions).toBe(16);
    const texts = ['refund policy', 'shipping times', '退款', 'coupons', 'account security'];

    const vectors = await embedder.embedDocuments(texts);

    expect(vectors).toEqual(texts.map((t) => fakeEmbedding(t, 16)));
    const calls = embeddingCalls();
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect((call.body.input as string[]).length).toBeLessThanOrEqual(2);
      expect(call.body.dimensions).toBe(16);
      expect(call.body.model).toBe('text-embedding-3-small');
      // The OpenAI SDK asks for base64 unless told otherwise; the fake answers in kind.
      expect(call.body.encoding_format).toBe('base64');
      expect(call.headers.authorization).toBe(`Bearer ${API_KEY}`);
    }
    expect(calls.flatMap((c) => c.body.input as string[]).sort()).toEqual([...texts].sort());
    expect(await embedder.embedQuery('refund policy')).toEqual(fakeEmbedding('refund policy', 16));
  });

  it('uses the known size of OpenAI models without a request', async () => {
    const embedder = await createOpenAIEmbedder(options({ dimensions: undefined }));
    expect(embedder.id).toBe('openai:text-embedding-3-small:1536');
    expect(embeddingCalls()).toHaveLength(0);
  });

  it('probes an unknown model once for its size, sends no dimensions, and needs no API key', async () => {
    const embedder = await createOpenAIEmbedder(
      options({ apiKey: undefined, model: 'nomic-embed-text', dimensions: undefined }),
    );
    expect(embedder.id).toBe('openai:nomic-embed-text:8'); // the fake's default size
    const [probe] = embeddingCalls();
    expect(probe?.body).not.toHaveProperty('dimensions');
    expect(probe?.headers.authorization).toBe('Bearer not-needed');
    expect(await embedder.embedDocuments(['a'])).toEqual([fakeEmbedding('a', 8)]);
  });

  it('retries a 429 that carries Retry-After and succeeds', async () => {
    const embedder = await createOpenAIEmbedder(options({ maxRetries: 1 }));
    fake.enqueue('embeddings', { kind: 'status', status: 429, retryAfterSeconds: 0 });
    expect(await embedder.embedQuery('hello')).toEqual(fakeEmbedding('hello', 16));
    expect(embeddingCalls().map((c) => c.outcome)).toEqual(['status', 'reply']);
  });

  it('does not retry a 429 without Retry-After (LangChain treats it as a capacity error)', async () => {
    const embedder = await createOpenAIEmbedder(options({ maxRetries: 3 }));
    fake.enqueue('embeddings', { kind: 'status', status: 429 });
    const err = await embedder.embedQuery('hello').catch((e: unknown) => e);
    expect(isCopilotError(err, 'embed:failed')).toBe(true);
    expect((err as Error).message).toContain('HTTP 429');
    expect(embeddingCalls()).toHaveLength(1);
  });

  it('translates a 500 that exhausts the retries into embed:failed without leaking the key', async () => {
    const embedder = await createOpenAIEmbedder(options({ maxRetries: 1 }));
    const echo = {
      error: { message: `Internal error for key ${API_KEY} (sk-te***3456)`, type: 'server_error' },
    };
    fake.enqueue(
      'embeddings',
      { kind: 'status', status: 500, body: echo },
      { kind: 'status', status: 500, body: echo },
    );

    const err = await embedder.embedDocuments(['x', 'y']).catch((e: unknown) => e);

    expect(isCopilotError(err, 'embed:failed')).toBe(true);
    const message = (err as Error).message;
    expect(message).toMatch(/^The embedding service failed: HTTP 500/);
    expect(message).not.toContain('SECRET');
    expect(message).not.toContain('sk-te');
    expect((err as { hint?: string }).hint).toContain('OPENAI_BASE_URL');
    expect((err as Error).cause).toBeDefined();
    expect(embeddingCalls()).toHaveLength(2);
  });

  it('reports an unreachable server as embed:failed', async () => {
    const closed = await unusedPort();
    const err = await createOpenAIEmbedder(
      options({ baseURL: `http://127.0.0.1:${closed}/v1`, model: 'unknown-model', dimensions: undefined }),
    ).catch((e: unknown) => e);
    expect(isCopilotError(err, 'embed:failed')).toBe(true);
    expect((err as Error).message).toMatch(/Connection error.*ECONNREFUSED/);
  });
});
