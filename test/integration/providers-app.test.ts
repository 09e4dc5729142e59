import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import { type FakeProviders, PROMPT_TOKENS, startFakeProviders } from '../fakes/provider-servers.js';
import { chat, copyKnowledge, startApp } from '../helpers/app.js';

// LLM_PROVIDER + LLM_MODEL + the provider's base URL pick the real LangChain provider package;
// the whole app answers over HTTP through it, against the local fake of that provider's API.
const kb = copyKnowledge();
let fake: FakeProviders;
beforeAll(async () => {
  fake = await startFakeProviders();
});
afterAll(async () => {
  await fake?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

const cases = [
  {
    provider: 'anthropic',
    env: () => ({ ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'test-key' }),
    model: 'claude-3-5-haiku-latest',
    api: 'anthropic',
    priced: true,
  },
  {
    provider: 'google-genai',
    env: () => ({ GOOGLE_BASE_URL: fake.url, GOOGLE_API_KEY: 'test-key' }),
    model: 'gemini-2.0-flash',
    api: 'gemini',
    priced: true,
  },
  {
    provider: 'ollama',
    env: () => ({ OLLAMA_BASE_URL: fake.url }),
    model: 'llama3.1',
    api: 'ollama',
    priced: false,
  },
] as const;

describe.each(cases)('LLM_PROVIDER=$provider through the app', (c) => {
  it('answers over HTTP with streamed tokens, usage and the cost of the default model', async () => {
    fake.reset();
    const running = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      LLM_PROVIDER: c.provider,
      LLM_TIMEOUT_MS: '2000',
      LLM_MAX_RETRIES: '0',
      ...c.env(),
    });
    try {
      const status = (await (await fetch(`${running.url}/api/status`)).json()) as {
        modes: { llm: string };
      };
      expect(status.modes.llm).toBe(`${c.provider} (${c.model})`);
      const r = await chat(running.url, { message: 'What is the return window for home goods?' });
      expect(r.done()).toMatchObject({ decision: 'answer' });
      expect(r.of('token').length).toBeGreaterThan(1); // streamed in pieces (the safety guard checks small batches)
      expect(r.text()).toContain('30 days');
      const usage = r.done().usage as { promptTokens: number; completionTokens: number; costUsd: number };
      expect(usage.promptTokens).toBe(PROMPT_TOKENS);
      expect(usage.completionTokens).toBeGreaterThan(0);
      if (c.priced) expect(usage.costUsd).toBeGreaterThan(0);
      else expect(usage.costUsd).toBe(0);
      const req = fake.requests.find((q) => q.api === c.api);
      expect(req).toBeDefined();
      expect(JSON.stringify(req!.body)).toContain('return');
      if (c.api === 'gemini') expect(req!.path).toContain(`/models/${c.model}:streamGenerateContent`);
    } finally {
      await running.close();
    }
  });
});

describe('a fallback chain across providers', () => {
  it('OpenAI answers 500: the Anthropic model named in LLM_FALLBACK_MODELS answers instead', async () => {
    fake.reset();
    const openai = await startFakeOpenAI({ tokenDelayMs: 0 });
    openai.enqueue('chat', { kind: 'status', status: 500 });
    const running = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      OPENAI_BASE_URL: openai.url,
      LLM_MODEL: 'gpt-4o-mini',
      LLM_FALLBACK_MODELS: 'anthropic:claude-3-5-haiku-latest',
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'test-key',
      LLM_TIMEOUT_MS: '2000',
      LLM_MAX_RETRIES: '0',
    });
    try {
      const r = await chat(running.url, { message: 'What is the return window for home goods?' });
      expect(r.done()).toMatchObject({ decision: 'answer' });
      expect(r.text()).toContain('30 days');
      expect(openai.requests.filter((q) => q.path === '/v1/chat/completions')).toHaveLength(1);
      expect(fake.requests.map((q) => q.api)).toEqual(['anthropic']);
      expect(fake.requests[0]!.body.model).toBe('claude-3-5-haiku-latest');
    } finally {
      await running.close();
      await openai.close();
    }
  });
});

describe('provider configuration errors', () => {
  it('refuses LLM_PROVIDER=anthropic without a key, with a hint', async () => {
    await expect(
      startApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir, LLM_PROVIDER: 'anthropic' }),
    ).rejects.toThrow(/ANTHROPIC_API_KEY/);
  });
});
