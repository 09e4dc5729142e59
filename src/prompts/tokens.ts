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

// Passages, system rules and history turns recur across questions; BPE is the costliest step of
// building a prompt (~3 µs a token), so counts are memoised (bounded, oldest dropped first).
const MEMO_MAX = 20_000;
const memo = new Map<string, number>();

export function countTokens(text: string): number {
  if (text === '') return 0;
  const hit = memo.get(text);
  if (hit !== undefined) return hit;
  const n = enc().encode(text).length;
  if (text.length >= 64) {
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string);
    memo.set(text, n);
  }
  return n;
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
