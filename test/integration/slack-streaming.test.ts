import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../fakes/slack-api.js';
import { longAnswer } from '../fakes/slack-scripted-copilot.js';
import {
  actionIds,
  appMention,
  eventCallback,
  fallbackTexts,
  nativeText,
  quiet,
  type SlackHarness,
  startSlackHarness,
} from '../helpers/slack.js';

/** Issue 4: fallback when native streaming is refused or expires, long answers, 429s. */
let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await quiet(h.fake);
  h.fake.reset();
});

const finalUpdate = (c: SlackCall[]) =>
  c.some((x) => x.method === 'chat.update' && Array.isArray(x.args.blocks));
const posted = (c: SlackCall[]) => c.filter((x) => x.method === 'chat.postMessage' && !x.error);

/** Writes (post + updates) per message ts, in order, with their arrival times. */
function writesByMessage(calls: SlackCall[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of calls) {
    if (c.error) continue;
    const ts =
      c.method === 'chat.update'
        ? String(c.args.ts)
        : c.method === 'chat.postMessage'
          ? c.response?.ts
          : undefined;
    if (typeof ts !== 'string') continue;
    out.set(ts, [...(out.get(ts) ?? []), c.at]);
  }
  return out;
}

function expectPaced(calls: SlackCall[]): void {
  for (const [ts, times] of writesByMessage(calls)) {
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0), `writes to ${ts}`).toBeGreaterThanOrEqual(995);
    }
  }
}

describe('Slack streaming fallback', () => {
  it('refused native streaming: the same answer arrives via postMessage + updates, at most one update per second', async () => {
    h.fake.refuse('chat.startStream', 'not_allowed');
    const mention = appMention({ text: 'what is the return window?' });
    await h.send(eventCallback(mention));
    await h.fake.waitFor(finalUpdate);

    expect(
      h.fake.calls.filter((c) => c.method === 'chat.startStream' && c.error === 'not_allowed'),
    ).toHaveLength(1);
    expect(posted(h.fake.calls)[0]?.args).toMatchObject({ channel: 'C1', thread_ts: mention.ts });
    expect(h.fake.calls.filter((c) => c.method === 'chat.update').length).toBeGreaterThanOrEqual(1);
    expectPaced(h.fake.calls);

    const texts = [...fallbackTexts(h.fake.calls).values()];
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^Returns are accepted within 30 days of delivery \[1\]\./);
    const final = h.fake.calls.filter((c) => c.method === 'chat.update').at(-1);
    expect(actionIds(final?.args.blocks)).toEqual([
      'copilot_feedback_up',
      'copilot_feedback_down',
      'copilot_ask_human',
    ]);
  });

  it('a 6,000-character answer is split across thread messages without loss', async () => {
    h.fake.refuse('chat.startStream', 'unknown_method');
    const mention = appMention({ text: 'give me the long answer' });
    await h.send(eventCallback(mention));
    await h.fake.waitFor(finalUpdate, 20_000);

    const texts = [...fallbackTexts(h.fake.calls, 'C1').values()];
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(3500);
    expect(texts.join('')).toBe(longAnswer());
    for (const p of posted(h.fake.calls)) expect(p.args.thread_ts).toBe(mention.ts);
    expectPaced(h.fake.calls);
  });

  it('a stream that expires midway continues in a new message, nothing lost or repeated', async () => {
    h.fake.fail('chat.appendStream', 'message_not_in_streaming_state', 1);
    await h.send(eventCallback(appMention({ text: 'the long answer please' })));
    await h.fake.waitFor(finalUpdate, 20_000);

    const streamed = nativeText(h.fake.calls);
    const rest = [...fallbackTexts(h.fake.calls, 'C1').values()].join('');
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed + rest).toBe(longAnswer());
  });

  it('a failing stopStream still closes the stream, and the buttons arrive in a message of their own', async () => {
    h.fake.fail('chat.stopStream', 'internal_error', 1);
    const mention = appMention({ text: 'closing trouble' });
    await h.send(eventCallback(mention));
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.postMessage'));
    const stops = h.fake.calls.filter((c) => c.method === 'chat.stopStream');
    expect(stops.map((c) => c.error ?? 'ok')).toEqual(['internal_error', 'ok']);
    const buttons = h.fake.calls.find((c) => c.method === 'chat.postMessage');
    expect(buttons?.args.thread_ts).toBe(mention.ts);
    expect(actionIds(buttons?.args.blocks)).toEqual([
      'copilot_feedback_up',
      'copilot_feedback_down',
      'copilot_ask_human',
    ]);
  });

  it('a 429 with Retry-After on appendStream: the answer still completes, in order', async () => {
    h.fake.rateLimitOnce('chat.appendStream', 1);
    await h.send(eventCallback(appMention({ text: 'long answer with a rate limit' })));
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.stopStream' && !x.error), 20_000);

    const limited = h.fake.calls.find((c) => c.status === 429);
    expect(limited?.method).toBe('chat.appendStream');
    const next = h.fake.calls.find(
      (c) => c.method === 'chat.appendStream' && c.at > (limited?.at ?? 0) && c.status === 200,
    );
    expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(nativeText(h.fake.calls)).toBe(longAnswer());
    expect(h.fake.calls.some((c) => c.method === 'chat.postMessage')).toBe(false);
  });
});
