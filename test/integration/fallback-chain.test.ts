import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.js';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

// The real app and real ChatOpenAI clients (one per model of the chain) against the fake model.
const kb = copyKnowledge();
let fake: FakeOpenAI;
let running: RunningApp;

const modelsCalled = () =>
  fake.requests.filter((r) => r.path === '/v1/chat/completions' && r.body.stream).map((r) => r.body.model);
const metrics = async () => (await fetch(`${running.url}/metrics`)).text();

beforeAll(async () => {
  fake = await startFakeOpenAI();
  running = await startApp({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-not-a-real-key',
    LLM_MODEL: 'primary-model',
    LLM_FALLBACK_MODELS: 'backup-model, last-model',
    LLM_FALLBACK_OFFLINE: 'true',
    LLM_TIMEOUT_MS: '1500',
    LLM_MAX_RETRIES: '0',
  });
});
afterAll(async () => {
  await running?.close();
  await fake?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});
beforeEach(() => fake.reset());

const QUESTION = 'How long is the return window?';

describe('fallback chain', () => {
  it('a 429 from the first model → the next one answers, and metrics count each step', async () => {
    fake.enqueue(
      'chat',
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'reply', text: 'Items can be returned within 30 days of delivery [1].' },
    );
    const r = await chat(running.url, { message: QUESTION, space: 'default' });
    expect(modelsCalled()).toEqual(['primary-model', 'backup-model']);
    expect(r.text()).toContain('within 30 days');
    expect(r.done()).toMatchObject({ decision: 'answer' });
    const m = await metrics();
    expect(m).toMatch(
      /copilot_llm_attempts_total\{model="primary-model",step="0",outcome="fallback"\} [1-9]/,
    );
    expect(m).toMatch(/copilot_llm_attempts_total\{model="backup-model",step="1",outcome="ok"\} [1-9]/);
  });

  it('5xx, then a stream cut before the first token → the third model answers', async () => {
    fake.enqueue(
      'chat',
      { kind: 'status', status: 503 },
      { kind: 'cut', afterTokens: 0 },
      { kind: 'reply', text: 'Items can be returned within 30 days of delivery [1].' },
    );
    const r = await chat(running.url, { message: `${QUESTION} (cut)`, space: 'default' });
    expect(modelsCalled()).toEqual(['primary-model', 'backup-model', 'last-model']);
    expect(r.text()).toContain('within 30 days');
  });

  it('every model fails (timeout included) → the offline extractive answer, cited and marked', async () => {
    fake.enqueue('chat', { kind: 'status', status: 500 }, { kind: 'hang' }, { kind: 'status', status: 502 });
    const r = await chat(running.url, { message: `${QUESTION} (all down)`, space: 'default' });
    expect(modelsCalled()).toEqual(['primary-model', 'backup-model', 'last-model']);
    expect(r.text()).toMatch(/Offline answer: the language models are unavailable/);
    expect(r.text()).toMatch(/\[\d\]/);
    expect(r.of('handoff')).toEqual([]);
    expect(r.done()).toMatchObject({ decision: 'answer' });
    const sources = r.of('sources').at(-1)?.sources as unknown[];
    expect(sources.length).toBeGreaterThan(0);
    const record = await running.app.stores.answers.get(r.done().answerId as string);
    expect(record?.via).toBe('offline');
    expect(await metrics()).toMatch(
      /copilot_llm_attempts_total\{model="extractive",step="3",outcome="ok"\} [1-9]/,
    );
  });

  it('a cut after tokens were shown does not switch model mid-answer', async () => {
    fake.enqueue('chat', {
      kind: 'cut',
      text: 'Items can be returned within thirty days of delivery.',
      afterTokens: 3,
    });
    const r = await chat(running.url, { message: `${QUESTION} (mid cut)`, space: 'default' });
    expect(modelsCalled()).toEqual(['primary-model']);
    expect(r.of('handoff')).toHaveLength(1);
  });
});
