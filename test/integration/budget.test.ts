import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudget, InProcessBudgetCounter, RedisBudgetCounter } from '../../src/llm/budget.js';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.js';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { dropNamespace, REDIS_URL, redisAvailable } from '../helpers/services.js';

const silent = pino({ level: 'silent' });
const today = () => new Date().toISOString().slice(0, 10);

describe('daily budgets (counters)', async () => {
  const useRedis = await redisAvailable();
  const counters = [['in-process', () => new InProcessBudgetCounter()] as const];
  let redis: Redis | null = null;
  const prefix = `test:budget:${process.pid}:${Date.now()}:`;
  if (useRedis) {
    redis = new Redis(REDIS_URL, { keyPrefix: prefix });
    counters.push(['redis', () => new RedisBudgetCounter(redis as Redis)] as never);
  }
  afterAll(async () => {
    if (redis) {
      await dropNamespace(redis);
      await redis.quit();
    }
  });

  for (const [name, make] of counters) {
    it(`${name}: a user past their budget is stopped, others in the space are not; a new day starts afresh`, async () => {
      let now = new Date('2026-12-05T10:00:00Z');
      const budget = createBudget({
        limits: { tokensPerUser: 100, costPerSpaceUsd: 0.01 },
        counter: make(),
        logger: silent,
        now: () => now,
      });
      expect(budget).not.toBeNull();
      const alice = { space: 'default', user: 'U_ALICE' };
      const bob = { space: 'default', user: 'U_BOB' };
      expect(await budget?.exceeded(alice)).toBeNull();
      await budget?.spend(alice, 60, 0.001);
      expect(await budget?.exceeded(alice)).toBeNull();
      await budget?.spend(alice, 60, 0.001);
      expect(await budget?.exceeded(alice)).toBe('user');
      expect(await budget?.exceeded(bob)).toBeNull();
      await budget?.spend(bob, 10, 0.009);
      expect(await budget?.exceeded(bob)).toBe('space'); // 0.011 USD spent in the space today
      expect(await budget?.exceeded({ space: 'apparel' })).toBeNull();
      now = new Date('2026-12-06T00:00:01Z');
      expect(await budget?.exceeded(alice)).toBeNull();
    });
  }

  it('no limits set: no budget at all', () => {
    expect(createBudget({ limits: {}, counter: new InProcessBudgetCounter(), logger: silent })).toBeNull();
  });
});

describe('a space past its daily token budget', () => {
  const kb = copyKnowledge();
  let fake: FakeOpenAI;
  let app: RunningApp;
  const chatCalls = () => fake.requests.filter((r) => r.path === '/v1/chat/completions').length;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ tokenDelayMs: 0 });
    fake.setReplier(() => 'Returns are accepted within 30 days of delivery [1].');
    app = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-test-not-a-real-key',
      BUDGET_DAILY_TOKENS_PER_SPACE: '50',
    });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('answers with the model until the budget is spent, then extractively with citations, and says why', async () => {
    const first = await chat(app.url, { message: 'What is the return window for a kettle?' });
    expect(first.done()).toMatchObject({ decision: 'answer' });
    expect((first.done().usage as { totalTokens: number }).totalTokens).toBeGreaterThan(50);
    const calls = chatCalls();

    const second = await chat(app.url, { message: 'How long does shipping take within the country?' });
    expect(chatCalls()).toBe(calls); // the model was not asked
    expect(second.done()).toMatchObject({ decision: 'answer', usage: null });
    expect(second.text()).toMatch(/model budget for this knowledge space is used up/);
    expect((second.of('sources').at(-1)?.sources as unknown[] | undefined)?.length ?? 0).toBeGreaterThan(0);
    const record = await app.app.stores.answers.get(second.done().answerId as string);
    expect(record).toMatchObject({ via: 'offline', complete: true });
  });
});

describe('cost budgets need a price for every configured model', () => {
  it('an unpriced model with a cost budget is a clear start-up error', async () => {
    const kb = copyKnowledge();
    const err = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      OPENAI_BASE_URL: 'http://127.0.0.1:9',
      LLM_MODEL: 'qwen-plus',
      BUDGET_DAILY_COST_PER_SPACE_USD: '5',
    }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain('No price for model(s) qwen-plus');
    const ok = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      OPENAI_BASE_URL: 'http://127.0.0.1:9',
      LLM_MODEL: 'qwen-plus',
      BUDGET_DAILY_COST_PER_SPACE_USD: '5',
      LLM_PRICES: '{"qwen-plus": {"input": 0.4, "output": 1.2}}',
    });
    await ok.close();
    expect(today()).toMatch(/^\d{4}-/);
  });
});
