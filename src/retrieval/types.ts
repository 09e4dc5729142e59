import type { Chunk } from '../domain/documents.js';

/** Embedding port: a real (OpenAI-compatible) and an offline implementation. */
export interface Embedder {
  /** Stable id written to meta.json, e.g. "local-hash-v1:384" or "openai:text-embedding-3-small:1536". */
  readonly id: string;
  readonly dimensions: number;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
  /** Get ready for a large embedDocuments soon (start a thread, open a connection); optional. */
  warm?(): void;
}

export type SearchMode = 'hybrid' | 'vector' | 'lexical';

export interface SearchHit {
  chunk: Chunk;
  /** Fused score for hybrid (RRF), cosine similarity for vector, BM25 for lexical. */
  score: number;
  /** Cosine similarity of the query with this chunk (0..1), when known: used for thresholds. */
  similarity?: number;
  rank: number;
}

export interface SearchOptions {
  space: string;
  k?: number;
  mode?: SearchMode;
  /** The query's embedding when the caller already has it (saves embedding the query twice). */
  queryVector?: number[];
  /** Clock for valid_from / valid_until (epoch ms); default Date.now(). */
  now?: number;
}

export interface Retriever {
  /** Index version being served. */
  readonly version: string;
  spaces(): string[];
  search(query: string, opts: SearchOptions): Promise<SearchHit[]>;
}
