import { normalizeForSafety, type SafetyMatch, type SafetyMatcher } from './matcher.js';

/**
 * Streaming answer check. The guard holds back the last `longest - 1` characters of the output:
 * a blocked pattern that will be completed by later tokens starts inside that tail, so no piece
 * of it is ever shown. Each push scans only the held tail plus the new text (linear overall).
 * Once tripped, everything after is swallowed and the caller replaces the answer.
 */
export interface SafetyStreamGuard {
  push(text: string): string;
  end(): string;
  readonly tripped: SafetyMatch | null;
}

export function createSafetyStreamGuard(matcher: SafetyMatcher): SafetyStreamGuard {
  const hold = Math.max(0, matcher.longest - 1);
  let held = '';
  let tripped: SafetyMatch | null = null;
  return {
    get tripped() {
      return tripped;
    },
    push(text) {
      if (tripped) return '';
      if (matcher.size === 0) return text;
      held += text;
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
      const rest = tripped ? '' : held;
      held = '';
      return rest;
    },
  };
}
