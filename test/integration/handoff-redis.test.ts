import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../src/domain/handoff.js';
import type { HandoffNotifier } from '../../src/handoff/notifier.js';
import { RedisHandoffStore } from '../../src/handoff/redis-store.js';
import { startReminders } from '../../src/handoff/reminders.js';
import { createHandoffService } from '../../src/handoff/service.js';
import { createRedisClient, redisReady } from '../../src/memory/redis-client.js';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { listenSse } from '../helpers/sse.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'redis-console-token';
const hasRedis = await redisAvailable();

describe.skipIf(!hasRedis)('handoffs on Redis, several replicas', () => {
  const clients: Redis[] = [];
  const client = async (keyPrefix?: string) => {
    const c = createRedisClient(REDIS_URL, undefined, { keyPrefix });
    await redisReady(c);
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('two service instances sweeping the same Redis send exactly one reminder per ticket per interval', async () => {
    const prefix = `test:${randomUUID()}:`;
    const reminders: string[] = [];
    const counting = (who: string): HandoffNotifier => ({
      announce: async (t, { reminder }) => {
        if (reminder) reminders.push(`${who}:${t.id}`);
        return { channel: 'C_SUPPORT', ts: '1.0' };
      },
      update: async () => {},
      relayToAsker: async () => {},
      forward: async () => {},
    });
    const remindAfterMs = 400;
    const make = async (who: string) =>
      createHandoffService({
        store: new RedisHandoffStore({ redis: await client(prefix) }),
        notifiers: [counting(who)],
        logger,
        remindAfterMs,
      });
    const a = await make('a');
    const b = await make('b');
    const tickets = await Promise.all(
      [1, 2, 3].map((i) =>
        a.create({
          space: 'default',
          conversationKey: `slack:T:C:${i}`,
          conversationId: `C:${i}`,
          origin: { surface: 'slack' },
          question: `question ${i}`,
          reason: 'escalate',
        }),
      ),
    );
    const created = Date.now();
    const sweeps = [a, b].map((service) => startReminders({ service, intervalMs: 20, logger }));
    try {
      const ids = tickets.map((t) => t.id);
      const count = (id: string) => reminders.filter((r) => r.endsWith(`:${id}`)).length;
      await expect.poll(() => ids.every((id) => count(id) >= 1), { timeout: 3000, interval: 10 }).toBe(true);
      // Keep both sweeping a while longer, still inside the first interval after the reminder.
      await new Promise((r) => setTimeout(r, Math.max(0, created + remindAfterMs + 250 - Date.now())));
      expect(ids.map(count)).toEqual([1, 1, 1]);
    } finally {
      await Promise.all(sweeps.map((s) => s.stop()));
    }
  });

  describe('real app instances sharing Redis', () => {
    const kb = copyKnowledge();
    const env = {
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      REDIS_URL,
      ADMIN_TOKEN: TOKEN,
      LLM_PROVIDER: 'offline',
    };
    const apps: RunningApp[] = [];
    const created: HandoffTicket[] = [];
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.close()));
      // Leave the shared Redis as we found it.
      const c = clients[0] ?? (await client());
      for (const t of created) {
        await c.del(`handoff:${t.id}`, `handoffs:conv:${t.conversationKey}`);
        for (const s of ['open', 'claimed', 'resolved', 'cancelled'])
          await c.zrem(`handoffs:status:${s}`, t.id);
      }
    });
    const api = async (run: RunningApp, method: string, p: string, body?: unknown) => {
      const res = await fetch(`${run.url}/api/console${p}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('tickets survive a restart, and a reply made on another replica reaches the asker live', async () => {
      const conversationId = `redis-${randomUUID()}`;
      const first = await startApp(env);
      apps.push(first);
      const r = await chat(first.url, { message: 'I need a human please', conversationId });
      const id = r.of('handoff')[0]?.handoffId as string;
      expect(id).toMatch(/^h_/);
      created.push((await first.app.handoffs.get(id)) as HandoffTicket);
      await first.close();
      apps.splice(apps.indexOf(first), 1);

      // A new instance (after the restart) and a second replica beside it.
      const b = await startApp(env);
      const c = await startApp(env);
      apps.push(b, c);
      const seen = await api(b, 'GET', `/handoffs/${id}`);
      expect(seen.status).toBe(200);
      expect((seen.body.ticket as HandoffTicket).question).toBe('I need a human please');
      expect(
        ((await api(c, 'GET', '/handoffs?status=open')).body.tickets as HandoffTicket[]).map((t) => t.id),
      ).toContain(id);

      // The asker's page is connected to replica B; the agent answers on replica C.
      const events = listenSse(`${b.url}/api/conversations/${conversationId}/events`);
      await events.ready;
      const claims = await Promise.all([
        api(b, 'POST', `/handoffs/${id}/claim`, { agent: 'alice' }),
        api(c, 'POST', `/handoffs/${id}/claim`, { agent: 'bob' }),
      ]);
      expect(claims.map((x) => x.status).sort()).toEqual([200, 409]);
      const won = claims.find((x) => x.status === 200)?.body.ticket as HandoffTicket | undefined;
      const owner = won?.assignee as string;
      const reply = await api(c, 'POST', `/handoffs/${id}/reply`, {
        agent: owner,
        text: 'Your payout left today.',
      });
      expect(reply.status).toBe(200);
      await expect
        .poll(() => events.received.find((e) => e.event === 'reply')?.data, { timeout: 5000 })
        .toMatchObject({ handoffId: id, text: 'Your payout left today.', by: owner });
      expect(events.received.filter((e) => e.event === 'handoff').map((e) => e.data.status)).toContain(
        'claimed',
      );
      events.close();
    });
  });
});
