import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../src/domain/handoff.js';
import { createRedisClient, redisReady } from '../../src/memory/redis-client.js';
import { type FakeSlackApi, type SlackCall, startFakeSlackApi } from '../fakes/slack-api.js';
import { copyKnowledge } from '../helpers/app.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import {
  appMention,
  blockAction,
  eventCallback,
  postsIn,
  quiet,
  type RealSlackApp,
  startRealSlackApp,
  streamedAnswer,
  TEAM,
} from '../helpers/slack.js';

/**
 * Two app instances (replicas) sharing one Redis and one Slack workspace (the same fake Slack
 * Web API): claims race across replicas, both sweep for reminders and card retries, and each
 * ticket still gets one owner, one reminder per interval and one card. Channel ids are unique per
 * run, so keys left in the shared Redis by earlier runs never meet this one.
 */
const hasRedis = await redisAvailable();
const RUN = randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase();
const HANDOFF = `CSUP${RUN}`;
const channel = (n: number) => `C${RUN}${n}`;

describe.skipIf(!hasRedis)('Slack handoffs with two replicas on Redis', () => {
  let fake: FakeSlackApi;
  const apps: RealSlackApp[] = [];
  const created: HandoffTicket[] = [];

  beforeAll(async () => {
    fake = await startFakeSlackApi();
    const kb = copyKnowledge();
    const env = {
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      LLM_PROVIDER: 'offline',
      REDIS_URL,
      SLACK_HANDOFF_CHANNEL: HANDOFF,
      // Reminders after 0.6 s; each replica sweeps every 150 ms.
      HANDOFF_REMIND_MINUTES: '0.01',
    };
    // One after the other: the first builds the shared index, the second loads it.
    apps.push(await startRealSlackApp(env, { fake }));
    apps.push(await startRealSlackApp(env, { fake }));
  });
  afterAll(async () => {
    await quiet(fake).catch(() => {});
    // Leave the shared Redis as we found it (card keys are known only while the apps run).
    const keys: string[] = [];
    for (const t of created) {
      const now = (await apps[0]?.built.handoffs.get(t.id)) ?? t;
      keys.push(`handoff:${t.id}`, `handoffs:conv:${t.conversationKey}`);
      if (now.card) keys.push(`handoffs:card:${now.card.channel}:${now.card.ts}`);
    }
    await Promise.all(apps.map((a) => a.close()));
    await fake?.close();
    const redis = createRedisClient(REDIS_URL);
    await redisReady(redis);
    if (keys.length) await redis.del(...keys);
    for (const t of created) {
      for (const s of ['open', 'claimed', 'resolved', 'cancelled'])
        await redis.zrem(`handoffs:status:${s}`, t.id);
    }
    await redis.quit();
  });

  const [a, b] = [() => apps[0] as RealSlackApp, () => apps[1] as RealSlackApp];

  /** Asks for a human in a new thread (through replica A) and returns the ticket. */
  async function openTicket(ch: string): Promise<HandoffTicket> {
    const m = appMention({ channel: ch, user: 'U1', text: 'I want to talk to a human please' });
    await a().send(eventCallback(m));
    await streamedAnswer(fake, ch, m.ts);
    const t = (await a().built.handoffs.listFor(`${TEAM}:${ch}:${m.ts}`))[0];
    if (!t) throw new Error('no ticket');
    created.push(t);
    return t;
  }
  const cardsOf = (id: string) =>
    postsIn(fake.calls, HANDOFF).filter(
      (c) => !c.args.thread_ts && JSON.stringify(c.args.blocks).includes(id),
    );
  async function cardTs(id: string): Promise<string> {
    await fake.waitFor(() => cardsOf(id).length > 0);
    return String(cardsOf(id)[0]?.response?.ts);
  }

  it('claims sent to two replicas at the same moment: one owner, the other told who has it', async () => {
    const t = await openTicket(channel(1));
    const ts = await cardTs(t.id);
    const claim = (app: RealSlackApp, user: string) =>
      app.send(
        blockAction({ actionId: 'handoff_claim', value: t.id, user, channel: HANDOFF, messageTs: ts }),
      );
    await Promise.all([claim(a(), 'UALICE'), claim(b(), 'UBOB')]);
    await expect.poll(async () => (await b().built.handoffs.get(t.id))?.status).toBe('claimed');
    const owner = (await a().built.handoffs.get(t.id))?.assignee as string;
    const other = owner === 'UALICE' ? 'UBOB' : 'UALICE';
    const told = (c: SlackCall[]) =>
      c.filter((x) => x.method === 'chat.postEphemeral' && x.args.user === other);
    await fake.waitFor((c) => told(c).length > 0);
    expect(told(fake.calls)[0]?.args.text).toBe(`<@${owner}> already has this one.`);
    expect(fake.calls.filter((x) => x.method === 'chat.postEphemeral' && x.args.user === owner)).toEqual([]);
    const history = (await a().built.handoffs.get(t.id))?.history ?? [];
    expect(history.filter((h) => h.action === 'claimed')).toHaveLength(1);
    await a().built.handoffs.resolve(t.id, owner);
  });

  it('both replicas sweep: one reminder per ticket per interval, posted in the card thread', async () => {
    const tickets = await Promise.all([2, 3, 4].map((n) => openTicket(channel(n))));
    const threads = await Promise.all(tickets.map((t) => cardTs(t.id)));
    const reminders = (i: number) =>
      postsIn(fake.calls, HANDOFF, threads[i]).filter((c) => String(c.args.text).includes('Reminder'));
    await fake.waitFor(() => threads.every((_, i) => reminders(i).length >= 1), 5000);
    const firsts = threads.map((_, i) => reminders(i)[0]?.at ?? 0);
    // Both replicas keep sweeping; stay inside each ticket's first interval (0.6 s) after its reminder.
    await sleep(Math.max(0, Math.max(...firsts) + 450 - performance.now()));
    expect(threads.map((_, i) => reminders(i).filter((r) => r.at < (firsts[i] ?? 0) + 500).length)).toEqual([
      1, 1, 1,
    ]);
    // Every reminder posted is one the store let a replica claim (compare-and-set), none twice.
    for (const [i, t] of tickets.entries()) {
      await quiet(fake, 50);
      const won = ((await a().built.handoffs.get(t.id))?.history ?? []).filter(
        (h) => h.action === 'reminded',
      );
      expect(reminders(i).length).toBeLessThanOrEqual(won.length);
      await a().built.handoffs.resolve(t.id, 'UALICE');
    }
  });

  it('a refused card is retried by the sweep of either replica and posted exactly once', async () => {
    fake.refuse('chat.postMessage', 'not_in_channel', (args) => args.channel === HANDOFF && !args.thread_ts);
    const t = await openTicket(channel(5));
    await expect
      .poll(async () => (await b().built.handoffs.get(t.id))?.cardError, { timeout: 5000 })
      .toMatch(/not_in_channel/);
    fake.clear('chat.postMessage');
    await fake.waitFor(() => cardsOf(t.id).length === 1, 5000);
    await sleep(800); // several sweeps of both replicas
    expect(cardsOf(t.id)).toHaveLength(1);
    const posted = await a().built.handoffs.get(t.id);
    expect(posted?.card).toEqual({ channel: HANDOFF, ts: cardsOf(t.id)[0]?.response?.ts });
    await a().built.handoffs.resolve(t.id, 'UALICE');
  });
});
