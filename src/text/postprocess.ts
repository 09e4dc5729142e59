/**
 * Post-processing of model output, pure. Works on whole texts and, for the
 * streaming path, on token pieces: a ping or a NO_ANSWER must never reach a user, even when the
 * model splits it across tokens.
 */

/**
 * Slack special mentions (`<!here>`, `<!channel>`, `<!subteam^S1|@team>`, …) and plain `@here`,
 * `@channel`, `@everyone`. `<!…>` has no whitespace inside, so the space we put in its place can
 * never join two halves into a new mention; `@here` loses its `@`s and keeps the word.
 */
const PING = /<![^\s<>]{1,100}>|@+(channel|here|everyone)(?![\w-])/gi;
/** `name@here.com` is an address, not a ping (but `name@@here` is no address). */
const ADDRESS_CHAR = /[A-Za-z0-9_.+-]/;
const PING_WORDS = ['channel', 'here', 'everyone'];

function strip(text: string, before: string): string {
  return text.replace(PING, (match: string, word: string | undefined, offset: number, whole: string) => {
    if (word === undefined) return ' ';
    const prev = offset > 0 ? whole[offset - 1]! : before;
    return ADDRESS_CHAR.test(prev) && !match.startsWith('@@') ? match : word;
  });
}

export function stripPings(text: string): string {
  return strip(text, '');
}

/** Where the unresolved tail of `buf` starts: a `<`/`<!…` without its `>`, or `@…` that may become a ping. */
function holdIndex(buf: string): number {
  let hold = buf.length;
  const lt = buf.lastIndexOf('<');
  if (lt >= 0 && /^<(?:![^\s<>]{0,100})?$/.test(buf.slice(lt))) hold = lt;
  const at = /@+([A-Za-z]*)$/.exec(buf);
  if (at && at.index < hold) {
    const word = at[1]!.toLowerCase();
    // A complete word is held too: "@here" vs "@hereby" is decided by the next character.
    if (PING_WORDS.some((w) => w.startsWith(word))) hold = at.index;
  }
  return hold;
}

export interface StreamFilter {
  /** Feed the next piece; returns the text that is safe to emit now (maybe ''). */
  push(piece: string): string;
  /** The stream ended: returns whatever was held back and is safe. */
  end(): string;
}

/** Streaming `stripPings`: the concatenated output equals `stripPings(whole input)`. */
export function createPingFilter(): StreamFilter {
  let held = '';
  let last = '';
  const release = (text: string): string => {
    if (text === '') return '';
    const out = strip(text, last);
    last = text[text.length - 1]!;
    return out;
  };
  return {
    push(piece) {
      const buf = held + piece;
      const cut = holdIndex(buf);
      held = buf.slice(cut);
      return release(buf.slice(0, cut));
    },
    end() {
      const rest = held;
      held = '';
      return release(rest);
    },
  };
}

/** Leading noise a model may put around NO_ANSWER: whitespace, quotes, markdown emphasis, brackets. */
const LEAD = /^[\s"'`*_~>#“”‘’「」『』【】[\](){}.:-]*/u;
const NO_ANSWER = /^no[\s_\\-]{0,2}answer(?![a-z])/i;
/** Text that could still grow into NO_ANSWER (including the bare word, whose next char decides). */
const NO_ANSWER_PREFIX = /^n(?:o(?:[\s_\\-]{0,2}(?:a(?:n(?:s(?:w(?:e(?:r)?)?)?)?)?)?)?)?$/i;

/** True when the model said the passages do not hold the answer (NO_ANSWER at the very start). */
export function isNoAnswer(text: string): boolean {
  return NO_ANSWER.test(text.replace(LEAD, ''));
}

export interface AnswerStreamFilter extends StreamFilter {
  /** True once the reply is known to be NO_ANSWER (nothing was or will be emitted). */
  readonly noAnswer: boolean;
}

/**
 * The streaming filter for answers: holds the first characters back until it is clear the reply
 * is not NO_ANSWER (a NO_ANSWER reply emits nothing at all), then strips pings as they stream.
 */
export function createAnswerStreamFilter(): AnswerStreamFilter {
  const pings = createPingFilter();
  let state: 'deciding' | 'answer' | 'no_answer' = 'deciding';
  let raw = '';
  const decide = (final: boolean): string => {
    const t = raw.replace(LEAD, '');
    if (!final && (t === '' || NO_ANSWER_PREFIX.test(t))) return '';
    if (isNoAnswer(raw)) {
      state = 'no_answer';
      return '';
    }
    state = 'answer';
    return pings.push(raw);
  };
  return {
    get noAnswer() {
      return state === 'no_answer';
    },
    push(piece) {
      if (state === 'answer') return pings.push(piece);
      if (state === 'no_answer') return '';
      raw += piece;
      return decide(false);
    },
    end() {
      const out = state === 'deciding' ? decide(true) : '';
      return state === 'answer' ? out + pings.end() : '';
    },
  };
}

/** `[1]`, `[1, 3]`, `[1-2]`, `【2】`, with the whitespace before it. */
const CITATION = /(\s*)[[【]\s*(\d{1,4}(?:\s*[,，、;–-]\s*\d{1,4})*)\s*[\]】]/g;

/**
 * Normalises citations to `[n]` form, drops numbers that match no passage (a citation to nothing
 * is worse than none), and reports the cited numbers in order of first use. With `refs` (e.g. the
 * SourceRefs of the passages, same `n`), also returns the cited ones in that order.
 */
export function mapCitations<R extends { n: number }>(
  text: string,
  passages: ReadonlyArray<{ n: number }>,
  refs: readonly R[] = [],
): { text: string; cited: number[]; refs: R[] } {
  const valid = new Set(passages.map((p) => p.n));
  const cited: number[] = [];
  const out = text.replace(CITATION, (_m, space: string, list: string) => {
    const numbers = expand(list).filter((n) => valid.has(n));
    for (const n of numbers) if (!cited.includes(n)) cited.push(n);
    return numbers.length === 0 ? '' : space + numbers.map((n) => `[${n}]`).join('');
  });
  const byN = new Map(refs.map((r) => [r.n, r]));
  return { text: out, cited, refs: cited.flatMap((n) => byN.get(n) ?? []) };
}

function expand(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(/\s*[,，、;]\s*/)) {
    const [a, b] = part.split(/\s*[–-]\s*/).map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    // Ranges are short in practice; cap them so "[1-9999]" cannot explode.
    const end = b !== undefined && b >= a && b - a < 20 ? b : a;
    for (let n = a; n <= end; n++) if (!out.includes(n)) out.push(n);
  }
  return out;
}
