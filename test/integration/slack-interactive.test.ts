import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../fakes/slack-api.js';
import {
  actionIds,
  appMention,
  blockAction,
  buttonValue,
  eventCallback,
  homeReindexClick,
  isArgs,
  quiet,
  type SlackHarness,
  startSlackHarness,
  TEAM,
  viewPayload,
} from '../helpers/slack.js';

/** Issue 4: feedback (with the reason modal), ask-human, clarify, App Home and its reindex button. */
let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await quiet(h.fake);
  h.fake.reset();
});

/** Asks in a channel and returns the answer's thread, message ts and final buttons. */
async function answered(text: string) {
  const mention = appMention({ text });
  await h.send(eventCallback(mention));
  // The closing message: a stopped stream, or a plain message when nothing was streamed (clarify).
  const isFinal = (x: SlackCall) =>
    x.method === 'chat.stopStream' || (x.method === 'chat.postMessage' && Array.isArray(x.args.blocks));
  await h.fake.waitFor((c) => c.some(isFinal));
  const final = h.fake.calls.find(isFinal);
  const blocks = Array.isArray(final?.args.blocks) ? final.args.blocks : [];
  const value = (id: string) => buttonValue(blocks, id);
  await quiet(h.fake);
  h.fake.reset();
  const messageTs = String(final?.method === 'chat.stopStream' ? final.args.ts : final?.response?.ts);
  return { threadTs: mention.ts, messageTs, blocks, value };
}

const lastEphemeral = (calls: SlackCall[]) =>
  calls.filter((c) => c.method === 'chat.postEphemeral').at(-1)?.args;

describe('Slack interactive cards', () => {
  it('👍 stores the feedback and thanks the user privately', async () => {
    const a = await answered('return window?');
    const answerId = a.value('copilot_feedback_up');
    await h.send(
      blockAction({
        actionId: 'copilot_feedback_up',
        value: answerId,
        messageTs: a.messageTs,
        threadTs: a.threadTs,
      }),
    );
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.postEphemeral'));
    expect(lastEphemeral(h.fake.calls)).toMatchObject({ channel: 'C1', user: 'U1', thread_ts: a.threadTs });
    expect((await h.answers.get(answerId))?.feedback).toMatchObject({ rating: 'up', user: 'U1' });
    expect(await h.answers.recentFeedback(10, 'up')).toEqual([
      expect.objectContaining({ answerId, rating: 'up' }),
    ]);
  });

  it('👎 opens the reason modal; its submission stores the reason', async () => {
    const a = await answered('shipping to Canada?');
    const answerId = a.value('copilot_feedback_down');
    await h.send(
      blockAction({
        actionId: 'copilot_feedback_down',
        value: answerId,
        messageTs: a.messageTs,
        threadTs: a.threadTs,
      }),
    );
    await h.fake.waitFor((c) => c.some((x) => x.method === 'views.open'));
    const view = h.fake.calls.find((c) => c.method === 'views.open')?.args.view;
    expect(isArgs(view) && view.callback_id).toBe('copilot_feedback_reason');
    expect((await h.answers.get(answerId))?.feedback).toBeUndefined();

    const privateMetadata = isArgs(view) ? String(view.private_metadata) : '';
    const res = await h.send(
      viewPayload({
        callbackId: 'copilot_feedback_reason',
        privateMetadata,
        values: {
          reason: { reason_input: { type: 'plain_text_input', value: 'We ship to Canada since May.' } },
        },
      }),
    );
    expect(res.status).toBe(200);
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.postEphemeral'));
    expect((await h.answers.get(answerId))?.feedback).toMatchObject({
      rating: 'down',
      reason: 'We ship to Canada since May.',
    });
    const downs = await h.answers.recentFeedback(10, 'down');
    expect(downs.map((d) => d.reason)).toContain('We ship to Canada since May.');
  });

  it('👎 whose modal cannot open (expired trigger) is stored without a reason, and the user is told', async () => {
    const a = await answered('gift cards?');
    const answerId = a.value('copilot_feedback_down');
    h.fake.fail('views.open', 'expired_trigger_id');
    await h.send(
      blockAction({
        actionId: 'copilot_feedback_down',
        value: answerId,
        messageTs: a.messageTs,
        threadTs: a.threadTs,
      }),
    );
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.postEphemeral'));
    expect(String(lastEphemeral(h.fake.calls)?.text)).toContain('without a reason');
    const feedback = (await h.answers.get(answerId))?.feedback;
    expect(feedback).toMatchObject({ rating: 'down' });
    expect(feedback?.reason).toBeUndefined();
  });

  it('a cancelled reason modal still counts the 👎', async () => {
    const a = await answered('warranty?');
    const answerId = a.value('copilot_feedback_down');
    await h.send(
      viewPayload({
        type: 'view_closed',
        callbackId: 'copilot_feedback_reason',
        privateMetadata: JSON.stringify({ answerId, channel: 'C1' }),
      }),
    );
    await quiet(h.fake);
    expect((await h.answers.get(answerId))?.feedback?.rating).toBe('down');
  });

  it('"Ask a human" creates a handoff ticket and tells the thread', async () => {
    const a = await answered('can I return a worn jacket?');
    const value = a.value('copilot_ask_human');
    await h.send(
      blockAction({
        actionId: 'copilot_ask_human',
        value,
        messageTs: a.messageTs,
        threadTs: a.threadTs,
        user: 'U1',
      }),
    );
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.postMessage'));
    expect(h.handoffs.tickets).toHaveLength(1);
    expect(h.handoffs.tickets[0]).toMatchObject({
      reason: 'asked',
      asker: 'U1',
      question: 'can I return a worn jacket?',
      conversationKey: `${TEAM}:C1:${a.threadTs}`,
      origin: { surface: 'slack', channel: 'C1', threadTs: a.threadTs },
      status: 'open',
    });
    expect(h.handoffs.tickets[0]?.origin.link).toContain('fake.slack.test');
    expect(h.handoffs.tickets[0]?.draftAnswer).toContain('Returns are accepted');
    const note = h.fake.calls.find((c) => c.method === 'chat.postMessage')?.args;
    expect(note).toMatchObject({ channel: 'C1', thread_ts: a.threadTs });
    expect(String(note?.text)).toContain('A teammate has been asked to help');

    // A second click does not open a second ticket.
    await h.send(
      blockAction({ actionId: 'copilot_ask_human', value, messageTs: a.messageTs, threadTs: a.threadTs }),
    );
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.postEphemeral'));
    expect(h.handoffs.tickets).toHaveLength(1);
  });

  it('a clarify button asks the chosen question in the thread', async () => {
    const a = await answered('ambiguous return question');
    expect(actionIds(a.blocks)).toEqual(['copilot_clarify', 'copilot_clarify', 'copilot_ask_human']);
    const clarifyValue = (a.blocks as unknown[])
      .flatMap((b) => (isArgs(b) && isArgs(b.accessory) ? [String(b.accessory.value)] : []))
      .at(1);
    expect(clarifyValue).toBe('What is the return window for electronics?');
    const before = h.copilot.asks.length;
    await h.send(
      blockAction({
        actionId: 'copilot_clarify',
        value: clarifyValue ?? '',
        messageTs: a.messageTs,
        threadTs: a.threadTs,
      }),
    );
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.stopStream'));
    const ask = h.copilot.asks.at(-1);
    expect(h.copilot.asks.length).toBe(before + 1);
    expect(ask?.input).toMatchObject({
      message: clarifyValue,
      conversationKey: `${TEAM}:C1:${a.threadTs}`,
      user: 'U1',
    });
    const echo = h.fake.calls.find((c) => c.method === 'chat.postMessage')?.args;
    expect(echo).toMatchObject({ channel: 'C1', thread_ts: a.threadTs });
    expect(h.fake.calls.find((c) => c.method === 'chat.startStream')?.args.thread_ts).toBe(a.threadTs);
  });

  it('App Home shows status, open handoffs and recent 👎 with reasons; kb_reindex for admins only', async () => {
    const a = await answered('loyalty points?');
    await h.answers.setFeedback(a.value('copilot_feedback_down'), {
      rating: 'down',
      reason: 'Points expire now',
      user: 'U1',
      at: Date.now(),
    });
    for (const user of ['UADMIN', 'U1']) {
      await h.send(
        eventCallback({ type: 'app_home_opened', user, channel: 'D9', tab: 'home', event_ts: '1.1' }),
      );
    }
    await h.fake.waitFor((c) => c.filter((x) => x.method === 'views.publish').length >= 2);
    const publishes = h.fake.calls.filter((c) => c.method === 'views.publish');
    const admin = publishes.find((p) => p.args.user_id === 'UADMIN')?.args.view;
    const user = publishes.find((p) => p.args.user_id === 'U1')?.args.view;
    expect(isArgs(admin) && admin.type).toBe('home');
    expect(actionIds(isArgs(admin) ? admin.blocks : [])).toEqual(['kb_reindex']);
    expect(actionIds(isArgs(user) ? user.blocks : [])).toEqual([]);
    const text = JSON.stringify(admin);
    expect(text).toContain('v-test');
    expect(text).toContain('Points expire now');
    expect(text).toContain('Open handoffs');
  });

  it('the kb_reindex button runs the reindex for an admin and reports it on the Home tab', async () => {
    await h.send(homeReindexClick('U1'));
    await h.fake.waitFor((c) => c.some((x) => x.method === 'views.publish'));
    expect(h.reindexCalls).toEqual([]);
    expect(JSON.stringify(h.fake.calls.at(-1)?.args)).toContain('Only Copilot admins');

    h.fake.reset();
    await h.send(homeReindexClick('UADMIN'));
    await h.fake.waitFor((c) => c.filter((x) => x.method === 'views.publish').length >= 2);
    expect(h.reindexCalls).toEqual(['UADMIN:app_home']);
    expect(JSON.stringify(h.fake.calls.at(-1)?.args)).toContain('Reindex finished: 3 documents, 42 chunks');
  });
});
