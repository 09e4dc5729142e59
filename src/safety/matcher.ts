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

  get hasRegexes(): boolean {
    return this.regexes.length > 0;
  }

  check(text: string): SafetyHit | null {
    const norm = normaliseForSafety(text);
    return this.keywordIn(norm) ?? this.regexIn(norm);
  }

  /** Keyword rules only (the streaming guard checks them on a short overlap). */
  checkKeywords(text: string): SafetyHit | null {
    return this.automaton ? this.keywordIn(normaliseForSafety(text)) : null;
  }

  /** Regex rules only (the streaming guard checks them on a longer window). */
  checkRegexes(text: string): SafetyHit | null {
    return this.regexes.length ? this.regexIn(normaliseForSafety(text)) : null;
  }

  private keywordIn(norm: string): SafetyHit | null {
    // The allocation-free scan first: almost every piece of every answer matches nothing.
    if (!this.automaton?.hasKeywordInText(norm)) return null;
    const [first] = (this.automaton as AhoCorasick).matchInText(norm);
    return first ? { rule: this.byKeyword.get(first.keyword) as SafetyRule, match: first.keyword } : null;
  }

  private regexIn(norm: string): SafetyHit | null {
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
/** Characters a streaming check gathers before it scans (delays the stream by at most this much). */
export const CHECK_BATCH = 24;

export function createSafetyGuard(matcher: SafetyMatcher): SafetyGuard {
  // The longest keyword less one: a match cannot start further back without having ended already.
  // (Extra spaces inside a match, which normalising collapses, can let its first letters through.)
  const keep = Math.max(matcher.longestKeyword - 1, 0);
  // Keywords are checked on the piece plus the last `keep` characters (enough to see a keyword
  // split across pieces); regexes, when there are any, on a longer window. Keeping the keyword
  // overlap short is what makes a streamed answer cost about its own length.
  let tail = ''; // the last `keep` characters checked (checked again with the next batch)
  let regexTail = ''; // the last REGEX_WINDOW characters checked
  let unchecked = ''; // arrived, not checked yet (pieces are checked in small batches)
  let held = ''; // checked, not shown yet
  let hit: SafetyHit | null = null;
  const check = (): string => {
    const seen = tail + unchecked;
    hit = matcher.checkKeywords(seen);
    if (!hit && matcher.hasRegexes) {
      const window = regexTail + unchecked;
      hit = matcher.checkRegexes(window);
      regexTail = window.slice(-REGEX_WINDOW);
    }
    if (hit) {
      held = '';
      unchecked = '';
      return '';
    }
    tail = keep > 0 ? seen.slice(-keep) : '';
    const pending = held + unchecked;
    unchecked = '';
    let cut = Math.max(pending.length - keep, 0);
    // Never split a surrogate pair between what is shown and what is held.
    const before = pending.charCodeAt(cut - 1);
    if (cut > 0 && before >= 0xd800 && before <= 0xdbff) cut--;
    held = pending.slice(cut);
    return pending.slice(0, cut);
  };
  return {
    get hit() {
      return hit;
    },
    push(text) {
      if (hit || !text) return '';
      unchecked += text;
      // Tokens are a few characters long: checking every one would rescan the overlap each time.
      // A batch of CHECK_BATCH characters costs one scan of the overlap plus the batch.
      return unchecked.length < CHECK_BATCH ? '' : check();
    },
    end() {
      if (hit) return '';
      const out = unchecked ? check() : '';
      if (hit) return '';
      const rest = held;
      held = '';
      return out + rest;
    },
  };
}
