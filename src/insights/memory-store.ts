import type { DayCounters, InsightsStore } from './types.js';

/** In-process twin of the Redis insights store (single process, no Redis). */
export class InProcessInsightsStore implements InsightsStore {
  private readonly counters = new Map<string, Map<string, DayCounters>>();
  private readonly indexes = new Map<string, Array<{ id: string; at: number }>>();
  private readonly done = new Set<string>();

  async incr(space: string, day: string, fields: DayCounters): Promise<void> {
    const bySpace = this.counters.get(space) ?? new Map<string, DayCounters>();
    this.counters.set(space, bySpace);
    const bucket = bySpace.get(day) ?? {};
    for (const [k, v] of Object.entries(fields)) bucket[k] = (bucket[k] ?? 0) + v;
    bySpace.set(day, bucket);
  }

  async days(space: string, days: string[]): Promise<DayCounters[]> {
    const bySpace = this.counters.get(space);
    return days.map((d) => ({ ...(bySpace?.get(d) ?? {}) }));
  }

  async index(space: string, id: string, at: number, kind: 'all' | 'down' = 'all'): Promise<void> {
    const key = `${kind}:${space}`;
    const list = this.indexes.get(key) ?? [];
    if (!list.some((e) => e.id === id)) list.push({ id, at });
    list.sort((a, b) => a.at - b.at);
    this.indexes.set(key, list);
  }

  async list(space: string, from: number, to: number, limit: number, kind: 'all' | 'down' = 'all') {
    const list = this.indexes.get(`${kind}:${space}`) ?? [];
    return list
      .filter((e) => e.at >= from && e.at <= to)
      .reverse()
      .slice(0, limit)
      .map((e) => e.id);
  }

  async spaces(): Promise<string[]> {
    return [...this.counters.keys()].sort();
  }

  async markReviewed(id: string): Promise<void> {
    this.done.add(id);
  }

  async reviewed(ids: string[]): Promise<boolean[]> {
    return ids.map((id) => this.done.has(id));
  }
}
