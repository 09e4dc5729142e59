import type { Chunk } from '../domain/documents.js';
import type { LoadedIndex } from './index-reader.js';
import type { SearchHit } from './types.js';

/** Does a space's vocabulary know a (processed) term? Lexical evidence for the answer decision. */
export interface Vocabulary {
  knows(term: string): boolean;
}

/**
 * One index version as the answer pipeline sees it: search a space, and the few facts around a
 * search it needs (vocabulary, saved human answers, validity epoch). Nothing else of the index.
 */
export interface KnowledgeView {
  readonly version: string;
  spaces(): string[];
  stats(space: string): { documents: number; chunks: number };
  /** Changes whenever a passage of `space` starts or stops being citable (answer-cache keys). */
  validityEpoch(space: string, now: number): number;
  /** Hybrid search in one space; `space:unknown` when it does not exist. */
  search(
    query: string,
    space: string,
    k: number,
    opts: { queryVector?: number[]; now?: number },
  ): Promise<SearchHit[]>;
  vocabulary(space: string): Vocabulary | undefined;
  /** Saved human answers (`answers/*.md` with a `question`): the first chunk of each file. */
  savedAnswers(space: string): Chunk[];
  /** The whole text of the file a chunk belongs to: every chunk, in order. */
  documentText(chunk: Chunk): string;
}

/** The narrow retrieval port of the pipeline: `pin()` once per answer, read one version throughout. */
export interface KnowledgeRetriever {
  pin(): KnowledgeView;
}

export function isAnswerFile(source: string): boolean {
  return /(^|\/)answers\/[^/]+\.md$/.test(source);
}

/** A LoadedIndex seen through KnowledgeView. */
export function viewOf(index: LoadedIndex): KnowledgeView {
  return {
    version: index.version,
    spaces: () => index.spaces(),
    stats: (space) => ({
      documents: index.space(space)?.documentCount() ?? 0,
      chunks: index.space(space)?.size ?? 0,
    }),
    validityEpoch: (space, now) => index.validityEpoch(space, now),
    search: (query, space, k, opts) =>
      index.search(query, {
        space,
        k,
        ...(opts.queryVector ? { queryVector: opts.queryVector } : {}),
        ...(opts.now !== undefined ? { now: opts.now } : {}),
      }),
    vocabulary: (space) => index.space(space)?.lexical,
    savedAnswers(space) {
      const s = index.space(space);
      if (!s) return [];
      const first = new Map<string, Chunk>();
      for (const chunk of s.chunks.values()) {
        if (!isAnswerFile(chunk.source) || !chunk.meta?.question) continue;
        const prev = first.get(chunk.source);
        if (!prev || chunk.ordinal < prev.ordinal) first.set(chunk.source, chunk);
      }
      return [...first.values()];
    },
    documentText(chunk) {
      const s = index.space(chunk.space);
      const labels = s?.manifest.files[chunk.source]?.chunks ?? [];
      const parts = labels
        .map((c) => s?.chunks.get(c.label))
        .filter((c): c is Chunk => Boolean(c))
        .sort((a, b) => a.ordinal - b.ordinal)
        .map((c) => c.text);
      return parts.length ? parts.join('\n\n') : chunk.text;
    },
  };
}

/** The served index (IndexHolder, hot-swapped) as the pipeline's retriever. */
export function indexRetriever(holder: { current(): LoadedIndex }): KnowledgeRetriever {
  return { pin: () => viewOf(holder.current()) };
}
