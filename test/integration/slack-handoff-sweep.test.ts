import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../src/domain/handoff.js';
import { copyKnowledge } from '../helpers/app.js';
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
 * The handoff sweep with the Slack notifier (one instance, in-process stores): a card that Slack
 * refused is kept on the ticket as an error, visible in the console API and the log, and posted
 * by the sweep once Slack takes it; unclaimed tickets get a reminder in the card's thread.
 * HANDOFF_REMIND_MINUTES=0.01: reminders after 0.6 s, the sweep every 150 ms.
 */
const HANDOFF = 'CSUPPORT';
const TOKEN = 'sweep-token';
let app: RealSlackApp;

beforeAll(async () => {
  const kb = copyKnowledge();
  app = await startRealSlackApp({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    LLM_PROVIDER: 'offline',
    REDIS_URL: '',
    ADMIN_TOKEN: TOKEN,
    SLACK_HANDOFF_CHANNEL: HANDOFF,
    HANDOFF_REMIND_MINUTES: '0.01',
  });
});
afterAll(async () => app?.close());
beforeEach(async () => {
  await quiet(app.fake);
  app.fake.reset();
});

async function consoleTickets(): Promise<HandoffTicket[]> {
  const res = await fetch(`${app.url}/api/console/handoffs?status=open,claimed`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tickets: HandoffTicket[] }).tickets;
}

async function askForHuman(channel: string): Promise<{ ts: string; key: string }> {
  const m = appMention({ channel, user: 'U1', text: 'I want to talk to a human please' });
  await app.send(eventCallback(m));
  const answer = await streamedAnswer(app.fake, channel, m.ts);
  expect(answer.text).toMatch(/asked a teammate/i);
  return { ts: m.ts, key: `${TEAM}:${channel}:${m.ts}` };
}

const cardPosts = () => postsIn(app.fake.calls, HANDOFF).filter((c) => !c.args.thread_ts);

describe('Slack handoff cards and the sweep', () => {
  it('a card Slack refuses: the ticket stays open, the failure is logged and shown in the console API, and the sweep posts it later', async () => {
    app.fake.refuse('chat.postMessage', 'channel_not_found', (a) => a.channel === HANDOFF && !a.thread_ts);
    const { key } = await askForHuman('C1');

    await expect
      .poll(async () => (await consoleTickets()).find((t) => t.conversationKey === key)?.cardError, {
        timeout: 5000,
      })
      .toMatch(/channel_not_found.*SLACK_HANDOFF_CHANNEL/);
    const failed = (await consoleTickets()).find((t) => t.conversationKey === key) as HandoffTicket;
    expect(failed.status).toBe('open');
    expect(failed.card).toBeUndefined();
    expect(
      app.logs.some((l) => l.includes('handoff announce failed') && l.includes('channel_not_found')),
    ).toBe(true);
    // Retried while Slack keeps refusing, not tried once and forgotten.
    await app.fake.waitFor(
      (c) => c.filter((x) => x.method === 'chat.postMessage' && x.error === 'channel_not_found').length >= 2,
      5000,
    );

    app.fake.clear('chat.postMessage');
    await app.fake.waitFor(() => cardPosts().length === 1, 5000);
    await expect
      .poll(async () => (await consoleTickets()).find((t) => t.conversationKey === key)?.card, {
        timeout: 5000,
      })
      .toEqual({ channel: HANDOFF, ts: cardPosts()[0]?.response?.ts });
    const posted = (await consoleTickets()).find((t) => t.conversationKey === key) as HandoffTicket;
    expect(posted.cardError).toBeUndefined();
    expect(posted.status).toBe('open');
    const actions = posted.history.map((h) => h.action);
    expect(actions.slice(0, 2)).toEqual(['created', 'card_failed']);
    expect(actions).toEqual(expect.arrayContaining(['card_retry', 'card_posted']));
    expect(cardPosts()).toHaveLength(1);
    await app.built.handoffs.cancel(posted.id, 'test');
  });

  it('an unclaimed ticket gets a reminder in its card thread (also sent to the channel); once claimed, no more', async () => {
    const { key } = await askForHuman('C2');
    await app.fake.waitFor(() => cardPosts().length === 1);
    const cardTs = String(cardPosts()[0]?.response?.ts);
    const reminders = () =>
      postsIn(app.fake.calls, HANDOFF, cardTs).filter((c) => String(c.args.text).includes('Reminder'));
    await app.fake.waitFor(() => reminders().length >= 1, 5000);
    expect(reminders()[0]?.args).toMatchObject({ reply_broadcast: 'true' });
    expect(String(reminders()[0]?.args.text)).toContain('waited under a minute');

    const ticket = (await app.built.handoffs.listFor(key))[0] as HandoffTicket;
    await app.send(
      blockAction({
        actionId: 'handoff_claim',
        value: ticket.id,
        user: 'UALICE',
        channel: HANDOFF,
        messageTs: cardTs,
      }),
    );
    await expect.poll(async () => (await app.built.handoffs.get(ticket.id))?.status).toBe('claimed');
    const count = reminders().length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(reminders()).toHaveLength(count);
    await app.built.handoffs.resolve(ticket.id, 'UALICE');
  });

  it('without SLACK_HANDOFF_CHANNEL: a clear warning at start, and tickets live in the console only', async () => {
    const kb = copyKnowledge();
    const bare = await startRealSlackApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      LLM_PROVIDER: 'offline',
      REDIS_URL: '',
      ADMIN_TOKEN: TOKEN,
    });
    try {
      const warning = bare.logs.find((l) => l.includes('SLACK_HANDOFF_CHANNEL is not set'));
      expect(warning).toContain('/console');
      expect(JSON.parse(warning as string).level).toBe(40);
      const m = appMention({ channel: 'C9', user: 'U1', text: 'I want to talk to a human please' });
      await bare.send(eventCallback(m));
      await streamedAnswer(bare.fake, 'C9', m.ts);
      const [ticket] = await bare.built.handoffs.listFor(`${TEAM}:C9:${m.ts}`);
      expect(ticket).toMatchObject({ status: 'open' });
      expect(ticket?.card).toBeUndefined();
      expect(ticket?.cardError).toBeUndefined();
      await quiet(bare.fake, 300);
      expect(bare.fake.calls.filter((c) => c.method === 'chat.postMessage' && !c.args.thread_ts)).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});
