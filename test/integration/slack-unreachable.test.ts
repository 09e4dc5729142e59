import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app/build.js';
import { attachSlack } from '../../src/app/slack.js';
import { loadConfig } from '../../src/config.js';
import { isCopilotError } from '../../src/errors.js';
import type { SlackAppHandle } from '../../src/slack/types.js';
import { type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { chat, copyKnowledge } from '../helpers/app.js';
import { SIGNING_SECRET } from '../helpers/slack.js';

/**
 * A TCP hop in front of the fake Slack Web API that can be "down" (every connection reset, as
 * when Slack cannot be reached) or "up" (connections piped to the fake).
 */
async function flakyHop(target: string): Promise<{ url: string; up: boolean; close(): Promise<void> }> {
  const { port: targetPort } = new URL(target);
  const sockets = new Set<net.Socket>();
  const hop = {
    url: '',
    up: false,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (!hop.up) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(targetPort), '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  hop.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/`;
  return hop;
}

const kb = copyKnowledge();
let fake: FakeSlackApi;
let hop: Awaited<ReturnType<typeof flakyHop>>;

beforeAll(async () => {
  fake = await startFakeSlackApi();
  hop = await flakyHop(fake.url);
});
afterAll(async () => {
  await hop?.close();
  await fake?.close();
});

/** The real app, with Slack's Web API behind the hop. */
const buildSlackApp = () =>
  buildApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: hop.url,
    }),
    pino({ level: 'silent' }),
  );

describe('start-up when Slack cannot be reached', () => {
  it('starts the server anyway, reports Slack degraded, retries auth.test and recovers by itself', async () => {
    const built = await buildSlackApp();
    let slack: SlackAppHandle | null = null;
    const server = built.http.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      // Resolves (no throw) although every call to Slack fails at the network level.
      slack = await attachSlack(built, pino({ level: 'silent' }), {
        authRetry: { firstMs: 200, maxMs: 400 },
      });
      expect(slack?.health()).toMatchObject({ state: 'degraded', error: 'unreachable' });
      const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200); // the web chat still serves: not a reason to leave the pool
      expect((await ready.json()).checks).toMatchObject({ slack: 'degraded' });
      const status = (await (await fetch(`${url}/api/status`)).json()) as { slack: { state: string } };
      expect(status.slack).toMatchObject({ state: 'degraded', error: 'unreachable' });
      const answer = await chat(url, { message: 'How long do customers have to return an item?' });
      expect(answer.status).toBe(200);
      expect(answer.done()).toMatchObject({ decision: 'answer' });

      // Slack comes back: the background auth.test succeeds without a restart.
      hop.up = true;
      const deadline = Date.now() + 20_000;
      while (slack?.health().state !== 'ok' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(slack?.health().state).toBe('ok');
      expect(fake.calls.some((c) => c.method === 'auth.test')).toBe(true);
      const after = (await (await fetch(`${url}/api/status`)).json()) as { slack: { state: string } };
      expect(after.slack.state).toBe('ok');
      expect((await (await fetch(`${url}/readyz`)).json()).checks).toMatchObject({ slack: 'ok' });
    } finally {
      await slack?.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await built.close();
    }
  });

  it('a token Slack rejects (invalid_auth) is still a fast, clear start-up error', async () => {
    hop.up = true;
    fake.refuse('auth.test', 'invalid_auth');
    const built = await buildSlackApp();
    try {
      const err: unknown = await attachSlack(built, pino({ level: 'silent' })).catch((e: unknown) => e);
      expect(isCopilotError(err, 'slack:auth')).toBe(true);
      expect(String((err as Error).message)).toContain('invalid_auth');
    } finally {
      fake.clearScripts();
      await built.close();
    }
  });
});
