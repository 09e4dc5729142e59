import { describe, expect, it } from 'vitest';
import type { HandoffStatus, NewHandoff } from '../../../src/domain/handoff.js';
import { InProcessHandoffStore } from '../../../src/handoff/memory-store.js';
import { createMetrics } from '../../../src/http/metrics.js';

/** The real in-process store, counting what each list() call hands back. */
class CountingStore extends InProcessHandoffStore {
  calls = 0;
  listed = 0;
  override async list(filter?: { status?: HandoffStatus[] }) {
    this.calls++;
    const out = await super.list(filter);
    this.listed += out.length;
    return out;
  }
}

const input = (i: number): NewHandoff => ({
  space: 'default',
  conversationKey: `web:conv-${i}`,
  conversationId: `conv-${i}`,
  origin: { surface: 'web' },
  question: `question ${i}`,
  reason: 'escalate',
});

describe('/metrics handoff gauge', () => {
  it('lists tickets at most once per TTL, only the active ones, however often it is scraped', async () => {
    let t = 1_000_000;
    const store = new CountingStore();
    for (let i = 0; i < 50; i++) await store.create(input(i));
    for (let i = 0; i < 10; i++) {
      const tk = (await store.list({ status: ['open'] }))[0]!;
      await store.resolve(tk.id, 'alice');
    }
    store.calls = 0;
    store.listed = 0;
    const metrics = createMetrics({ handoffs: store, handoffCountsTtlMs: 30_000, now: () => t });
    const scrapes = await Promise.all(Array.from({ length: 20 }, () => metrics.registry.metrics()));
    for (let i = 0; i < 20; i++) scrapes.push(await metrics.registry.metrics());
    expect(store.calls).toBe(1);
    // Resolved tickets (history that only grows) are never read for a scrape.
    expect(store.listed).toBe(40);
    expect(scrapes.at(-1)).toMatch(/copilot_handoffs\{state="open"\} 40/);
    expect(scrapes.at(-1)).not.toMatch(/state="resolved"/);

    await store.create(input(99));
    t += 30_001;
    const fresh = await metrics.registry.metrics();
    expect(store.calls).toBe(2);
    expect(fresh).toMatch(/copilot_handoffs\{state="open"\} 41/);
  });
});
