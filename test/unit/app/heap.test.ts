import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { limitHeapGrowth, settleHeap } from '../../../src/app/heap.js';
import { loadConfig } from '../../../src/config.js';

describe('heap growth limit', () => {
  it('defaults to 20%, accepts 0 (V8 decides) and refuses nonsense', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(20);
    expect(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: '-5' })).toThrow(/HEAP_GROWING_PERCENT/);
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: 'lots' })).toThrow(/HEAP_GROWING_PERCENT/);
  });

  it('sets the V8 flag V8 reads at every full GC (and 0 leaves it alone)', () => {
    const spy: string[] = [];
    const original = v8.setFlagsFromString;
    v8.setFlagsFromString = (flags: string) => {
      spy.push(flags);
    };
    try {
      limitHeapGrowth(20);
      limitHeapGrowth(0);
    } finally {
      v8.setFlagsFromString = original;
    }
    expect(spy).toEqual(['--heap-growing-percent=20']);
    // The flag exists in this Node's V8 (setFlagsFromString ignores unknown flags silently).
    expect(execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' })).toContain(
      '--heap-growing-percent',
    );
  });

  it('settleHeap runs a full collection (garbage made before it is gone after it)', () => {
    const make = () => Array.from({ length: 200 }, () => new Array(50_000).fill(1.5)).length;
    expect(make()).toBe(200); // ~80 MB, unreachable once make() returns
    const before = process.memoryUsage().heapUsed;
    settleHeap();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 50_000_000);
  });
});
