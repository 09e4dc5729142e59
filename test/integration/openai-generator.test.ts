import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../src/domain/llm.js';
import { isCopilotError } from '../../src/errors.js';
import { createOpenAIGenerator, type OpenAIGeneratorOptions } from '../../src/llm/openai.js';
import { GenerationError } from '../../src/llm/openai-errors.js';
import { estimateCost } from '../../src/llm/pricing.js';
import { buildAnswerPrompt } from '../../src/prompts/builder.js';
import { loadTemplates } from '../../src/prompts/templates.js';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.js';

const templates = loadTemplates();
const question = 'How long is the return window?';
const prompt = buildAnswerPrompt({
  templates,
  question,
  language: 'en',
  passages: [
    { title: 'Returns', source: 'returns.md', text: 'Items can be returned within 30 days of delivery.' },
  ],
  history: [{ role: 'user', text: 'Hi there', at: 1 }],
  tokenBudget: 4000,
  memoryTokenBudget: 500,
});
const request: GenerateRequest = {
  question,
  language: 'en',
  passages: prompt.passages,
  history: [],
  messages: prompt.messages,
};
const REPLY = 'Items can be returned within 30 days of delivery [1].';

let fake: FakeOpenAI;

function generator(overrides: Partial<OpenAIGeneratorOptions> = {}) {
  return createOpenAIGenerator({
    baseURL: fake.url,
    model: 'gpt-4o-mini',
    timeoutMs: 5000,
    maxRetries: 0,
    templates,
    ...overrides,
  });
}

/** The generator's rejection (failing the test if it resolved instead). */
async function failure(run: Promise<unknown>): Promise<GenerationError> {
  const outcome = await run.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(GenerationError);
  return outcome.error as GenerationError;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ replier: () => REPLY });
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
});

describe('openai generator against the fake OpenAI server', () => {
  it('streams tokens before the server has finished, and reports usage and cost', async () => {
    fake.enqueue('chat', { kind: 'reply', tokenDelayMs: 30 });
    const arrivals: number[] = [];
    const pieces: string[] = [];
    const result = await generator().generate(request, (t) => {
      pieces.push(t);
      arrivals.push(performance.now());
    });
    const rec = fake.requests[0]!;
    expect(result.text).toBe(REPLY);
    expect(pieces.join('')).toBe(REPLY);
    expect(pieces.length).toBeGreaterThan(5);
    expect(arrivals[0]!).toBeLessThan(rec.finishedAt!);
    expect(result.usage).toMatchObject({ completionTokens: rec.tokensSent });
    expect(result.usage!.promptTokens).toBeGreaterThan(0);
    expect(result.usage!.totalTokens).toBe(result.usage!.promptTokens + result.usage!.completionTokens);
    expect(estimateCost('gpt-4o-mini', result.usage!)).toBeGreaterThan(0);
  });

  it('sends the system rules first and the passages in the user message', async () => {
    await generator().generate(request, () => {});
    const body = fake.requests[0]!.body as {
      messages: Array<{ role: string; content: string }>;
      stream: boolean;
    };
    expect(body.stream).toBe(true);
    expect(body.messages[0]).toEqual({ role: 'system', content: templates.system.en });
    expect(body.messages[1]).toEqual({ role: 'user', content: 'Hi there' });
    const user = body.messages.at(-1)!;
    expect(user.role).toBe('user');
    expect(user.content).toContain('<passage n="1" source="returns.md" title="Returns">');
    expect(user.content).toContain(question);
  });

  it('maps a 500 to llm:failed without retrying when maxRetries is 0', async () => {
    fake.enqueue('chat', { kind: 'status', status: 500 });
    const err = await failure(generator().generate(request, () => {}));
    expect(err.code).toBe('llm:failed');
    expect(err.hint).toBe('A teammate can answer instead.');
    expect(err.message).not.toContain('127.0.0.1');
    expect(fake.requests).toHaveLength(1);
  });

  it('maps 429s that exhaust the retries to llm:rate_limited', async () => {
    // LangChain's AsyncCaller waits 1–2 s before its one retry (Retry-After 0 does not shorten it).
    fake.enqueue(
      'chat',
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
    );
    const err = await failure(generator({ maxRetries: 1 }).generate(request, () => {}));
    expect(err.code).toBe('llm:rate_limited');
    expect(fake.requests).toHaveLength(2);
  });

  it('recovers from a 429 when a retry is left', async () => {
    fake.enqueue('chat', { kind: 'status', status: 429, retryAfterSeconds: 0 });
    const result = await generator({ maxRetries: 1 }).generate(request, () => {});
    expect(result.text).toBe(REPLY);
    expect(fake.requests).toHaveLength(2);
  });

  it('maps a server that never answers to llm:timeout', async () => {
    fake.enqueue('chat', { kind: 'hang' });
    const started = performance.now();
    const err = await failure(generator({ timeoutMs: 500 }).generate(request, () => {}));
    expect(err.code).toBe('llm:timeout');
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('maps a stream that stalls after its headers to llm:timeout (the SDK timeout stops at headers)', async () => {
    fake.enqueue('chat', { kind: 'reply', tokenDelayMs: 1500 });
    const err = await failure(generator({ timeoutMs: 500 }).generate(request, () => {}));
    expect(err.code).toBe('llm:timeout');
  });

  it('maps a stream cut mid-way to llm:stream_cut, never a resolved result', async () => {
    fake.enqueue('chat', { kind: 'cut', afterTokens: 3 });
    const pieces: string[] = [];
    const err = await failure(generator().generate(request, (t) => pieces.push(t)));
    expect(err.code).toBe('llm:stream_cut');
    expect(err.partialText).toBe(pieces.join(''));
    expect(err.partialText.length).toBeGreaterThan(0);
    expect(REPLY.startsWith(err.partialText)).toBe(true);
    expect(err.partialText).not.toBe(REPLY);
  });

  it('maps a caller abort to llm:timeout', async () => {
    fake.enqueue('chat', { kind: 'reply', tokenDelayMs: 100 });
    const controller = new AbortController();
    const run = generator().generate({ ...request, signal: controller.signal }, () => controller.abort());
    const err = await failure(run);
    expect(err.code).toBe('llm:timeout');
  });

  it('condenses a follow-up with a non-streaming call', async () => {
    fake.setReplier(() => 'What is the return window for EU orders?');
    try {
      const gen = generator();
      const history = [
        { role: 'user' as const, text: 'What is the return window?', at: 1 },
        { role: 'assistant' as const, text: '30 days [1].', at: 2 },
      ];
      expect(await gen.condense('And for EU orders?', history, 'en')).toBe(
        'What is the return window for EU orders?',
      );
      const body = fake.requests[0]!.body as { stream?: boolean; messages: Array<{ content: string }> };
      expect(body.stream).not.toBe(true);
      expect(body.messages[0]!.content).toContain('User: What is the return window?');
      // Nothing to resolve against: no model call at all.
      expect(await gen.condense('What is the return window?', [], 'en')).toBe('What is the return window?');
      expect(fake.requests).toHaveLength(1);
    } finally {
      fake.setReplier(() => REPLY);
    }
  });

  it('translates condense failures too', async () => {
    fake.enqueue('chat', { kind: 'status', status: 500 });
    const history = [{ role: 'user' as const, text: 'What is the return window?', at: 1 }];
    const err = await generator()
      .condense('And for EU?', history, 'en')
      .catch((e: unknown) => e);
    expect(isCopilotError(err, 'llm:failed')).toBe(true);
  });
});
