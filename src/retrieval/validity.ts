import type { Chunk } from '../domain/documents.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * A front matter date as epoch ms. A plain date ("2026-03-31", which YAML reads as midnight UTC)
 * means the whole day: as an end it is exclusive at the next midnight, so a promotion "valid
 * until March 31" is still cited on March 31.
 */
export function parseDate(value: string | undefined, end = false): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return undefined;
  return end && t % DAY_MS === 0 ? t + DAY_MS : t;
}

export interface Validity {
  from?: number;
  /** Exclusive end. */
  until?: number;
}

export function validityOf(chunk: Pick<Chunk, 'meta'>): Validity {
  const from = parseDate(chunk.meta?.['valid_from']);
  const until = parseDate(chunk.meta?.['valid_until'], true);
  return { ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) };
}

/** Is the passage citable at `now`? Checked at query time, so no reindex is needed when a date passes. */
export function isValidAt(v: Validity, now: number): boolean {
  return (v.from === undefined || now >= v.from) && (v.until === undefined || now < v.until);
}

/** The document's date for citations: front matter `updated`/`date`, else the file mtime at index time. */
export function documentDate(chunk: Pick<Chunk, 'meta'>): number | undefined {
  return (
    parseDate(chunk.meta?.['updated']) ??
    parseDate(chunk.meta?.['date']) ??
    parseDate(chunk.meta?.['file_mtime'])
  );
}

/** Validity of every dated chunk of a space, and the sorted dates at which the citable set changes. */
export class ValidityTable {
  private readonly byLabel = new Map<number, Validity>();
  readonly boundaries: number[];

  constructor(chunks: Map<number, Chunk>) {
    const points: number[] = [];
    for (const [label, chunk] of chunks) {
      const v = validityOf(chunk);
      if (v.from === undefined && v.until === undefined) continue;
      this.byLabel.set(label, v);
      if (v.from !== undefined) points.push(v.from);
      if (v.until !== undefined) points.push(v.until);
    }
    this.boundaries = [...new Set(points)].sort((a, b) => a - b);
  }

  get empty(): boolean {
    return this.byLabel.size === 0;
  }

  valid(label: number, now: number): boolean {
    const v = this.byLabel.get(label);
    return v === undefined || isValidAt(v, now);
  }

  /** How many dates have passed at `now`: changes exactly when some passage starts or stops being citable. */
  epoch(now: number): number {
    let lo = 0;
    let hi = this.boundaries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.boundaries[mid] ?? 0) <= now) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
