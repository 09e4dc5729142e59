import type { SourceRef } from '../domain/answers.js';
import type { PromptPassage } from '../domain/llm.js';
import type { SearchHit } from '../retrieval/types.js';
import { documentDate } from '../retrieval/validity.js';

/** Per-source dedup: keep at most `perSource` passages of one document, in rank order. */
export function dedupePerSource(hits: SearchHit[], perSource: number, k: number): SearchHit[] {
  const counts = new Map<string, number>();
  const out: SearchHit[] = [];
  for (const h of hits) {
    const n = counts.get(h.chunk.source) ?? 0;
    if (n >= perSource) continue;
    counts.set(h.chunk.source, n + 1);
    out.push(h);
    if (out.length >= k) break;
  }
  return out;
}

/** A document's `url` front matter as a citation link: absolute http(s) only, never `javascript:`. */
export function linkOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Source references for the passages the prompt actually numbered, keyed by their [n]. */
export function toSourceRefs(passages: PromptPassage[], hits: SearchHit[]): SourceRef[] {
  // The prompt builder numbers passages 1..n in the rank order of `hits`.
  return passages.map((p) => {
    const chunk = hits[p.n - 1]?.chunk;
    const date = chunk ? documentDate(chunk) : undefined;
    return {
      n: p.n,
      source: p.source,
      title: p.title,
      space: chunk?.space ?? '',
      chunkId: chunk?.id ?? '',
      ...(chunk?.headingPath?.length ? { headingPath: chunk.headingPath } : {}),
      ...(chunk?.page ? { page: chunk.page } : {}),
      ...(linkOf(chunk?.meta?.['url']) ? { url: linkOf(chunk?.meta?.['url']) } : {}),
      snippet: p.text.replace(/\s+/g, ' ').slice(0, 240),
      ...(date !== undefined ? { updatedAt: new Date(date).toISOString() } : {}),
    };
  });
}

/** The sources the answer cites (numbers unchanged, so [n] in the text still matches); all if none cited. */
export function citedSources(all: SourceRef[], cited: number[]): SourceRef[] {
  if (cited.length === 0) return all;
  const set = new Set(cited);
  return all.filter((s) => set.has(s.n));
}
