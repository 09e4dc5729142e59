import { getEncoding, type Tiktoken } from 'js-tiktoken';

/**
 * Token counting for prompt budgets. cl100k_base is close enough for the gpt-4o family and for
 * budgeting other OpenAI-compatible models; the encoder is slow to build (it parses a large rank
 * table), so it is created on first use and shared.
 */
let encoder: Tiktoken | undefined;

function enc(): Tiktoken {
  encoder ??= getEncoding('cl100k_base');
  return encoder;
}

export function countTokens(text: string): number {
  return text === '' ? 0 : enc().encode(text).length;
}

/** Chat-format overhead per message (role and separators) and for priming the reply, per OpenAI's guide. */
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const REPLY_PRIMING_TOKENS = 3;

export function messageTokens(content: string): number {
  return countTokens(content) + MESSAGE_OVERHEAD_TOKENS;
}

/** The longest prefix of `text` within `maxTokens` tokens, never ending in half a character. */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return '';
  const tokens = enc().encode(text);
  if (tokens.length <= maxTokens) return text;
  // A CJK character can span several tokens: a cut inside one decodes to U+FFFD, which we drop.
  return enc()
    .decode(tokens.slice(0, maxTokens))
    .replace(/\uFFFD+$/u, '');
}
