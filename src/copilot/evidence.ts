import type { Vocabulary } from '../retrieval/knowledge.js';
import { processTerm, tokenize } from '../retrieval/lexical.js';
import type { SearchHit } from '../retrieval/types.js';

/**
 * Lexical evidence for the answer/escalate decision, next to vector similarity:
 * - coverage: the largest share of the question's content terms found in one top passage;
 * - unknownNames: names and codes in the question (capitalised words after the first, SKUs,
 *   order ids) that appear nowhere in the space. A question about something the knowledge base
 *   never mentions ("Mexico", "Wi-Fi") cannot be answered from it, however similar the rest is.
 */
export interface Evidence {
  coverage: number;
  /** Found terms over all content terms of the question (known to the space or not). */
  share: number;
  unknownNames: string[];
  /** Names/codes of the question found in a top passage: strong evidence the passage is on topic. */
  matchedNames: string[];
}

export function contentTerms(text: string): string[] {
  return [
    ...new Set(
      tokenize(text)
        .map(processTerm)
        .filter((t): t is string => Boolean(t)),
    ),
  ];
}

/** All-caps words that are everyday English, not names ("is it OK to…"). */
const COMMON_CAPS = new Set(['OK', 'ASAP', 'FYI', 'PLS']);

export function namedTerms(question: string): string[] {
  // Chinese text is not a name: a run like "过去30天最低价" mixes characters and digits without being a code.
  const words = question.replace(/\p{Script=Han}+/gu, ' ').match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
  return words.filter((w, i) => {
    if (COMMON_CAPS.has(w)) return false;
    if (/^[\p{Lu}]{2,}$/u.test(w) && w.length <= 3 && i === 0) return false;
    const capitalised = i > 0 && /^\p{Lu}/u.test(w) && !/^I(?:'|’|$)/.test(w);
    const code = /\p{L}/u.test(w) && /\p{N}/u.test(w);
    const acronym = /^\p{Lu}{2,}$/u.test(w);
    return capitalised || code || acronym;
  });
}

export function gatherEvidence(
  question: string,
  hits: SearchHit[],
  vocabulary: Vocabulary | undefined,
): Evidence {
  // Words the space never uses (slang, typos) cannot be matched by any passage: leave them out.
  const all = contentTerms(question);
  const terms = all.filter((t) => !vocabulary || vocabulary.knows(t));
  const passages = hits
    .slice(0, 3)
    .map(
      (h) =>
        new Set(contentTerms(`${h.chunk.title} ${h.chunk.headingPath?.join(' ') ?? ''} ${h.chunk.text}`)),
    );
  let coverage = 0;
  let share = 0;
  for (const passage of passages) {
    const found = terms.filter((t) => passage.has(t)).length;
    coverage = Math.max(coverage, terms.length ? found / terms.length : 0);
    share = Math.max(share, all.length ? found / all.length : 0);
  }
  const names = namedTerms(question);
  const unknownNames = vocabulary
    ? names.filter((name) => contentTerms(name).some((t) => !vocabulary.knows(t)))
    : [];
  const matchedNames = names.filter((name) => {
    const parts = contentTerms(name);
    return parts.length > 0 && passages.some((p) => parts.every((t) => p.has(t)));
  });
  return { coverage, share, unknownNames, matchedNames };
}
