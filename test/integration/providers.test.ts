import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../src/domain/llm.js';
import { createChatModelGenerator, type Provider } from '../../src/llm/chat-model.js';
import { GenerationError } from '../../src/llm/openai-errors.js';
import { buildAnswerPrompt } from '../../src/prompts/builder.js';
import { loadTemplates } from '../../src/prompts/templates.js';
import {
  type FakeProviders,
  PROMPT_TOKENS,
  PROVIDER_REPLY,
  startFakeProviders,
} from '../fakes/provider-servers.js';

const templates = loadTemplates();
const prompt = buildAnswerPrompt({
  templates,
  question: 'How long is the return window?',
  language: 'en',
  passages: [
    { title: 'Returns', source: 'returns.md', text: 'Items can be returned within 30 days of delivery.' },
  ],
  history: [],
  tokenBudget: 4000,
  memoryTokenBudget: 500,
});
const request: GenerateRequest = {
  question: 'How long is the return window?',
  language: 'en',
  passages: prompt.passages,
  history: [],
  messages: prompt.messages,
};

let fake: FakeProviders;
beforeAll(async () => {
  fake = await startFakeProviders();
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
});

const cases: Array<{ provider: Provider; model: string; api: string; baseURL: () => string }> = [
  { provider: 'anthropic', model: 'claude-3-5-haiku-latest', api: 'anthropic', baseURL: () => fake.url },
  { provider: 'google-genai', model: 'gemini-2.0-flash', api: 'gemini', baseURL: () => fake.url },
  { provider: 'ollama', model: 'llama3.1:8b', api: 'ollama', baseURL: () => fake.url },
];

async function failure(run: Promise<unknown>): Promise<GenerationError> {
  const outcome = await run.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(GenerationError);
  return outcome.error as GenerationError;
}

describe.each(cases)('$provider through its LangChain package against a local fake', (c) => {
  const gen = (timeoutMs = 5000) =>
    createChatModelGenerator({
      provider: c.provider,
      model: c.model,
      apiKey: 'test-key',
      baseURL: c.baseURL(),
      timeoutMs,
      maxRetries: 0,
      templates,
    });

  it('streams tokens as they arrive and reports usage', async () => {
    fake.enqueue({ kind: 'reply', tokenDelayMs: 5 });
    const pieces: string[] = [];
    const result = await gen().generate(request, (t) => pieces.push(t));
    expect(result.text).toBe(PROVIDER_REPLY);
    expect(pieces.join('')).toBe(PROVIDER_REPLY);
    expect(pieces.length).toBeGreaterThan(5);
    const n = PROVIDER_REPLY.match(/\S+\s*/g)!.length;
    expect(result.usage).toMatchObject({ promptTokens: PROMPT_TOKENS, completionTokens: n });
    const rec = fake.requests[0]!;
    expect(rec.api).toBe(c.api);
    // The system rules and the passages reached the provider in its own request shape.
    expect(JSON.stringify(rec.body)).toContain('Items can be returned within 30 days');
  });

  it('maps a 429 to llm:rate_limited', async () => {
    fake.enqueue({ kind: 'status', status: 429 });
    const err = await failure(gen().generate(request, () => {}));
    expect(err.code).toBe('llm:rate_limited');
    expect(err.message).not.toContain('fake');
  });

  it('maps a 503 to llm:failed', async () => {
    fake.enqueue({ kind: 'status', status: 503 });
    const err = await failure(gen().generate(request, () => {}));
    expect(['llm:failed', 'llm:rate_limited']).toContain(err.code);
  });

  it('maps a stream cut after two tokens to llm:stream_cut with the partial text', async () => {
    fake.enqueue({ kind: 'cut', afterTokens: 2 });
    const err = await failure(gen().generate(request, () => {}));
    expect(err.code).toBe('llm:stream_cut');
    expect(err.partialText).toBe('Items can ');
  });

  it('maps a body that ends early without a finish marker to llm:stream_cut', async () => {
    fake.enqueue({ kind: 'truncate', afterTokens: 3 });
    const err = await failure(gen().generate(request, () => {}));
    expect(err.code).toBe('llm:stream_cut');
    expect(err.partialText).toBe('Items can be ');
  });

  it('maps a server that never sends headers to llm:timeout', async () => {
    fake.enqueue({ kind: 'hang' });
    const err = await failure(gen(400).generate(request, () => {}));
    expect(err.code).toBe('llm:timeout');
  });

  it('maps a stalled stream to llm:timeout', async () => {
    fake.enqueue({ kind: 'stall' });
    const err = await failure(gen(400).generate(request, () => {}));
    expect(err.code).toBe('llm:timeout');
  });
});
