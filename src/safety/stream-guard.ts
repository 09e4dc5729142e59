import { normalizeForSafety, type SafetyMatch, type SafetyMatcher } from './matcher.js';

/**
 * Streaming answer check. The guard holds back the last `longest - 1` characters of the output:
 * a blocked pattern that will be completed by later tokens starts inside that tail, so no piece
 * of it is ever shown. Each push scans only the held tail plus the new text (linear overall).
 * Once tripped, everything after is swallowed and the caller replaces the answer.
 *
 * Tokens are checked in batches of at least `batch` new characters (default 32): a scan costs
 * about as much for 4 characters as for 40, so this keeps the check well under a millisecond per
 * answer with 10,000 patterns, for a few more characters of delay. `end()` checks the rest.
 */
export interface SafetyStreamGuard {
  push(text: string): string;
  end(): string;
  readonly tripped: SafetyMatch | null;
}

export function createSafetyStreamGuard(matcher: SafetyMatcher, batch = 32): SafetyStreamGuard {
  const hold = Math.max(0, matcher.longest - 1);
  let held = '';
  let unchecked = 0;
  let tripped: SafetyMatch | null = null;
  return {
    get tripped() {
      return tripped;
    },
    push(text) {
      if (tripped) return '';
      if (matcher.size === 0) return text;
      held += text;
      unchecked += text.length;
      if (unchecked < batch) return '';
      unchecked = 0;
      const hit = matcher.check(held);
      if (hit) {
        tripped = hit;
        held = '';
        return '';
      }
      // Keep whole code points, and at least `hold` characters of the normalized text.
      const chars = Array.from(held);
      if (chars.length <= hold) return '';
      let cut = chars.length - hold;
      // NFKC may shorten text (e.g. ligatures); keep more rather than less.
      while (cut > 0 && normalizeForSafety(chars.slice(cut).join('')).length < hold) cut--;
      const out = chars.slice(0, cut).join('');
      held = chars.slice(cut).join('');
      return out;
    },
    end() {
      if (!tripped && held && unchecked > 0) tripped = matcher.check(held);
      const rest = tripped ? '' : held;
      held = '';
      unchecked = 0;
      return rest;
    },
  };
}
