import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appMention,
  channelMessage,
  eventCallback,
  quiet,
  SIGNING_SECRET,
  type SlackHarness,
  signedRequest,
  startSlackHarness,
} from '../helpers/slack.js';

/** Issue 4: duplicate deliveries answered once; request signing enforced. */
let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await quiet(h.fake);
  h.fake.reset();
});

const startedStreams = () => h.fake.calls.filter((c) => c.method === 'chat.startStream').length;

describe('Slack delivery', () => {
  it('a delivery retried 3 times is answered once (retries are acked)', async () => {
    const before = h.copilot.asks.length;
    const body = eventCallback(appMention({ text: 'retried question' }));
    const first = await h.send(body);
    const retries = [];
    for (const retryNum of [1, 2, 3]) retries.push(await h.send(body, { retryNum }));
    expect([first, ...retries].map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.stopStream'));
    await quiet(h.fake, 300);
    expect(h.copilot.asks.length - before).toBe(1);
    expect(startedStreams()).toBe(1);
  });

  it('a mention that also arrives as a message event is answered once', async () => {
    const before = h.copilot.asks.length;
    // A mention inside a thread the bot answered qualifies both as app_mention and as a follow-up.
    const root = appMention({ text: 'first question' });
    await h.send(eventCallback(root));
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.stopStream'));
    const ts = '1600009999.000001';
    const both = [
      eventCallback(channelMessage({ text: 'second question', ts, threadTs: root.ts, mention: true })),
      eventCallback(appMention({ text: 'second question', ts, threadTs: root.ts })),
    ];
    await Promise.all(both.map((b) => h.send(b)));
    await h.fake.waitFor((c) => c.filter((x) => x.method === 'chat.stopStream').length >= 2);
    await quiet(h.fake, 300);
    expect(h.copilot.asks.length - before).toBe(2);
    expect(h.copilot.asks.at(-1)?.input.message).toBe('second question');
    expect(startedStreams()).toBe(2);
  });

  it('a bad signature is rejected with 401 and nothing runs', async () => {
    const before = h.copilot.asks.length;
    const res = await h.send(eventCallback(appMention({ text: 'forged' })), { signature: 'v0=deadbeef' });
    expect(res.status).toBe(401);
    const wrongSecret = await signedRequest(
      h.baseUrl,
      `${SIGNING_SECRET}-not`,
      eventCallback(appMention({ text: 'forged' })),
    );
    expect(wrongSecret.status).toBe(401);
    await sleep(200);
    expect(h.copilot.asks.length).toBe(before);
    expect(h.fake.calls).toHaveLength(0);
  });

  it('a request signed more than 5 minutes ago is rejected', async () => {
    const before = h.copilot.asks.length;
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const res = await h.send(eventCallback(appMention({ text: 'replayed' })), { timestamp: old });
    expect(res.status).toBe(401);
    await sleep(200);
    expect(h.copilot.asks.length).toBe(before);
  });

  it('answers the url_verification handshake Slack sends when the Request URL is saved', async () => {
    const res = await h.send({ type: 'url_verification', token: 't', challenge: 'ch4ll3nge' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'ch4ll3nge' });
  });
});
