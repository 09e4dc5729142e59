import type { LoadedIndex } from './index-reader.js';
import { documentDate, parseDate } from './validity.js';

/** A document whose front matter `review_after` date has passed: an admin should check it. */
export interface ReviewItem {
  space: string;
  source: string;
  title: string;
  /** ISO date-time the document became due. */
  reviewAfter: string;
  /** The document's date (front matter `updated`/`date`, else file mtime), when known. */
  updatedAt?: string;
  /** Whole days since it became due. */
  overdueDays: number;
}

const DAY_MS = 24 * 3600 * 1000;

type Dated = Omit<ReviewItem, 'overdueDays' | 'reviewAfter'> & { at: number };

// Per loaded version: documents with a review_after date (a version is immutable).
const cache = new WeakMap<LoadedIndex, Dated[]>();

function datedDocuments(index: LoadedIndex): Dated[] {
  const known = cache.get(index);
  if (known) return known;
  const out: Dated[] = [];
  for (const name of index.spaces()) {
    const seen = new Set<string>();
    for (const chunk of index.space(name)?.chunks.values() ?? []) {
      if (seen.has(chunk.source)) continue;
      const at = parseDate(chunk.meta?.['review_after']);
      if (at === undefined) continue;
      seen.add(chunk.source);
      const updated = documentDate(chunk);
      out.push({
        space: name,
        source: chunk.source,
        title: chunk.title,
        at,
        ...(updated !== undefined ? { updatedAt: new Date(updated).toISOString() } : {}),
      });
    }
  }
  cache.set(index, out);
  return out;
}

/** Documents past their `review_after` date at `now`, most overdue first. */
export function reviewDue(index: LoadedIndex, now: number): ReviewItem[] {
  return datedDocuments(index)
    .filter((d) => d.at <= now)
    .sort((a, b) => a.at - b.at || a.source.localeCompare(b.source))
    .map(({ at, ...d }) => ({
      ...d,
      reviewAfter: new Date(at).toISOString(),
      overdueDays: Math.floor((now - at) / DAY_MS),
    }));
}
