/**
 * Time buckets and latency histograms for insights. Days are UTC (YYYY-MM-DD). Latencies go into
 * log-spaced buckets (factor 1.25), so p50/p95 come from counters alone, within 25 %.
 */
export const DAY_MS = 86_400_000;
const FACTOR = Math.log(1.25);

export function dayOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The `count` days ending with the day of `now`, oldest first. */
export function lastDays(count: number, now: number): string[] {
  const out: string[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(dayOf(now - i * DAY_MS));
  return out;
}

export function bucketOf(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log(ms) / FACTOR);
}

/** Upper bound (ms) of a bucket. */
export function bucketUpper(bucket: number): number {
  return Math.round(Math.exp(bucket * FACTOR));
}

/** Percentile (0..1) from bucket counts; null when empty. Reports the bucket's upper bound. */
export function percentile(hist: Map<number, number>, p: number): number | null {
  let total = 0;
  for (const n of hist.values()) total += n;
  if (total === 0) return null;
  const rank = Math.ceil(p * total);
  let seen = 0;
  for (const b of [...hist.keys()].sort((a, z) => a - z)) {
    seen += hist.get(b) ?? 0;
    if (seen >= rank) return bucketUpper(b);
  }
  return null;
}
