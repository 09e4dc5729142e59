import { describe, expect, it } from 'vitest';
import { InProcessDedupStore } from '../../../src/slack/dedup.js';
import { InProcessThreadStore } from '../../../src/slack/thread-store.js';

describe('in-process dedup and thread stores', () => {
  it('claims a key once until it expires', async () => {
    let now = 1_000;
    const dedup = new InProcessDedupStore({ now: () => now });
    expect(await dedup.firstTime('event:E1', 60)).toBe(true);
    expect(await dedup.firstTime('event:E1', 60)).toBe(false);
    now += 61_000;
    expect(await dedup.firstTime('event:E1', 60)).toBe(true);
  });

  it('stays bounded, dropping the oldest keys', async () => {
    const dedup = new InProcessDedupStore({ maxKeys: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await dedup.firstTime(k, 60);
    expect(await dedup.firstTime('a', 60)).toBe(true);
    expect(await dedup.firstTime('d', 60)).toBe(false);
  });

  it('remembers answered threads for their TTL, refreshed by each answer', async () => {
    let now = 0;
    const threads = new InProcessThreadStore({ now: () => now });
    await threads.remember('T1:C1:1.0', 10);
    now = 8_000;
    await threads.remember('T1:C1:1.0', 10);
    now = 15_000;
    expect(await threads.has('T1:C1:1.0')).toBe(true);
    expect(await threads.has('T1:C1:2.0')).toBe(false);
    now = 19_000;
    expect(await threads.has('T1:C1:1.0')).toBe(false);
  });
});
