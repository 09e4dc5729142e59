import { createHash } from 'node:crypto';

/**
 * Answer-cache keys: space + index version + normalised question. The index
 * version is part of the key so any reindex invalidates every cached answer without a flush.
 *
 * Normalisation only removes what cannot change the meaning of a question (width/compatibility
 * forms, case, spacing, trailing punctuation, a greeting in front), so two people asking the
 * same thing share one cached answer, while different questions never collide.
 */

// A greeting or politeness word in front, optionally addressed to the bot ("hi bot", "hey copilot").
// English words need a word boundary so "history…" or "okapi…" are left alone; Chinese ones do not.
const LEADING_FILLER =
  /^(?:(?:(?:hey|hi|hello|hiya|yo|ok|okay|please|pls|plz|excuse me|um+|uh+)\b(?:\s+(?:bot|copilot|there|team)\b)?|你好|您好|请问|麻烦问一下)[\s,，.。!！:：;；-]*)+/u;
// Trailing question marks, full stops, ellipses, exclamations (ASCII and CJK full-width).
const TRAILING_PUNCTUATION = /[\s?!.,;:~？。！，；：～…]+$/u;

export function normaliseQuestion(question: string): string {
  const base = question.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
  let s = base;
  // Repeat until stable: stripping the filler can expose punctuation and vice versa ("hi?").
  for (let i = 0; i < 4; i++) {
    const next = s.replace(TRAILING_PUNCTUATION, '').replace(LEADING_FILLER, '').trim();
    if (next === s) break;
    s = next;
  }
  // A message that is nothing but a greeting keeps its words, so "hi" and "please" stay distinct.
  return s === '' ? base.replace(TRAILING_PUNCTUATION, '') || base : s;
}

/**
 * `historyDigest` is the digest of the conversation turns that went into the prompt (see
 * `historyDigest`), empty when there were none. An answer shaped by one asker's history is then
 * only ever served back to that same conversation state, never to everyone asking the same
 * words: otherwise one visitor could plant instructions in their own history and have the
 * answer they produced cached for every later asker.
 */
export function answerCacheKey(
  space: string,
  indexVersion: string,
  question: string,
  historyDigest = '',
): string {
  const base = `${space}\0${indexVersion}\0${normaliseQuestion(question)}`;
  return historyDigest ? `${base}\0h:${historyDigest}` : base;
}

/** SHA-256 of the turns (role and text, in order); '' for no history. */
export function historyDigest(turns: ReadonlyArray<{ role: string; text: string }>): string {
  if (turns.length === 0) return '';
  const h = createHash('sha256');
  for (const t of turns) h.update(`${t.role}\0${t.text}\0`);
  return h.digest('hex');
}
