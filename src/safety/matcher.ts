import { AhoCorasick } from '@monyone/aho-corasick';
import { normaliseForSafety, type SafetyRule } from './rules.js';

export interface SafetyHit {
  rule: SafetyRule;
  /** The matched text (as normalised), for the admin list. */
  match: string;
}

/** Longest stretch of text a regex rule is checked against when streaming (see SafetyGuard). */
export const REGEX_WINDOW = 256;

/**
 * All keyword rules in one Aho-Corasick automaton (linear in the text, whatever the number of
 * keywords), then the regex rules. `check` returns the first hit or null.
 */
export class SafetyMatcher {
  private readonly automaton: AhoCorasick | null;
  private readonly byKeyword = new Map<string, SafetyRule>();
  private readonly regexes: Array<{ rule: SafetyRule; re: RegExp }>;
  /** Length of the longest keyword: the tail a streaming check must keep. */
  readonly longestKeyword: number;

  constructor(readonly rules: readonly SafetyRule[]) {
    for (const r of rules)
      if (r.kind === 'keyword' && !this.byKeyword.has(r.pattern)) this.byKeyword.set(r.pattern, r);
    const keywords = [...this.byKeyword.keys()];
    this.automaton = keywords.length ? new AhoCorasick(keywords) : null;
    this.longestKeyword = keywords.reduce((n, k) => Math.max(n, k.length), 0);
    this.regexes = rules
      .filter((r) => r.kind === 'regex')
      .map((rule) => ({ rule, re: new RegExp(rule.pattern, 'iu') }));
  }

  get size(): number {
    return this.rules.length;
  }

  check(text: string): SafetyHit | null {
    const norm = normaliseForSafety(text);
    if (this.automaton) {
      const [first] = this.automaton.matchInText(norm);
      if (first) return { rule: this.byKeyword.get(first.keyword) as SafetyRule, match: first.keyword };
    }
    for (const { rule, re } of this.regexes) {
      const m = re.exec(norm);
      if (m) return { rule, match: m[0] };
    }
    return null;
  }
}

export interface SafetyGuard {
  /** Feed streamed text; returns what is safe to show now (a tail is held back). */
  push(text: string): string;
  /** The stream ended: the held tail, unless the guard tripped. */
  end(): string;
  readonly hit: SafetyHit | null;
}

/**
 * Checks an answer while it streams, before any of it reaches Slack or the page. Each piece is
 * checked together with the end of what came before (so a keyword split across tokens is seen
 * whole), and the last `longestKeyword - 1` characters are held back until the next piece shows
 * they do not start a keyword. Once tripped it swallows everything; the caller withholds the answer.
 * Cost per piece: the piece plus a bounded window, so an answer costs time linear in its length.
 */
export function createSafetyGuard(matcher: SafetyMatcher): SafetyGuard {
  // The longest keyword less one: a match cannot start further back without having ended already.
  // (Extra spaces inside a match, which normalising collapses, can let its first letters through.)
  const keep = Math.max(matcher.longestKeyword - 1, 0);
  const window = Math.max(keep, REGEX_WINDOW);
  let tail = ''; // the last `window` characters seen (checked again with the next piece)
  let held = ''; // not shown yet
  let hit: SafetyHit | null = null;
  return {
    get hit() {
      return hit;
    },
    push(text) {
      if (hit) return '';
      if (!text) return '';
      const seen = tail + text;
      hit = matcher.check(seen);
      if (hit) {
        held = '';
        return '';
      }
      tail = seen.slice(-window);
      const pending = held + text;
      let cut = Math.max(pending.length - keep, 0);
      // Never split a surrogate pair between what is shown and what is held.
      const before = pending.charCodeAt(cut - 1);
      if (cut > 0 && before >= 0xd800 && before <= 0xdbff) cut--;
      held = pending.slice(cut);
      return pending.slice(0, cut);
    },
    end() {
      const rest = hit ? '' : held;
      held = '';
      return rest;
    },
  };
}
