import MiniSearch from 'minisearch';
import type { Chunk } from '../domain/documents.js';
import { lexicalText } from './lexical.js';

/**
 * The baseline `npm run eval` reports beside the real modes: plain BM25 over character bigrams
 * (each run of letters or digits is a word; each CJK run is cut into overlapping two-character
 * pieces, a lone character stays whole). No stemming, no stopwords, no vectors.
 */
const RUN =
  /[\p{Script=Han}\u3040-\u30ff\uac00-\ud7af]+|(?:(?![\p{Script=Han}\u3040-\u30ff\uac00-\ud7af])[\p{L}\p{N}])+/gu;
const CJK_RUN = /^[\p{Script=Han}\u3040-\u30ff\uac00-\ud7af]/u;

export function bigramTokens(text: string): string[] {
  const out: string[] = [];
  for (const run of text.toLowerCase().match(RUN) ?? []) {
    if (!CJK_RUN.test(run) || run.length === 1) out.push(run);
    else for (let i = 0; i + 2 <= run.length; i++) out.push(run.slice(i, i + 2));
  }
  return out;
}

export class BigramBm25 {
  private readonly ms = new MiniSearch<{ id: number; text: string; source: string }>({
    fields: ['text'],
    storeFields: ['source'],
    tokenize: bigramTokens,
    processTerm: (t) => t,
  });

  constructor(chunks: Iterable<Chunk>) {
    let id = 0;
    const docs = [];
    for (const c of chunks)
      docs.push({ id: id++, text: `${c.title ?? ''}\n${lexicalText(c)}`, source: c.source });
    this.ms.addAll(docs);
  }

  /** Sources of the best chunks, best first (duplicates kept; the caller dedupes). */
  search(query: string, k: number): string[] {
    return this.ms
      .search(query, { combineWith: 'OR', prefix: false, fuzzy: false })
      .slice(0, k)
      .map((r) => r.source as string);
  }
}
