import type { Chunk } from '../domain/documents.js';
import { cosine } from '../retrieval/hnsw-store.js';
import type { LoadedIndex } from '../retrieval/index-reader.js';
import { processTerm, tokenize } from '../retrieval/lexical.js';
import type { Embedder } from '../retrieval/types.js';

/**
 * Step 4, "annotations first": answers saved by humans (knowledge/<space>/answers/*.md with a
 * `question` in front matter) are matched on their question. A match above the threshold is
 * returned as-is, attributed, with no model call.
 */
export interface AnnotationMatch {
  chunk: Chunk;
  question: string;
  answeredBy?: string;
  answeredAt?: string;
  score: number;
}

interface Entry {
  chunk: Chunk;
  question: string;
  vector: number[];
  terms: Set<string>;
}

export function isAnswerFile(source: string): boolean {
  return /(^|\/)answers\/[^/]+\.md$/.test(source);
}

function terms(text: string): Set<string> {
  return new Set(
    tokenize(text)
      .map(processTerm)
      .filter((t): t is string => Boolean(t)),
  );
}

/** Similarity of two questions: the better of embedding cosine and term overlap (Dice). */
export function questionSimilarity(
  a: { vector: number[]; terms: Set<string> },
  b: { vector: number[]; terms: Set<string> },
): number {
  let shared = 0;
  for (const t of a.terms) if (b.terms.has(t)) shared++;
  const dice = a.terms.size + b.terms.size === 0 ? 0 : (2 * shared) / (a.terms.size + b.terms.size);
  return Math.max(cosine(a.vector, b.vector), dice);
}

export class AnnotationMatcher {
  private cache = new Map<string, Promise<Entry[]>>();

  constructor(private readonly embedder: Embedder) {}

  async match(
    index: LoadedIndex,
    space: string,
    question: string,
    minScore: number,
    embed: (text: string) => Promise<number[]> = (text) => this.embedder.embedQuery(text),
  ): Promise<AnnotationMatch | null> {
    const entries = await this.entries(index, space);
    if (entries.length === 0) return null;
    const q = { vector: await embed(question), terms: terms(question) };
    let best: { entry: Entry; score: number } | null = null;
    for (const entry of entries) {
      const score = questionSimilarity(q, entry);
      if (!best || score > best.score) best = { entry, score };
    }
    if (!best || best.score < minScore) return null;
    const meta = best.entry.chunk.meta ?? {};
    return {
      chunk: best.entry.chunk,
      question: best.entry.question,
      ...(meta.answered_by ? { answeredBy: meta.answered_by } : {}),
      ...(meta.answered_at ? { answeredAt: meta.answered_at } : {}),
      score: best.score,
    };
  }

  private entries(index: LoadedIndex, space: string): Promise<Entry[]> {
    const key = `${index.version}\0${space}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.build(index, space);
      // Keep only the current version's entries: a reindex makes older ones stale.
      for (const k of this.cache.keys()) if (!k.startsWith(`${index.version}\0`)) this.cache.delete(k);
      this.cache.set(key, p);
    }
    return p;
  }

  private async build(index: LoadedIndex, space: string): Promise<Entry[]> {
    const s = index.space(space);
    if (!s) return [];
    const firstChunks = new Map<string, Chunk>();
    for (const chunk of s.chunks.values()) {
      if (!isAnswerFile(chunk.source) || !chunk.meta?.question) continue;
      const prev = firstChunks.get(chunk.source);
      if (!prev || chunk.ordinal < prev.ordinal) firstChunks.set(chunk.source, chunk);
    }
    const chunks = [...firstChunks.values()];
    const vectors = await Promise.all(chunks.map((c) => this.embedder.embedQuery(c.meta?.question ?? '')));
    return chunks.map((chunk, i) => ({
      chunk,
      question: chunk.meta?.question ?? '',
      vector: vectors[i] as number[],
      terms: terms(chunk.meta?.question ?? ''),
    }));
  }
}

/** The whole saved answer: every chunk of the answers file, in order. */
export function annotationText(index: LoadedIndex, chunk: Chunk): string {
  const s = index.space(chunk.space);
  const labels = s?.manifest.files[chunk.source]?.chunks ?? [];
  const parts = labels
    .map((c) => s?.chunks.get(c.label))
    .filter((c): c is Chunk => Boolean(c))
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((c) => c.text);
  return parts.length ? parts.join('\n\n') : chunk.text;
}
