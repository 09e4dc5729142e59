import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { inProcessRateLimiter } from '../../src/copilot/rate-limit.js';
import type { RateLimiter } from '../../src/domain/rate-limit.js';
import { createInProcessEventBus } from '../../src/handoff/events.js';
import { InProcessHandoffStore } from '../../src/handoff/memory-store.js';
import { createWebNotifier } from '../../src/handoff/notifier.js';
import { createHandoffService } from '../../src/handoff/service.js';
import { createHttpApp } from '../../src/http/app.js';
import { createHandoffRoutes } from '../../src/http/handoff-routes.js';
import { InProcessAnswerStore } from '../../src/memory/in-process.js';
import { createScriptedCopilot } from '../fakes/scripted-copilot.js';
import { listenSse } from '../helpers/sse.js';

const logger = pino({ level: 'silent' });
const servers: Server[] = [];

/** The HTTP surface alone (scripted copilot, in-process desk), with or without ADMIN_TOKEN. */
async function serve(adminToken: string | undefined, createLimiter?: RateLimiter) {
  const bus = createInProcessEventBus();
  const service = createHandoffService({
    store: new InProcessHandoffStore(),
    notifiers: [createWebNotifier(bus)],
    logger,
    remindAfterMs: 60_000,
  });
  const copilot = createScriptedCopilot({ spaces: ['default'] });
  const replaySince = async (key: string, since: number) =>
    (await service.listFor(key)).flatMap((t) =>
      (t.messages ?? [])
        .filter((m) => m.at > since)
        .map((m) => ({ type: 'reply' as const, handoffId: t.id, text: m.text, by: m.by, at: m.at })),
    );
  const http = createHttpApp({
    // One proxy hop: the tests below play several clients through X-Forwarded-For.
    config: loadConfig({ TRUST_PROXY: '1' }),
    copilot,
    logger,
    conversationEvents: { bus, replaySince },
  });
  http.mount(
    '/',
    createHandoffRoutes({
      service,
      answers: new InProcessAnswerStore(),
      copilot,
      adminToken,
      ...(createLimiter ? { createLimiter } : {}),
    }),
  );
  const server = http.app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, service };
}

let on: Awaited<ReturnType<typeof serve>>;
let off: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  on = await serve('s3cret');
  off = await serve(undefined);
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('handoff flood (issue 11, item 3)', () => {
  const ask = (url: string, conversationId: string, client: string) =>
    fetch(`${url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ conversationId, message: 'Where is my order?' }),
    });
  const conv = (n: number) => `flood-conversation-${n}-${Date.now()}-abcdefghijkl`;

  it('one client opening tickets in many conversations is refused with 429 and Retry-After past its budget', async () => {
    const limited = await serve('s3cret', inProcessRateLimiter({ perMinute: 3 }));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await ask(limited.url, conv(i), '203.0.113.7')).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const refused = await ask(limited.url, conv(99), '203.0.113.7');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/try again/i);
    // Another client still gets through; only three tickets were opened.
    expect((await ask(limited.url, conv(100), '198.51.100.1')).status).toBe(201);
    expect(await limited.service.list({ status: ['open'] })).toHaveLength(4);
  });

  it('one conversation: asking again returns the open ticket; reopening ticket after ticket is limited', async () => {
    const limited = await serve('s3cret', inProcessRateLimiter({ perMinute: 2 }));
    const id = conv(1);
    const first = await ask(limited.url, id, '192.0.2.1');
    expect(first.status).toBe(201);
    const again = await ask(limited.url, id, '192.0.2.2');
    expect(again.status).toBe(200);
    const a = (await first.json()) as { handoffId: string };
    expect(((await again.json()) as { handoffId: string }).handoffId).toBe(a.handoffId);
    // Resolve and ask again from ever new addresses: the conversation's own budget stops it.
    await limited.service.resolve(a.handoffId, 'alice');
    const second = await ask(limited.url, id, '192.0.2.3');
    expect(second.status).toBe(201);
    await limited.service.resolve(((await second.json()) as { handoffId: string }).handoffId, 'alice');
    expect((await ask(limited.url, id, '192.0.2.4')).status).toBe(429);
    expect(await limited.service.listFor(`web:${id}`)).toHaveLength(2);
  });
});

describe('handoff HTTP surface', () => {
  it('console API is off (404 saying so) without ADMIN_TOKEN; the page still loads and explains', async () => {
    const res = await fetch(`${off.url}/api/console/handoffs`, {
      headers: { authorization: 'Bearer anything' },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/off.*ADMIN_TOKEN/i);
    const page = await fetch(`${off.url}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Agent console');
  });

  it('wrong or missing token → 401; bad filter → 400; unknown ticket → 404', async () => {
    expect((await fetch(`${on.url}/api/console/handoffs`)).status).toBe(401);
    const wrong = await fetch(`${on.url}/api/console/handoffs`, {
      headers: { authorization: 'Bearer s3cret-not' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    const auth = { authorization: 'Bearer s3cret', 'content-type': 'application/json' };
    const bad = await fetch(`${on.url}/api/console/handoffs?status=done`, { headers: auth });
    expect(bad.status).toBe(400);
    const missing = await fetch(`${on.url}/api/console/handoffs/h_nope/claim`, {
      method: 'POST',
      headers: auth,
      body: '{"agent":"a"}',
    });
    expect(missing.status).toBe(404);
    const empty = await fetch(`${on.url}/api/console/handoffs/h_nope/reply`, {
      method: 'POST',
      headers: auth,
      body: '{"agent":"a","text":"  "}',
    });
    expect(empty.status).toBe(400);
  });

  it('the events stream rejects a bad id and replays replies after Last-Event-ID', async () => {
    expect((await fetch(`${on.url}/api/conversations/${'x'.repeat(80)}/events`)).status).toBe(400);
    const t = await on.service.create({
      space: 'default',
      conversationKey: 'web:replay-1-conversation-00000000',
      conversationId: 'replay-1-conversation-00000000',
      origin: { surface: 'web' },
      question: 'q',
      reason: 'asked',
    });
    const r1 = await on.service.reply(t.id, 'alice', 'first');
    await new Promise((r) => setTimeout(r, 5));
    await on.service.reply(t.id, 'alice', 'second');
    const since = r1.ok ? (r1.ticket.messages?.[0]?.at ?? 0) : 0;
    const ctrl = new AbortController();
    const res = await fetch(`${on.url}/api/conversations/replay-1-conversation-00000000/events`, {
      headers: { 'last-event-id': String(since) },
      signal: ctrl.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('second')) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    expect(text).not.toContain('first');
    expect(text).toMatch(/id: \d+\nevent: reply\ndata: .*"text":"second"/);
  });

  it('a live reply reaches a listening page', async () => {
    const t = await on.service.create({
      space: 'default',
      conversationKey: 'web:live-1-conversation-00000000',
      conversationId: 'live-1-conversation-00000000',
      origin: { surface: 'web' },
      question: 'q',
      reason: 'asked',
    });
    const events = listenSse(`${on.url}/api/conversations/live-1-conversation-00000000/events`);
    await events.ready;
    await on.service.claim(t.id, 'bob');
    await on.service.reply(t.id, 'bob', 'hello <b>there</b>');
    // claim → status; reply → the reply itself first (the asker waits for it), then the card/status update.
    await expect.poll(() => events.received.map((e) => e.event)).toEqual(['handoff', 'reply', 'handoff']);
    expect(events.received[0]?.data).toMatchObject({ handoffId: t.id, status: 'claimed', assignee: 'bob' });
    expect(events.received[1]?.data).toMatchObject({
      handoffId: t.id,
      text: 'hello <b>there</b>',
      by: 'bob',
    });
    events.close();
  });
});
