/**
 * Text scanning for the local hashing embedder: a hand-written scanner instead of
 * Intl.Segmenter, because Segmenter measured ~1,200 texts/s on 2,000-char English texts
 * (we need ≥ 5,000/s). Latin-script words come out as lowercased alphanumeric runs (what
 * Segmenter's isWordLike gives for English); CJK runs are handed over whole so the caller
 * can emit character n-grams, which cover Chinese words without a dictionary.
 */

/** 32-bit FNV-1a over UTF-16 code units of s[start, end), starting from `seed`. */
export function fnv1a(s: string, seed: number, start = 0, end = s.length): number {
  let h = seed;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** Continue an FNV-1a hash with one more code unit (for rolling n-grams without strings). */
export function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193) | 0;
}

/** murmur3 finaliser: spreads FNV's weak low bits before we take bucket and sign from them. */
export function fmix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

export function isCjk(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) || // CJK unified ideographs
    (c >= 0x3400 && c <= 0x4dbf) || // extension A
    (c >= 0xf900 && c <= 0xfaff) || // compatibility ideographs
    (c >= 0x3040 && c <= 0x30ff) || // hiragana, katakana
    (c >= 0xac00 && c <= 0xd7af) // hangul syllables
  );
}

/** Word characters outside ASCII: letters of other scripts (accented Latin, Cyrillic, Greek…). */
function isOtherWordChar(c: number): boolean {
  if (c === 0xa0 || (c >= 0x2000 && c <= 0x2bff)) return false; // spaces, punctuation, symbols
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xd800 && c <= 0xdfff) return false; // surrogates: emoji and rare ideographs
  if (c >= 0xfe30 && c <= 0xfe4f) return false; // CJK compatibility forms
  if (c >= 0xff00 && c <= 0xffef) return false; // leftover half/fullwidth punctuation
  return c >= 0xc0 && !isCjk(c);
}

const ASCII_WORD = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII_WORD[c] = 1;
for (let c = 97; c <= 122; c++) ASCII_WORD[c] = 1;

/** Lowercase, and fold fullwidth ASCII (ＳＫＵ１２３, common in Chinese text) to ASCII. */
export function normaliseText(text: string): string {
  const lower = text.toLowerCase();
  return /[\uff01-\uff5e]/.test(lower)
    ? lower.replace(/[\uff01-\uff5e]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0))
    : lower;
}

export interface ScanVisitor {
  word(word: string): void;
  /** A maximal run of CJK characters in s[start, end). */
  cjk(s: string, start: number, end: number): void;
}

/** Walk normalised text once, reporting words and CJK runs in order. */
export function scan(s: string, visit: ScanVisitor): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128 ? ASCII_WORD[c] === 1 : isOtherWordChar(c)) {
      const start = i;
      i++;
      while (i < n) {
        const d = s.charCodeAt(i);
        if (d < 128 ? ASCII_WORD[d] !== 1 : !isOtherWordChar(d)) break;
        i++;
      }
      visit.word(s.slice(start, i));
    } else if (c >= 128 && isCjk(c)) {
      const start = i;
      i++;
      while (i < n && isCjk(s.charCodeAt(i))) i++;
      visit.cjk(s, start, i);
    } else {
      i++;
    }
  }
}

export const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are as at be because been before being below
  between both but by can could did do does doing down during each few for from further had has have
  having he her here hers herself him himself his how i if in into is it its itself just me more most
  my myself no nor not now of off on once only or other our ours ourselves out over own same she should
  so some such than that the their theirs them themselves then there these they this those through to
  too under until up very was we were what when where which while who whom why will with would you
  your yours yourself yourselves s t can't don't won't also may might must shall us let get got please`
    .split(/\s+/)
    .filter(Boolean),
);

/** Suffixes tried longest-first; only one is stripped. [suffix, replacement]. */
const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['ations', ''],
  ['ation', ''],
  ['ments', ''],
  ['ment', ''],
  ['tions', 't'],
  ['tion', 't'],
  ['ness', ''],
  ['ingly', ''],
  ['ings', ''],
  ['ing', ''],
  ['able', ''],
  ['ible', ''],
  ['edly', ''],
  ['sses', 'ss'],
  ['ies', 'y'],
  ['ied', 'y'],
  ['ed', ''],
  ['ly', ''],
  ['ss', 'ss'],
  ['us', 'us'],
  ['is', 'is'],
  ['es', ''],
  ['s', ''],
];
const ES_AFTER = /(?:s|x|z|ch|sh)$/;
const ASCII_LETTERS = /^[a-z]+$/;

/**
 * A deliberately light English stemmer. Exactness does not matter, consistency does: the
 * same rules run on documents, queries and the concept lexicon, so "refunds", "refunded",
 * "refundable" all meet at "refund", and "charge", "charged", "charging" at "charg".
 */
export function stem(word: string): string {
  if (word.length <= 3 || !ASCII_LETTERS.test(word)) return word;
  let w = word;
  for (const [suffix, replacement] of SUFFIXES) {
    if (!w.endsWith(suffix)) continue;
    const base = w.slice(0, w.length - suffix.length);
    if (base.length < 3) break;
    if (suffix === 'es' && !ES_AFTER.test(base)) w = w.slice(0, -1);
    else w = base + replacement;
    break;
  }
  const last = w.charCodeAt(w.length - 1);
  // Undouble (shipp → ship, cancell → cancel) but keep "ss" (pass, address).
  if (
    w.length > 3 &&
    last === w.charCodeAt(w.length - 2) &&
    last !== 115 &&
    !/[aeiou]/.test(w[w.length - 1]!)
  ) {
    w = w.slice(0, -1);
  }
  // Dropping a final "e" makes price/priced/pricing agree.
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Stemmed, stopword-free word list of a short phrase (used to compile the concept lexicon). */
export function phraseStems(phrase: string): string[] {
  const out: string[] = [];
  scan(normaliseText(phrase), {
    word: (w) => {
      if (!STOPWORDS.has(w)) out.push(stem(w));
    },
    cjk: () => {},
  });
  return out;
}
