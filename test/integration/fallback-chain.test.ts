import fs from 'node:fs';
import path from 'node:path';
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
  // spaces.json names a cheaper model for the apparel space.
  const spacesFile = path.join(kb.knowledgeDir, 'spaces.json');
  const spaces = JSON.parse(fs.readFileSync(spacesFile, 'utf8'));
  spaces.spaces.apparel.model = 'cheap-apparel-model';
  fs.writeFileSync(spacesFile, JSON.stringify(spaces));
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

describe('per-space model (spaces.json)', () => {
  it('a space that names a model is answered by it; other spaces keep LLM_MODEL', async () => {
    fake.enqueue('chat', { kind: 'reply', text: 'Clothing can be returned within 30 days [1].' });
    const apparel = await chat(running.url, {
      message: 'How long do customers have to return clothing?',
      space: 'apparel',
    });
    expect(apparel.done()).toMatchObject({ decision: 'answer' });
    expect(modelsCalled()).toEqual(['cheap-apparel-model']);
    fake.reset();
    fake.enqueue('chat', { kind: 'reply', text: 'Items can be returned within 30 days of delivery [1].' });
    await chat(running.url, { message: `${QUESTION} (default space)`, space: 'default' });
    expect(modelsCalled()).toEqual(['primary-model']);
  });

  it("the space's model falls back along the same chain", async () => {
    fake.enqueue(
      'chat',
      { kind: 'status', status: 429, retryAfterSeconds: 0 },
      { kind: 'reply', text: 'Clothing can be returned within 30 days [1].' },
    );
    await chat(running.url, { message: 'Is a size exchange free for apparel?', space: 'apparel' });
    expect(modelsCalled()).toEqual(['cheap-apparel-model', 'backup-model']);
  });
});
