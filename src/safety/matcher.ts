import { AhoCorasick } from '@monyone/aho-corasick';
import type { SafetyRule } from './rules.js';

export interface SafetyMatch {
  rule: SafetyRule;
  /** The text that matched (at most 80 characters). */
  matched: string;
}

/**
 * All keyword rules in one Aho-Corasick automaton (time linear in the text, whatever the number of
 * patterns), then the regex rules. Text and keywords are compared lowercased and NFKC-normalized
 * (full-width letters match their ASCII twins).
 */
export interface SafetyMatcher {
  check(text: string): SafetyMatch | null;
  /** Longest keyword, in characters of the normalized text: the tail a streaming check holds back. */
  readonly longest: number;
  readonly size: number;
}

/**
 * With regex rules, a streamed answer is held back by this many characters: a regex match up to
 * this long is caught before any of it is shown. Longer matches are still caught by the check of
 * the whole answer when it ends (the shown part is then replaced). A longer window delays every
 * answer's first words by as much.
 */
export const REGEX_WINDOW = 48;

export function normalizeForSafety(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

export function createSafetyMatcher(rules: readonly SafetyRule[]): SafetyMatcher {
  const byKeyword = new Map<string, SafetyRule>();
  const regexes: { rule: SafetyRule; re: RegExp }[] = [];
  let longest = 0;
  for (const rule of rules) {
    if (rule.kind === 'regex') {
      regexes.push({ rule, re: new RegExp(rule.pattern, 'iu') });
      continue;
    }
    const k = normalizeForSafety(rule.pattern);
    if (!k || byKeyword.has(k)) continue;
    byKeyword.set(k, rule);
    longest = Math.max(longest, k.length);
  }
  const automaton = byKeyword.size ? new AhoCorasick([...byKeyword.keys()]) : null;
  if (regexes.length) longest = Math.max(longest, REGEX_WINDOW);
  return {
    longest,
    size: byKeyword.size + regexes.length,
    check(text) {
      const norm = normalizeForSafety(text);
      if (automaton) {
        const [hit] = automaton.matchInText(norm);
        if (hit) return { rule: byKeyword.get(hit.keyword)!, matched: hit.keyword.slice(0, 80) };
      }
      for (const { rule, re } of regexes) {
        const m = re.exec(norm);
        if (m) return { rule, matched: m[0].slice(0, 80) };
      }
      return null;
    },
  };
}
