import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createModelGenerator, parseModelRef } from '../../../src/llm/index.js';

describe('model references', () => {
  it('reads provider:model as initChatModel writes it, and keeps colons of model names', () => {
    expect(parseModelRef('anthropic:claude-3-5-haiku-latest', 'openai')).toEqual({
      provider: 'anthropic',
      model: 'claude-3-5-haiku-latest',
    });
    expect(parseModelRef('ollama:llama3.1:8b', 'openai')).toEqual({
      provider: 'ollama',
      model: 'llama3.1:8b',
    });
    expect(parseModelRef('llama3.1:8b', 'ollama')).toEqual({ provider: 'ollama', model: 'llama3.1:8b' });
    expect(parseModelRef('gpt-4o-mini', 'openai')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
  });

  it('builds a generator of another provider than LLM_PROVIDER, and refuses one without its key', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-test', GOOGLE_API_KEY: 'g-test' });
    const gemini = createModelGenerator(config, 'google-genai:gemini-2.0-flash');
    expect([gemini.id, gemini.model]).toEqual(['google-genai', 'gemini-2.0-flash']);
    expect(createModelGenerator(config, 'gpt-4o').id).toBe('openai');
    expect(() => createModelGenerator(config, 'anthropic:claude-3-5-haiku-latest')).toThrow(
      /ANTHROPIC_API_KEY/,
    );
  });
});

describe('prices of models named with their provider', () => {
  it('are the prices of the model', async () => {
    const { hasPrice, modelPrice } = await import('../../../src/llm/pricing.js');
    expect(hasPrice('anthropic:claude-3-5-haiku-latest')).toBe(true);
    expect(modelPrice('google-genai:gemini-2.0-flash')).toEqual(modelPrice('gemini-2.0-flash'));
    expect(hasPrice('ollama:llama3.1')).toBe(false);
  });
});
