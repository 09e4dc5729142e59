import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { HandoffMessage, HandoffTicket, NewHandoff } from '../../../src/domain/handoff.js';
import { InProcessHandoffStore } from '../../../src/handoff/memory-store.js';
import type { CardRef, HandoffNotifier } from '../../../src/handoff/notifier.js';
import { createHandoffService } from '../../../src/handoff/service.js';
import { InProcessConversationStore } from '../../../src/memory/in-process.js';

const logger = pino({ level: 'silent' });
const input = (key = 'slack:T:C:1'): NewHandoff => ({
  space: 'default',
  conversationKey: key,
  conversationId: 'C:1',
  origin: { surface: 'slack', channel: 'C', threadTs: '1' },
  asker: 'U1',
  question: 'Where is my payout?',
  reason: 'escalate',
});

/** A notifier that records calls; `fail` makes announce throw. */
function recorder() {
  const calls: string[] = [];
  let fail: string | null = null;
  let n = 0;
  const notifier: HandoffNotifier = {
    async announce(t, { reminder }) {
      calls.push(`${reminder ? 'remind' : 'announce'}:${t.id}`);
      if (fail) throw new Error(fail);
      return reminder && t.card ? t.card : ({ channel: 'C_SUPPORT', ts: `${++n}.0` } satisfies CardRef);
    },
    async update(t) {
      calls.push(`update:${t.status}`);
    },
    async relayToAsker(_t, reply: HandoffMessage) {
      calls.push(`relay:${reply.by}:${reply.text}`);
    },
    async forward(_t, m) {
      calls.push(`forward:${m.text}`);
    },
  };
  return { notifier, calls, setFail: (f: string | null) => (fail = f) };
}

function setup(opts: { remindAfterMs?: number; retryAfterMs?: number } = {}) {
  let clock = 1_000_000;
  const now = () => clock;
  const store = new InProcessHandoffStore({ now });
  const rec = recorder();
  const memory = new InProcessConversationStore({ maxTurns: 20, ttlSeconds: 600 });
  const service = createHandoffService({
    store,
    notifiers: [rec.notifier],
    memory,
    logger,
    now,
    remindAfterMs: opts.remindAfterMs ?? 60_000,
    retryAfterMs: opts.retryAfterMs ?? 10_000,
    relayBackoffMs: [5, 10, 20],
  });
  return { service, store, rec, memory, advance: (ms: number) => (clock += ms) };
}

describe('handoff service', () => {
  it('announces a new ticket in the background and records the card', async () => {
    const { service, rec } = setup();
    const t = await service.create(input());
    await service.idle();
    expect(rec.calls).toEqual([`announce:${t.id}`]);
    expect((await service.get(t.id))?.card).toEqual({ channel: 'C_SUPPORT', ts: '1.0' });
  });

  it('one active ticket per conversation: a second create returns the first', async () => {
    const { service } = setup();
    const a = await service.create(input());
    const b = await service.create({ ...input(), question: 'again' });
    expect(b.id).toBe(a.id);
  });

  it('a failed card post keeps the ticket open with the error, and the sweep retries it', async () => {
    const { service, rec, advance } = setup({ retryAfterMs: 10_000 });
    rec.setFail('channel_not_found');
    const t = await service.create(input());
    await service.idle();
    let got = (await service.get(t.id)) as HandoffTicket;
    expect(got.status).toBe('open');
    expect(got.cardError).toBe('channel_not_found');
    expect(got.history.map((h) => h.action)).toEqual(['created', 'card_failed']);

    expect((await service.sweep()).retried).toEqual([]); // too early
    advance(10_000);
    expect((await service.sweep()).retried).toEqual([t.id]); // fails again, stays recorded
    expect((await service.get(t.id))?.cardError).toBe('channel_not_found');
    rec.setFail(null);
    advance(10_000);
    expect((await service.sweep()).retried).toEqual([t.id]);
    got = (await service.get(t.id)) as HandoffTicket;
    expect(got.card).toBeDefined();
    expect(got.cardError).toBeUndefined();
    expect(rec.calls.filter((c) => c.startsWith('announce'))).toHaveLength(3);
  });

  it('re-announces unclaimed tickets once per interval, never claimed ones', async () => {
    const { service, rec, advance } = setup({ remindAfterMs: 60_000 });
    const a = await service.create(input('k:a'));
    const b = await service.create(input('k:b'));
    await service.idle();
    advance(59_000);
    expect((await service.sweep()).reminded).toEqual([]);
    await service.claim(b.id, 'alice');
    advance(1_000);
    expect((await service.sweep()).reminded).toEqual([a.id]);
    expect((await service.sweep()).reminded).toEqual([]); // same interval: once
    advance(60_000);
    expect((await service.sweep()).reminded).toEqual([a.id]);
    expect(rec.calls.filter((c) => c.startsWith('remind'))).toEqual([`remind:${a.id}`, `remind:${a.id}`]);
    // A failed reminder is noted but does not turn into a card retry (that would post a second card).
    rec.setFail('rate_limited');
    advance(60_000);
    await service.sweep();
    const got = await service.get(a.id);
    expect(got?.cardError).toBeUndefined();
    expect(got?.history.at(-1)).toMatchObject({ action: 'card_failed', note: 'rate_limited' });
  });

  it('reply relays to the asker, updates the card, lands in memory as a human turn; resolve on request', async () => {
    const { service, rec, memory } = setup();
    const t = await service.create(input());
    await service.idle();
    const r = await service.reply(t.id, 'alice', 'It left yesterday.', { resolve: true });
    expect(r.ok && r.ticket.status).toBe('resolved');
    expect(rec.calls).toContain('relay:alice:It left yesterday.');
    expect(rec.calls).toContain('update:claimed');
    expect(rec.calls).toContain('update:resolved');
    expect((await memory.recent(t.conversationKey, 5)).map((x) => `${x.role}:${x.text}`)).toEqual([
      'human:It left yesterday.',
    ]);
  });

  it('saving without a saver says why, and the reply still goes out', async () => {
    const { service, rec } = setup();
    const t = await service.create(input());
    const r = await service.reply(t.id, 'alice', 'Answer', { save: true });
    expect(r.ok).toBe(true);
    expect(r.saveError).toMatch(/not available/);
    expect(rec.calls).toContain('relay:alice:Answer');
  });

  it('forward records the asker’s message and passes it to the notifiers', async () => {
    const { service, rec } = setup();
    const t = await service.create(input());
    const r = await service.forward(t.id, { by: 'U1', text: 'Any news?' });
    expect(r.ok && r.ticket.messages?.at(-1)).toMatchObject({ role: 'asker', by: 'U1', text: 'Any news?' });
    expect(rec.calls).toContain('forward:Any news?');
  });

  it('a failing relay is retried with backoff; a notifier that worked is not asked again', async () => {
    const { service, rec } = setup();
    const attempts: number[] = [];
    let left = 2;
    const flaky: HandoffNotifier = {
      announce: async () => null,
      update: async () => {},
      relayToAsker: async () => {
        attempts.push(performance.now());
        if (left-- > 0) throw new Error('fetch failed');
      },
      forward: async () => {},
    };
    service.addNotifier(flaky);
    const t = await service.create(input());
    const r = await service.reply(t.id, 'alice', 'hi');
    expect(attempts).toHaveLength(3);
    // Backoff: the waits grow (5 ms, then 10 ms).
    expect((attempts[2] as number) - (attempts[1] as number)).toBeGreaterThanOrEqual(9);
    expect(rec.calls.filter((c) => c.startsWith('relay:'))).toEqual(['relay:alice:hi']);
    expect(r.ok && r.relayError).toBeFalsy();
    expect((await service.get(t.id))?.history.map((h) => h.action)).not.toContain('relay_failed');
  });

  it('when every retry fails the teammates are told (relayFailed, relayError on the ticket); a later delivery clears it', async () => {
    const { service } = setup();
    const told: string[] = [];
    let broken = true;
    const notifier: HandoffNotifier = {
      announce: async () => null,
      update: async () => {},
      relayToAsker: async () => {
        if (broken) throw new Error('channel_not_found');
      },
      forward: async () => {},
      relayFailed: async (_t, reply, error) => {
        told.push(`${reply.by}:${error}`);
      },
    };
    service.addNotifier(notifier);
    const t = await service.create(input());
    const r = await service.reply(t.id, 'alice', 'hi');
    expect(r.ok && r.relayError).toBe('channel_not_found');
    expect(r.ok && r.ticket.relayError).toBe('channel_not_found');
    expect(told).toEqual(['alice:channel_not_found']);
    broken = false;
    const again = await service.reply(t.id, 'alice', 'hi again');
    expect(again.ok && again.relayError).toBeFalsy();
    expect((await service.get(t.id))?.relayError).toBeUndefined();
  });

  it('a relay failure is recorded on the ticket', async () => {
    const { service } = setup();
    const broken: HandoffNotifier = {
      announce: async () => null,
      update: async () => {},
      relayToAsker: async () => {
        throw new Error('not_in_channel');
      },
      forward: async () => {},
    };
    service.addNotifier(broken);
    const t = await service.create(input());
    await service.reply(t.id, 'alice', 'hi');
    expect((await service.get(t.id))?.history.map((h) => `${h.action}:${h.note ?? ''}`)).toContain(
      'relay_failed:not_in_channel',
    );
  });
});
