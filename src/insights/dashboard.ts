import { lastDays, percentile } from './buckets.js';
import { CATEGORIES, type Category, type DayCounters, type InsightsStore } from './types.js';

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];

export interface Dashboard {
  space: string;
  period: Period;
  days: string[];
  /** Questions per day by category (same order as `days`). */
  perDay: Record<Category, number[]>;
  tokensPerDay: number[];
  costPerDay: number[];
  totals: {
    questions: number;
    byCategory: Record<Category, number>;
    automatedRate: number | null;
    thumbsUp: number;
    thumbsDown: number;
    thumbsUpRate: number | null;
    downReasons: Record<string, number>;
    tokens: number;
    costUsd: number;
  };
  ttftMs: { p50: number | null; p95: number | null };
  handoff: {
    claimed: number;
    resolved: number;
    claimMs: { p50: number | null; p95: number | null };
    resolveMs: { p50: number | null; p95: number | null };
  };
}

/** Figures for one space ('*' = all spaces) over the last `period` days ending at `now`. */
export async function dashboard(
  store: InsightsStore,
  opts: { space: string; period: Period; now?: number },
): Promise<Dashboard> {
  const days = lastDays(opts.period, opts.now ?? Date.now());
  const spaces = opts.space === '*' ? await store.spaces() : [opts.space];
  const merged: DayCounters[] = days.map(() => ({}));
  const rows = await Promise.all(spaces.map((s) => store.days(s, days)));
  for (const row of rows) {
    row.forEach((c, i) => {
      const m = merged[i] as DayCounters;
      for (const [k, v] of Object.entries(c)) m[k] = (m[k] ?? 0) + v;
    });
  }
  const perDay = Object.fromEntries(
    CATEGORIES.map((c) => [c, merged.map((m) => m[`c:${c}`] ?? 0)]),
  ) as Record<Category, number[]>;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, sum(perDay[c])])) as Record<
    Category,
    number
  >;
  const hist = (prefix: string) => {
    const h = new Map<number, number>();
    for (const m of merged) {
      for (const [k, v] of Object.entries(m)) {
        if (k.startsWith(prefix)) {
          const b = Number(k.slice(prefix.length));
          h.set(b, (h.get(b) ?? 0) + v);
        }
      }
    }
    return { p50: percentile(h, 0.5), p95: percentile(h, 0.95) };
  };
  const downReasons: Record<string, number> = {};
  for (const m of merged) {
    for (const [k, v] of Object.entries(m)) {
      if (k.startsWith('fbr:') && v) downReasons[k.slice(4)] = (downReasons[k.slice(4)] ?? 0) + v;
    }
  }
  const questions = sum(merged.map((m) => m.q ?? 0));
  const up = sum(merged.map((m) => m['fb:up'] ?? 0));
  const down = sum(merged.map((m) => m['fb:down'] ?? 0));
  const tokensPerDay = merged.map((m) => m.tok ?? 0);
  const costPerDay = merged.map((m) => (m.cost_u ?? 0) / 1_000_000);
  const automated = byCategory.answered + byCategory.saved + byCategory.cache;
  return {
    space: opts.space,
    period: opts.period,
    days,
    perDay,
    tokensPerDay,
    costPerDay,
    totals: {
      questions,
      byCategory,
      automatedRate: questions ? automated / questions : null,
      thumbsUp: up,
      thumbsDown: down,
      thumbsUpRate: up + down ? up / (up + down) : null,
      downReasons,
      tokens: sum(tokensPerDay),
      costUsd: sum(costPerDay),
    },
    ttftMs: hist('ttft:'),
    handoff: {
      claimed: sum(merged.map((m) => m.claim_n ?? 0)),
      resolved: sum(merged.map((m) => m.resolve_n ?? 0)),
      claimMs: hist('claim:'),
      resolveMs: hist('resolve:'),
    },
  };
}
