import { getEncoding, type Tiktoken } from 'js-tiktoken';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

/**
 * Token counting for prompt budgets. cl100k_base is close enough for the gpt-4o family and for
 * budgeting other OpenAI-compatible models; the encoder is slow to build (it parses a large rank
 * table), so it is created on first use and shared.
 *
 * Text is plain text here: a question or a document containing "<|endoftext|>" is counted as the
 * characters it is (js-tiktoken's default would throw on it), which is also how the API sees it.
 */
let encoder: Tiktoken | undefined;

function enc(): Tiktoken {
  encoder ??= getEncoding('cl100k_base');
  return encoder;
}

const encodePlain = (text: string): number[] => enc().encode(text, [], []);

/**
 * BPE never merges across the encoder's pre-tokenizer pieces (its pat_str split: a word with its
 * leading space, a run of up to 3 digits, a punctuation run…), so a text's count is the sum of its
 * pieces' counts. Pieces recur across passages, questions and turns far more than whole texts do,
 * and BPE is the costly step (~3 µs a token), so piece counts are memoised: bounded, and small
 * (pieces are short), unlike a memo of whole prompts.
 */
const PIECES = new RegExp(cl100k.pat_str, 'gu');
const PIECE_MEMO_MAX = 100_000;
const PIECE_MEMO_MAX_LENGTH = 64;
const pieceMemo = new Map<string, number>();

export function countTokens(text: string): number {
  if (text === '') return 0;
  let n = 0;
  for (const [piece] of text.matchAll(PIECES)) {
    let c = pieceMemo.get(piece);
    if (c === undefined) {
      c = encodePlain(piece).length;
      // Long pieces (a pasted blob with no spaces) are rare and would make the memo large.
      if (piece.length <= PIECE_MEMO_MAX_LENGTH) {
        if (pieceMemo.size >= PIECE_MEMO_MAX) pieceMemo.clear();
        pieceMemo.set(piece, c);
      }
    }
    n += c;
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
  const tokens = encodePlain(text);
  if (tokens.length <= maxTokens) return text;
  // A CJK character can span several tokens: a cut inside one decodes to U+FFFD, which we drop.
  return enc()
    .decode(tokens.slice(0, maxTokens))
    .replace(/\uFFFD+$/u, '');
}
