import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatReindexProgress, progressBar } from '../../../src/slack/blocks/reindex-progress.js';
import { throttleProgress } from '../../../src/slack/progress-throttle.js';
import { progressStep } from '../../../src/slack/reindex.js';

describe('throttleProgress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows the latest value at most once per interval, never overlapping, and stops on done()', async () => {
    const shown: Array<{ v: number; at: number }> = [];
    const t = throttleProgress(
      async (v: number) => {
        shown.push({ v, at: Date.now() });
      },
      { intervalMs: 1000 },
    );
    const start = Date.now();
    for (let i = 1; i <= 30; i++) {
      t.push(i);
      await vi.advanceTimersByTimeAsync(100);
    }
    await t.done();
    t.push(99);
    await vi.advanceTimersByTimeAsync(5000);
    expect(shown.map((s) => s.v)).toEqual([10, 20, 30].map((x) => x)); // latest value each second
    expect(shown[0]?.at).toBeGreaterThanOrEqual(start + 1000);
    for (let i = 1; i < shown.length; i++)
      expect((shown[i]?.at ?? 0) - (shown[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('respects maxUpdates and worthShowing, and a slow show delays the next one', async () => {
    const shown: number[] = [];
    const t = throttleProgress(
      async (v: number) => {
        shown.push(v);
        await new Promise((r) => setTimeout(r, 3000));
      },
      { intervalMs: 1000, maxUpdates: 2, worthShowing: (n, last) => last === undefined || n - last >= 25 },
    );
    for (let v = 0; v <= 100; v += 5) {
      t.push(v);
      await vi.advanceTimersByTimeAsync(500);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    await t.done();
    expect(shown.length).toBe(2);
    expect((shown[1] ?? 0) - (shown[0] ?? 0)).toBeGreaterThanOrEqual(25);
  });
});

describe('reindex progress text', () => {
  it('shows a bar, the percent and the phase; a coalesced request says it joined', () => {
    expect(progressBar(30)).toBe('▰▰▰▱▱▱▱▱▱▱ 30%');
    expect(formatReindexProgress({ state: 'running', percent: 45, phase: 'embed' })).toMatch(
      /Reindexing.*45% · embedding/,
    );
    expect(formatReindexProgress({ state: 'queued', current: { percent: 70, phase: 'index' } })).toMatch(
      /already running.*joined the next run.*Current run: .* 70% · indexing/,
    );
    expect(formatReindexProgress({ state: 'queued' })).not.toContain('Current run');
  });

  it('progressStep asks for a big enough move or a change of state', () => {
    const step = progressStep(25);
    expect(step({ state: 'running', percent: 10, phase: 'load' }, undefined)).toBe(true);
    expect(
      step({ state: 'running', percent: 20, phase: 'load' }, { state: 'running', percent: 0, phase: 'scan' }),
    ).toBe(false);
    expect(step({ state: 'running', percent: 5, phase: 'load' }, { state: 'queued' })).toBe(true);
    expect(step({ state: 'queued', current: { percent: 40, phase: 'embed' } }, { state: 'queued' })).toBe(
      true,
    );
  });
});
