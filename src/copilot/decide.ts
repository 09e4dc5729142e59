import type { ClarifyOption } from '../domain/copilot.js';
import type { SearchHit } from '../retrieval/types.js';

/**
 * Step 7: answer, clarify or escalate. Pure.
 * - escalate: nothing relevant (best cosine similarity below the threshold);
 * - clarify: a short question whose best passages come from different documents with close
 *   scores — asking "which one?" beats guessing;
 * - answer: otherwise.
 */
export interface Decision {
  decision: 'answer' | 'clarify' | 'escalate';
  options?: ClarifyOption[];
  topScore: number;
}

export interface DecideOptions {
  minScore: number;
  /** Lexical evidence (see evidence.ts); without it only similarity decides. */
  evidence?: { coverage: number; share: number; unknownNames: string[]; matchedNames: string[] };
  /** With this much of the question found in one passage, low similarity alone does not escalate. */
  minCoverage?: number;
  /** Questions with at most this many words (CJK: characters / 2) count as short. */
  shortWords?: number;
  /** Second-best document within this similarity of the best → ambiguous. */
  closeness?: number;
}

export function wordCount(text: string): number {
  const cjk = (text.match(/[\u3400-\u9fff]/g) ?? []).length;
  const words = text.replace(/[\u3400-\u9fff]/g, ' ').match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  return words + Math.ceil(cjk / 2);
}

export function decide(question: string, hits: SearchHit[], opts: DecideOptions): Decision {
  const sims = hits.map((h) => h.similarity ?? 0);
  const topScore = sims.length ? Math.max(...sims) : 0;
  const ev = opts.evidence;
  if (hits.length === 0) return { decision: 'escalate', topScore };
  if (ev && ev.unknownNames.length > 0) return { decision: 'escalate', topScore };
  const covered = ev
    ? (ev.coverage >= (opts.minCoverage ?? 0.5) && ev.share >= 0.34) || ev.matchedNames.length > 0
    : false;
  if (topScore < opts.minScore && !covered) return { decision: 'escalate', topScore };
  const short = wordCount(question) <= (opts.shortWords ?? 3);
  if (!short) return { decision: 'answer', topScore };
  // Best similarity per document, in rank order of first appearance.
  const perDoc = new Map<string, { hit: SearchHit; sim: number }>();
  for (const h of hits) {
    const sim = h.similarity ?? 0;
    const prev = perDoc.get(h.chunk.source);
    if (!prev || sim > prev.sim) perDoc.set(h.chunk.source, { hit: h, sim });
  }
  const docs = [...perDoc.values()].sort((a, b) => b.sim - a.sim);
  const close = docs.filter((d) => topScore - d.sim <= (opts.closeness ?? 0.08));
  if (close.length < 2) return { decision: 'answer', topScore };
  const options = close.slice(0, 4).map(({ hit }) => {
    const label = hit.chunk.headingPath?.length
      ? `${hit.chunk.title} › ${hit.chunk.headingPath.at(-1)}`
      : hit.chunk.title;
    return {
      label: label.slice(0, 70),
      question: `${question} (${label})`.slice(0, 500),
      source: hit.chunk.source,
    };
  });
  return { decision: 'clarify', options, topScore };
}
