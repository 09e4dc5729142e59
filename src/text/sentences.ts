import { estimateTokens } from './token-estimate.js';

/** A contiguous slice [start, end) of a section's text. Units tile the text exactly. */
export interface Unit {
  start: number;
  end: number;
  tokens: number;
  /** false for pieces of an over-long sentence cut by hardSplit (never used as overlap). */
  whole: boolean;
}

/*
 * Where a sentence (or a line-like block) ends. A regex and not Intl.Segmenter: on Node 20 the
 * segmenter's iterator is quadratic in the string length (0.2 MB took 1.6 s, 0.9 MB took 27 s),
 * and it does not end sentences at "；". Alternatives, in order:
 * - Latin . ! ? (plus closing quotes/brackets) followed by whitespace, end of text, or CJK text;
 *   "3.5 kg" and "example.com" are not boundaries;
 * - Chinese 。！？； (no space needed after them);
 * - a blank line (paragraph break);
 * - a newline before a list item, quote, heading or table row, so lists and tables pack row by row.
 * Every match consumes the whitespace that follows, so the next unit starts at real text.
 */
const BOUNDARY =
  /[.!?]+["'”’)\]]*(?:\s+|$|(?=[\u3000-\u9fff\uff00-\uffef]))|[。！？；]+["'”’」』）\]]*\s*|\n[ \t]*\n\s*|\n(?=[ \t]*(?:[-*+>]\s|#|\||\d+[.)]\s))/g;

export function splitUnits(text: string, targetTokens: number, maxTokens: number): Unit[] {
  const units: Unit[] = [];
  const push = (start: number, end: number) => {
    const tokens = estimateTokens(text, start, end);
    if (tokens > maxTokens) hardSplit(text, start, end, tokens, targetTokens, units);
    else units.push({ start, end, tokens, whole: true });
  };
  const re = new RegExp(BOUNDARY.source, 'g');
  let start = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end > start) push(start, end);
    start = end;
  }
  if (start < text.length) push(start, text.length);
  return units;
}

/**
 * Cut an over-long sentence into pieces of about targetTokens, preferring a newline, then any
 * whitespace, then a plain character boundary (CJK text has no spaces), never inside a surrogate pair.
 */
function hardSplit(text: string, start: number, end: number, tokens: number, target: number, out: Unit[]) {
  const charsPerToken = (end - start) / Math.max(1, tokens);
  let pos = start;
  while (pos < end) {
    let budget = Math.max(1, Math.floor(target * charsPerToken));
    for (;;) {
      const cut = findCut(text, pos, Math.min(end, pos + budget), end);
      const pieceTokens = estimateTokens(text, pos, cut);
      // Token density can vary inside a sentence (digits vs words): shrink until it fits.
      if (pieceTokens <= target || budget <= 1) {
        out.push({ start: pos, end: cut, tokens: pieceTokens, whole: false });
        pos = cut;
        break;
      }
      budget = Math.floor(budget / 2);
    }
  }
}

function findCut(text: string, pos: number, limit: number, end: number): number {
  if (limit >= end) return end;
  // Bounded backward scans (not lastIndexOf, which could scan to the start of a huge text).
  const floor = pos + Math.floor((limit - pos) / 2);
  for (let i = limit - 1; i >= floor; i--) if (text.charCodeAt(i) === 10) return i + 1;
  for (let i = limit - 1; i >= floor; i--) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 0x3000) return i + 1;
  }
  let cut = Math.max(pos + 1, limit);
  const c = text.charCodeAt(cut);
  if (c >= 0xdc00 && c <= 0xdfff) cut = cut - 1 > pos ? cut - 1 : cut + 1; // keep surrogate pairs whole
  return Math.min(cut, end);
}
