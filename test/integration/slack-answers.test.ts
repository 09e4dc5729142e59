import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../src/domain/handoff.js';
import type { ThreadMessage } from '../../src/slack/types.js';
import type { SlackCall } from '../fakes/slack-api.js';
import {
  actionIds,
  appMention,
  BOT,
  botMessage,
  channelMessage,
  dmMessage,
  eventCallback,
  messageChanged,
  nativeText,
  quiet,
  type SlackHarness,
  startSlackHarness,
  TEAM,
} from '../helpers/slack.js';

/** Mentions, DMs and follow-ups answered in threads, streamed natively. */
let h: SlackHarness;
const relayed: Array<{ ticket: HandoffTicket; message: ThreadMessage }> = [];

beforeAll(async () => {
  h = await startSlackHarness({
    deps: {
      // As spaces.forSlack does: a mapped channel gets its space, a private default gives none.
      spaceFor: (_team, channel) =>
        channel === 'CAPPAREL' ? 'apparel' : channel === 'CNOSPACE' ? null : 'default',
      onMessageDuringHandoff: async (ticket, message) => {
        relayed.push({ ticket, message });
      },
    },
  });
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await quiet(h.fake);
  h.fake.reset();
});

const stops = (calls: SlackCall[]) => calls.filter((c) => c.method === 'chat.stopStream' && !c.error);
const untilStops = (n: number) => h.fake.waitFor((c) => stops(c).length >= n);
/** Events are acked before listeners run: give late listeners a moment to (wrongly) act. */
const settle = () => sleep(300);

describe('Slack answers', () => {
  it('a mention in a channel is streamed into its thread: start/append/stop with recipient ids, then sources and 3 buttons', async () => {
    const mention = appMention({ text: 'what is the return window?', user: 'U1' });
    const res = await h.send(eventCallback(mention));
    expect(res.status).toBe(200);
    await untilStops(1);

    const start = h.fake.calls.find((c) => c.method === 'chat.startStream');
    expect(start?.args).toMatchObject({
      channel: 'C1',
      thread_ts: mention.ts,
      recipient_team_id: TEAM,
      recipient_user_id: 'U1',
    });
    const appends = h.fake.calls.filter((c) => c.method === 'chat.appendStream');
    expect(appends.length).toBeGreaterThanOrEqual(2);

    // Appends reached Slack while the copilot was still writing.
    const ask = h.copilot.asks.at(-1);
    expect(ask?.finishedAt).toBeDefined();
    expect(appends[0]?.at).toBeLessThan(ask?.finishedAt ?? 0);

    const stop = stops(h.fake.calls)[0];
    const blocks = stop?.args.blocks;
    expect(Array.isArray(blocks) && blocks[0]?.type).toBe('context');
    expect(JSON.stringify(blocks)).toContain('Returns policy');
    expect(actionIds(blocks)).toEqual(['copilot_feedback_up', 'copilot_feedback_down', 'copilot_ask_human']);
    expect(nativeText(h.fake.calls)).toMatch(/^Returns are accepted within 30 days/);

    // The question had the mention stripped; the thread is the memory key.
    expect(ask?.input).toMatchObject({
      message: 'what is the return window?',
      conversationKey: `${TEAM}:C1:${mention.ts}`,
      conversationId: `C1:${mention.ts}`,
      space: 'default',
      user: 'U1',
    });
    // 👀 while working, removed at the end.
    await h.fake.waitFor((c) => c.some((x) => x.method === 'reactions.remove'));
    expect(h.fake.calls.find((c) => c.method === 'reactions.add')?.args).toMatchObject({
      name: 'eyes',
      timestamp: mention.ts,
    });
  });

  it('a follow-up in that thread without a mention is answered using the earlier turn', async () => {
    const first = appMention({ text: 'do you take returns?' });
    await h.send(eventCallback(first));
    await untilStops(1);
    await h.send(eventCallback(channelMessage({ text: 'and for shoes?', threadTs: first.ts })));
    await untilStops(2);

    const [a, b] = h.copilot.asks.slice(-2);
    expect(b?.input.conversationKey).toBe(a?.input.conversationKey);
    expect(b?.history.map((t) => t.text)).toContain('do you take returns?');
    const secondTs = String(stops(h.fake.calls)[1]?.args.ts);
    expect(nativeText(h.fake.calls, secondTs)).toMatch(/^Following up on "do you take returns\?"/);
    const secondStart = h.fake.calls.filter((c) => c.method === 'chat.startStream')[1];
    expect(secondStart?.args.thread_ts).toBe(first.ts);
  });

  it('a DM is answered in its thread, streamed without recipient ids', async () => {
    const dm = dmMessage({ text: 'how do refunds work?', user: 'U7' });
    await h.send(eventCallback(dm));
    await untilStops(1);
    const start = h.fake.calls.find((c) => c.method === 'chat.startStream');
    expect(start?.args).toMatchObject({ channel: 'D1', thread_ts: dm.ts });
    expect(start?.args).not.toHaveProperty('recipient_user_id');
    expect(start?.args).not.toHaveProperty('recipient_team_id');
    expect(h.copilot.asks.at(-1)?.input.conversationKey).toBe(`${TEAM}:D1:${dm.ts}`);
  });

  it("ignores its own and other bots' messages, edits, deletions and unrelated channel chatter", async () => {
    const first = appMention({ text: 'shipping times?' });
    await h.send(eventCallback(first));
    await untilStops(1);
    const before = h.copilot.asks.length;
    await h.send(eventCallback(botMessage({ text: 'answer', threadTs: first.ts, own: true })));
    await h.send(
      eventCallback({ ...channelMessage({ text: 'mine', threadTs: first.ts, user: BOT }), bot_id: 'BBOT' }),
    );
    await h.send(eventCallback(botMessage({ text: 'another bot', threadTs: first.ts })));
    await h.send(eventCallback(messageChanged({ text: 'edited question', threadTs: first.ts })));
    await h.send(
      eventCallback({
        type: 'message',
        subtype: 'message_deleted',
        channel: 'C1',
        channel_type: 'channel',
        ts: '1.0',
        deleted_ts: first.ts,
      }),
    );
    await h.send(eventCallback(channelMessage({ text: 'lunch anyone?' })));
    await h.send(eventCallback(channelMessage({ text: 'not our thread', threadTs: '1234.5678' })));
    await settle();
    expect(h.copilot.asks.length).toBe(before);
    expect(h.fake.calls.filter((c) => c.method === 'chat.startStream')).toHaveLength(1);
  });

  it('<!channel>, <!here> and @here in model output never reach Slack (native and fallback)', async () => {
    await h.send(eventCallback(appMention({ text: 'ping test' })));
    await untilStops(1);
    h.fake.refuse('chat.startStream', 'not_allowed');
    await h.send(eventCallback(appMention({ text: 'ping test again' })));
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.update' && Array.isArray(x.args.blocks)));
    const sent = JSON.stringify(h.fake.calls.map((c) => c.args));
    expect(sent).not.toMatch(/<!channel|<!here|<!everyone|@channel|@here/i);
    expect(nativeText(h.fake.calls)).toContain('returns take 30 days');
  });

  it('closes the stream with a short message when the copilot fails or throws, never a stack trace', async () => {
    await h.send(eventCallback(appMention({ text: 'please fail' })));
    await untilStops(1);
    expect(nativeText(h.fake.calls)).toContain(':warning: The answer service is unavailable.');
    expect(actionIds(stops(h.fake.calls)[0]?.args.blocks)).toContain('copilot_ask_human');

    await quiet(h.fake);
    h.fake.reset();
    await h.send(eventCallback(appMention({ text: 'please throw' })));
    await untilStops(1);
    expect(nativeText(h.fake.calls)).toBe(
      ':warning: Something went wrong on our side. You can ask a teammate with the button below.',
    );
    expect(actionIds(stops(h.fake.calls)[0]?.args.blocks)).toEqual(['copilot_ask_human']);
    expect(JSON.stringify(h.fake.calls)).not.toMatch(/stack trace|\bat .*\.ts:\d+/);
  });

  it('asks in the space mapped to the channel, and declines politely where no space may be used', async () => {
    await h.send(eventCallback(appMention({ text: 'sizes for the linen shirt?', channel: 'CAPPAREL' })));
    await untilStops(1);
    expect(h.copilot.asks.at(-1)?.input.space).toBe('apparel');

    const before = h.copilot.asks.length;
    const mention = appMention({ text: 'anything?', channel: 'CNOSPACE' });
    await h.send(eventCallback(mention));
    await h.fake.waitFor((c) =>
      c.some((x) => x.method === 'chat.postMessage' && x.args.channel === 'CNOSPACE'),
    );
    const note = h.fake.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'CNOSPACE');
    expect(note?.args).toMatchObject({ thread_ts: mention.ts });
    expect(String(note?.args.text)).toContain('knowledge/spaces.json');
    expect(h.copilot.asks.length).toBe(before);
  });

  it('stays silent in a thread with an open handoff and hands the message to the handoff module', async () => {
    const first = appMention({ text: 'where is my order?' });
    await h.send(eventCallback(first));
    await untilStops(1);
    const ticket = await h.handoffs.create({
      space: 'default',
      conversationKey: `${TEAM}:C1:${first.ts}`,
      conversationId: `C1:${first.ts}`,
      origin: { surface: 'slack', channel: 'C1', threadTs: first.ts },
      question: 'where is my order?',
      reason: 'asked',
    });
    const before = h.copilot.asks.length;
    const followUp = channelMessage({ text: 'any news?', threadTs: first.ts, user: 'U1' });
    await h.send(eventCallback(followUp));
    await settle();
    expect(h.copilot.asks.length).toBe(before);
    expect(relayed.at(-1)?.ticket.id).toBe(ticket.id);
    expect(relayed.at(-1)?.message).toMatchObject({
      channel: 'C1',
      threadTs: first.ts,
      ts: followUp.ts,
      text: 'any news?',
    });
    h.handoffs.setStatus(ticket.id, 'resolved');
    await h.send(eventCallback(channelMessage({ text: 'thanks, one more thing', threadTs: first.ts })));
    await untilStops(2);
    expect(h.copilot.asks.length).toBe(before + 1);
  });
});
