import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffStore, NewHandoff } from '../../src/domain/handoff.js';
import { InProcessHandoffStore } from '../../src/handoff/memory-store.js';
import { RedisHandoffStore } from '../../src/handoff/redis-store.js';
import { createRedisClient, redisReady } from '../../src/memory/redis-client.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';

const input = (over: Partial<NewHandoff> = {}): NewHandoff => ({
  space: 'default',
  conversationKey: `web:${randomUUID()}`,
  conversationId: 'c1',
  origin: { surface: 'web' },
  asker: 'U_ASKER',
  question: 'Can I ship lithium batteries to Norway?',
  draftAnswer: 'Probably not by air.',
  sources: [
    { n: 1, source: 'shipping-policy.md', title: 'Shipping', space: 'default', chunkId: 'x', snippet: 's' },
  ],
  reason: 'escalate',
  ...over,
});

/** The same contract for every HandoffStore: `make()` returns a fresh, empty store. */
function contract(name: string, make: () => Promise<HandoffStore>) {
  describe(`${name} handoff store`, () => {
    it('creates, gets, lists by status and finds the active ticket of a conversation', async () => {
      const store = await make();
      const a = await store.create(input());
      const b = await store.create(input({ question: 'second' }));
      expect(a.status).toBe('open');
      expect(a.sources).toHaveLength(1);
      expect(a.history.map((h) => h.action)).toEqual(['created']);
      expect(await store.get(a.id)).toEqual(a);
      expect(await store.get('h_missing')).toBeNull();
      expect((await store.list({ status: ['open'] })).map((t) => t.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.list({ status: ['claimed', 'resolved'] })).toEqual([]);
      expect(await store.activeFor(a.conversationKey)).toEqual(a);
      expect(await store.activeFor('web:nobody')).toBeNull();
    });

    it('one active ticket per conversation: concurrent creates get the same ticket; once closed a new one opens', async () => {
      const store = await make();
      const key = `web:${randomUUID()}`;
      const made = await Promise.all(
        [1, 2, 3, 4, 5].map(() => store.create(input({ conversationKey: key }))),
      );
      expect(new Set(made.map((t) => t.id)).size).toBe(1);
      expect(await store.listFor(key)).toHaveLength(1);
      await store.resolve(made[0]?.id as string, 'alice');
      const next = await store.create(input({ conversationKey: key }));
      expect(next.id).not.toBe(made[0]?.id);
      expect(next.status).toBe('open');
      expect(await store.create(input({ conversationKey: key }))).toEqual(next);
    });

    it('claim is compare-and-set: of two concurrent claims exactly one wins, the other learns who', async () => {
      const store = await make();
      const t = await store.create(input());
      const results = await Promise.all([store.claim(t.id, 'alice'), store.claim(t.id, 'bob')]);
      const won = results.filter((r) => r.ok);
      const lost = results.filter((r) => !r.ok);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const owner = won[0]?.ok ? won[0].ticket.assignee : undefined;
      const loss = lost[0];
      expect(loss && !loss.ok && loss.code === 'conflict' && loss.ticket.assignee).toBe(owner);
      expect(loss && !loss.ok && loss.message).toContain(owner);
      // The owner may click again; the history has one claim.
      expect((await store.claim(t.id, owner as string)).ok).toBe(true);
      const now = await store.get(t.id);
      expect(now?.status).toBe('claimed');
      expect(now?.history.filter((h) => h.action === 'claimed')).toHaveLength(1);
      expect((await store.list({ status: ['open'] })).map((x) => x.id)).not.toContain(t.id);
      expect((await store.list({ status: ['claimed'] })).map((x) => x.id)).toContain(t.id);
    });

    it('many concurrent claims still have one winner', async () => {
      const store = await make();
      const t = await store.create(input());
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim(t.id, `agent${i}`)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });

    it('reply, forward, resolve, with history of who did what when', async () => {
      const store = await make();
      const t = await store.create(input());
      const r1 = await store.reply(t.id, 'alice', 'Yes, by ground only.');
      expect(r1.ok && r1.ticket.status).toBe('claimed');
      expect(r1.ok && r1.ticket.assignee).toBe('alice');
      const other = await store.reply(t.id, 'bob', 'me too');
      expect(other.ok).toBe(false);
      expect(!other.ok && other.message).toContain('alice');
      await store.forwarded(t.id, { by: 'U_ASKER', text: 'And to Sweden?' });
      await store.reply(t.id, 'alice', 'Same rules.');
      const done = await store.resolve(t.id, 'alice');
      expect(done.ok && done.ticket.status).toBe('resolved');
      const final = await store.get(t.id);
      expect(final?.messages?.map((m) => `${m.role}:${m.by}:${m.text}`)).toEqual([
        'agent:alice:Yes, by ground only.',
        'asker:U_ASKER:And to Sweden?',
        'agent:alice:Same rules.',
      ]);
      expect(final?.history.map((h) => `${h.action}:${h.actor}`)).toEqual([
        'created:U_ASKER',
        'replied:alice',
        'forwarded:U_ASKER',
        'replied:alice',
        'resolved:alice',
      ]);
      expect(final?.history.every((h) => typeof h.at === 'number' && h.at >= t.createdAt)).toBe(true);
      expect(await store.activeFor(t.conversationKey)).toBeNull();
      expect((await store.listFor(t.conversationKey)).map((x) => x.id)).toEqual([t.id]);
      // Closed tickets refuse changes.
      expect((await store.claim(t.id, 'bob')).ok).toBe(false);
      expect((await store.reply(t.id, 'alice', 'late')).ok).toBe(false);
      expect((await store.resolve(t.id, 'alice')).ok).toBe(true); // idempotent
    });

    it('cancel, and unknown ids are not_found', async () => {
      const store = await make();
      const t = await store.create(input());
      const c = await store.cancel(t.id, 'U_ASKER', 'never mind');
      expect(c.ok && c.ticket.status).toBe('cancelled');
      expect((await store.list({ status: ['cancelled'] })).map((x) => x.id)).toContain(t.id);
      const missing = await store.claim('h_nope', 'alice');
      expect(!missing.ok && missing.code).toBe('not_found');
    });

    it('card posted / failed, and CAS on reminders and card retries', async () => {
      const store = await make();
      const t = await store.create(input());
      const failed = await store.markCardFailed(t.id, 'channel_not_found');
      expect(failed.ok && failed.ticket.cardError).toBe('channel_not_found');
      expect(failed.ok && failed.ticket.status).toBe('open');
      const [r1, r2] = await Promise.all([
        store.markCardRetry(t.id, 1000, undefined),
        store.markCardRetry(t.id, 1001, undefined),
      ]);
      expect([r1.ok, r2.ok].filter(Boolean)).toHaveLength(1);
      const posted = await store.markCardPosted(t.id, { channel: 'C_SUPPORT', ts: '1.2' });
      expect(posted.ok && posted.ticket.card).toEqual({ channel: 'C_SUPPORT', ts: '1.2' });
      expect(posted.ok && posted.ticket.cardError).toBeUndefined();
      expect((await store.byCard('C_SUPPORT', '1.2'))?.id).toBe(t.id);
      expect(await store.byCard('C_SUPPORT', '9.9')).toBeNull();

      const [m1, m2] = await Promise.all([
        store.markReminded(t.id, 5000, undefined),
        store.markReminded(t.id, 5001, undefined),
      ]);
      expect([m1.ok, m2.ok].filter(Boolean)).toHaveLength(1);
      const again = await store.markReminded(t.id, 9000, (await store.get(t.id))?.lastRemindedAt);
      expect(again.ok).toBe(true);
      const h = (await store.get(t.id))?.history.map((x) => x.action);
      expect(h).toEqual(['created', 'card_failed', 'card_retry', 'card_posted', 'reminded', 'reminded']);
      await store.claim(t.id, 'alice');
      expect((await store.markReminded(t.id, 10_000, 9000)).ok).toBe(false); // claimed tickets are not reminded
    });

    it('records a saved answer and free notes', async () => {
      const store = await make();
      const t = await store.create(input());
      await store.markAnswerSaved(t.id, 'alice', 'default/answers/x.md');
      await store.note(t.id, { actor: 'copilot', action: 'relay_failed', note: 'boom' });
      const got = await store.get(t.id);
      expect(got?.savedAnswer).toBe('default/answers/x.md');
      expect(got?.history.at(-1)).toMatchObject({ action: 'relay_failed', note: 'boom' });
    });
  });
}

contract('in-process', async () => new InProcessHandoffStore());

describe('in-process store bound', () => {
  it('keeps at most maxTickets: closed tickets are evicted first, oldest first, then the oldest active', async () => {
    let clock = 0;
    const store = new InProcessHandoffStore({ maxTickets: 10, now: () => ++clock });
    const closed = [];
    for (let i = 0; i < 4; i++) {
      const t = await store.create(input());
      await store.resolve(t.id, 'alice');
      closed.push(t.id);
    }
    const open = [];
    for (let i = 0; i < 8; i++) open.push((await store.create(input())).id);
    expect(store.size).toBe(10);
    // Two over: the two oldest closed went, every open ticket stayed.
    expect(await store.get(closed[0] as string)).toBeNull();
    expect(await store.get(closed[1] as string)).toBeNull();
    expect(await store.get(closed[2] as string)).not.toBeNull();
    expect((await store.list({ status: ['open'] })).map((t) => t.id).sort()).toEqual([...open].sort());
    for (let i = 0; i < 10; i++) await store.create(input());
    expect(store.size).toBe(10);
    expect(await store.list({ status: ['resolved'] })).toEqual([]);
    expect(await store.get(open[0] as string)).toBeNull();
  });
});

const hasRedis = await redisAvailable();
describe.skipIf(!hasRedis)('redis', () => {
  const clients: Redis[] = [];
  /** A client in its own key namespace; `''` for one that sees the full key names. */
  const client = async (keyPrefix: string) => {
    const c = createRedisClient(REDIS_URL, undefined, { keyPrefix });
    await redisReady(c);
    clients.push(c);
    return c;
  };
  let prefix = '';
  beforeAll(() => {
    prefix = `test:${randomUUID()}:`;
  });
  afterAll(async () => {
    const c = await client('');
    const keys = await c.keys(`${prefix}*`);
    if (keys.length) await c.del(...keys);
    await Promise.all(clients.map((c) => c.quit()));
  });

  contract('redis', async () => new RedisHandoffStore({ redis: await client(`${prefix}${randomUUID()}:`) }));

  it('two clients (two replicas) racing to claim: one winner; tickets survive a new client', async () => {
    const p = `${prefix}race:`;
    const a = new RedisHandoffStore({ redis: await client(p) });
    const b = new RedisHandoffStore({ redis: await client(p) });
    const t = await a.create(input());
    const results = await Promise.all([a.claim(t.id, 'alice'), b.claim(t.id, 'bob')]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const fresh = new RedisHandoffStore({ redis: await client(p) });
    expect((await fresh.get(t.id))?.status).toBe('claimed');
    expect((await fresh.list({ status: ['claimed'] })).map((x) => x.id)).toEqual([t.id]);
  });

  it('list pages through every open ticket (no cap), ties of createdAt included; closed ones stay capped', async () => {
    const p = `${prefix}many:`;
    // One clock tick for all: every ticket has the same score, the worst case for paging.
    const store = new RedisHandoffStore({ redis: await client(p), listLimit: 5, now: () => 1_000 });
    const made = await Promise.all(Array.from({ length: 1_203 }, () => store.create(input())));
    for (const t of made.slice(0, 20)) await store.claim(t.id, 'alice');
    for (const t of made.slice(20, 30)) await store.resolve(t.id, 'alice');
    const active = await store.list({ status: ['open', 'claimed'] });
    expect(active).toHaveLength(1_193);
    expect(new Set(active.map((t) => t.id)).size).toBe(1_193);
    expect(await store.list({ status: ['resolved'] })).toHaveLength(5);
  });

  it('a closed ticket releases its conversation (no guard key left behind)', async () => {
    const p = `${prefix}guard:`;
    const store = new RedisHandoffStore({ redis: await client(p) });
    const t = await store.create(input());
    expect(await (await client('')).get(`${p}handoffs:active:${t.conversationKey}`)).toBe(t.id);
    await store.cancel(t.id, 'alice');
    expect(await (await client('')).exists(`${p}handoffs:active:${t.conversationKey}`)).toBe(0);
  });

  it('closed tickets expire after the retention; their index entries are dropped when read', async () => {
    const p = `${prefix}ttl:`;
    const store = new RedisHandoffStore({ redis: await client(p), retentionMs: 50 });
    const t = await store.create(input());
    await store.resolve(t.id, 'alice');
    await new Promise((r) => setTimeout(r, 120));
    expect(await store.get(t.id)).toBeNull();
    expect(await store.list({ status: ['resolved'] })).toEqual([]);
    expect(await (await client('')).zcard(`${p}handoffs:status:resolved`)).toBe(0);
  });
});
