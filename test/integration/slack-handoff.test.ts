import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../src/domain/handoff.js';
import { type FakeOpenAI, lastUserText, startFakeOpenAI } from '../fakes/openai-server.js';
import type { SlackCall } from '../fakes/slack-api.js';
import { copyKnowledge } from '../helpers/app.js';
import {
  actionIds,
  appMention,
  blockAction,
  buttonValue,
  channelMessage,
  eventCallback,
  postsIn,
  quiet,
  type RealSlackApp,
  startRealSlackApp,
  streamedAnswer,
  streamsIn,
  TEAM,
  viewPayload,
} from '../helpers/slack.js';

/**
 * Issue 5 in Slack, end to end: the real app (buildApp + attachSlack, as main.ts) with the Slack
 * notifier on SLACK_HANDOFF_CHANNEL, signed requests, the fake Slack Web API, and the real
 * ChatOpenAI client against the fake OpenAI server (which counts model calls).
 */
const HANDOFF = 'CSUPPORT';
const QUESTION = 'Can I ship lithium batteries to Norway by sea freight?';
const PARAPHRASE = 'Is it possible to ship lithium batteries to Norway by sea freight?';
const REPLY =
  'Yes, by sea freight only, packed under UN3480 rules. For a quote email freight@acme-logistics.com or call +1 (206) 555-0134.';
const REFUNDS = 'Refunds are paid within 5 business days [1].';

let openai: FakeOpenAI;
let app: RealSlackApp;
let knowledgeDir: string;

// Lithium questions are beyond the passages (NO_ANSWER); condense prompts get the follow-up back.
function replier(req: { body: Record<string, unknown> }): string {
  const text = lastUserText(req.body);
  const followUp = /Follow-up question: (.*)/.exec(text)?.[1];
  if (followUp) return followUp;
  return /lithium/i.test(text) ? 'NO_ANSWER' : REFUNDS;
}

const chatRequests = () => openai.requests.filter((r) => r.path === '/v1/chat/completions').length;
const cardOf = (calls: SlackCall[], question: string) =>
  postsIn(calls, HANDOFF).find((c) => !c.args.thread_ts && JSON.stringify(c.args.blocks).includes(question));
const ephemeralsTo = (user: string) =>
  app.fake.calls.filter((c) => c.method === 'chat.postEphemeral' && c.args.user === user);

async function ticketOf(threadTs: string, channel = 'C1'): Promise<HandoffTicket> {
  const all = await app.built.handoffs.listFor(`${TEAM}:${channel}:${threadTs}`);
  const t = all[0];
  if (!t) throw new Error(`no ticket for ${channel}:${threadTs}`);
  return t;
}

/** Waits for the card of a question and returns it with its ticket. */
async function cardFor(question: string, threadTs: string, channel = 'C1') {
  await app.fake.waitFor((calls) => Boolean(cardOf(calls, question)));
  const card = cardOf(app.fake.calls, question) as SlackCall;
  await expect.poll(async () => (await ticketOf(threadTs, channel)).card).toBeDefined();
  return { card, ts: String(card.response?.ts), ticket: await ticketOf(threadTs, channel) };
}

const click = (actionId: string, value: string, user: string, messageTs: string, channel = HANDOFF) =>
  app.send(blockAction({ actionId, value, user, channel, messageTs }));

const submitReply = (id: string, user: string, text: string, options: string[]) =>
  app.send(
    viewPayload({
      callbackId: 'handoff_reply_view',
      privateMetadata: id,
      user,
      values: {
        answer: { answer_input: { type: 'plain_text_input', value: text } },
        options: {
          options_input: { type: 'checkboxes', selected_options: options.map((value) => ({ value })) },
        },
      },
    }),
  );

beforeAll(async () => {
  openai = await startFakeOpenAI({ replier });
  const kb = copyKnowledge();
  knowledgeDir = kb.knowledgeDir;
  app = await startRealSlackApp({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: 'test-key',
    LLM_MAX_RETRIES: '0',
    ADMIN_TOKEN: 'console-token',
    REDIS_URL: '',
    SLACK_HANDOFF_CHANNEL: HANDOFF,
    SLACK_ANSWER_EDITORS: 'UALICE,UBOB',
  });
});
afterAll(async () => {
  await app?.close();
  await openai?.close();
});
beforeEach(async () => {
  await quiet(app.fake);
});

describe('handoff loop in Slack (real app, fake Slack, fake OpenAI)', () => {
  let first: { ts: string };
  let ticket: HandoffTicket;
  let cardTs: string;
  let owner: string;

  it('an unanswerable question: the asker is told in the thread, the card has question, asker, link and three buttons', async () => {
    first = appMention({ channel: 'C1', user: 'U1', text: QUESTION });
    await app.send(eventCallback(first));
    const answer = await streamedAnswer(app.fake, 'C1', first.ts);
    expect(answer.text).toMatch(/asked a teammate/i);
    expect(JSON.stringify(answer.blocks)).toContain('A teammate has been asked');
    // Nothing to rate and nobody else to ask: no buttons under a handoff.
    expect(actionIds(answer.blocks)).toEqual([]);

    const found = await cardFor(QUESTION, first.ts);
    ticket = found.ticket;
    cardTs = found.ts;
    expect(actionIds(found.card.args.blocks)).toEqual(['handoff_claim', 'handoff_reply', 'handoff_resolve']);
    expect(buttonValue(found.card.args.blocks, 'handoff_claim')).toBe(ticket.id);
    const card = JSON.stringify(found.card.args.blocks);
    expect(card).toContain('<@U1>');
    expect(card).toContain(
      `https://fake.slack.test/archives/C1/p${first.ts.replace('.', '')}|Open the thread`,
    );
    expect(ticket).toMatchObject({ status: 'open', card: { channel: HANDOFF, ts: cardTs } });
  });

  it('two agents click claim at the same moment: exactly one owns it, the other is told who has it', async () => {
    const responses = await Promise.all([
      click('handoff_claim', ticket.id, 'UALICE', cardTs),
      click('handoff_claim', ticket.id, 'UBOB', cardTs),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    await expect.poll(async () => (await ticketOf(first.ts)).status).toBe('claimed');
    const claimed = await ticketOf(first.ts);
    owner = claimed.assignee as string;
    const other = owner === 'UALICE' ? 'UBOB' : 'UALICE';
    expect(['UALICE', 'UBOB']).toContain(owner);
    expect(claimed.history.filter((h) => h.action === 'claimed')).toHaveLength(1);
    await app.fake.waitFor(() => ephemeralsTo(other).length > 0);
    expect(String(ephemeralsTo(other)[0]?.args.text)).toBe(`<@${owner}> already has this one.`);
    expect(ephemeralsTo(owner)).toHaveLength(0);
    // The card shows it: claimed by the owner, Claim gone.
    await app.fake.waitFor((c) =>
      c.some(
        (x) =>
          x.method === 'chat.update' &&
          x.args.ts === cardTs &&
          JSON.stringify(x.args.blocks).includes(`Claimed by <@${owner}>`),
      ),
    );
    const update = app.fake.calls.filter((c) => c.method === 'chat.update' && c.args.ts === cardTs).at(-1);
    expect(actionIds(update?.args.blocks)).toEqual(['handoff_reply', 'handoff_resolve']);
  });

  it('reply via the modal with "save": posted in the asker’s thread, attributed; PII-free answer file; the question and a paraphrase are then answered from it within 5 s, with no model call', async () => {
    await click('handoff_reply', ticket.id, owner, cardTs);
    await app.fake.waitFor((c) => c.some((x) => x.method === 'views.open'));
    const view = app.fake.calls.find((c) => c.method === 'views.open')?.args.view as Record<string, unknown>;
    expect(view).toMatchObject({ callback_id: 'handoff_reply_view', private_metadata: ticket.id });
    expect(JSON.stringify(view.blocks)).toContain('Save as answer for next time');

    const before = chatRequests();
    const started = performance.now();
    const res = await submitReply(ticket.id, owner, REPLY, ['save', 'resolve']);
    expect(res.status).toBe(200);

    // The asker's thread gets the reply at once (unscrubbed: it is for the asker), attributed.
    await app.fake.waitFor((c) =>
      postsIn(c, 'C1', first.ts).some((x) => String(x.args.text).includes('UN3480')),
    );
    const relay = postsIn(app.fake.calls, 'C1', first.ts).find((x) => String(x.args.text).includes('UN3480'));
    expect(relay?.args.text).toBe(`<@${owner}> (teammate): ${REPLY}`);

    // Saved (the owner is told where), then asked again in new threads.
    await app.fake.waitFor(
      () => ephemeralsTo(owner).some((e) => String(e.args.text).includes('saved as')),
      10_000,
    );
    const note = String(ephemeralsTo(owner).find((e) => String(e.args.text).includes('saved as'))?.args.text);
    const file = /`([^`]+)`/.exec(note)?.[1] as string;
    expect(file).toBe(`default/answers/${ticket.id}.md`);
    const again = appMention({ channel: 'C2', user: 'U2', text: QUESTION });
    const para = appMention({ channel: 'C3', user: 'U3', text: PARAPHRASE });
    await Promise.all([app.send(eventCallback(again)), app.send(eventCallback(para))]);
    const answers = await Promise.all([
      streamedAnswer(app.fake, 'C2', again.ts),
      streamedAnswer(app.fake, 'C3', para.ts),
    ]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(chatRequests()).toBe(before);
    for (const a of answers) {
      expect(a.text).toContain('UN3480');
      expect(a.text).toContain('[email]');
      expect(a.text).not.toContain('acme-logistics.com');
      expect(a.text).toContain(`Answered by ${owner}`);
      expect(actionIds(a.blocks)).toContain('copilot_feedback_up');
    }

    const saved = matter(fs.readFileSync(path.join(knowledgeDir, file), 'utf8'));
    expect(saved.data).toMatchObject({ question: QUESTION, answered_by: owner, handoff: ticket.id });
    expect(saved.content).toContain('[phone]');
    expect(saved.content).not.toMatch(/555-0134|acme-logistics/);

    // Resolved (ticked in the modal): the card says so, with no buttons left.
    expect((await ticketOf(first.ts)).status).toBe('resolved');
    const last = app.fake.calls.filter((c) => c.method === 'chat.update' && c.args.ts === cardTs).at(-1);
    expect(actionIds(last?.args.blocks)).toEqual([]);
    expect(JSON.stringify(last?.args.blocks)).toContain('Resolved');
    // The team sees the reply in the card's thread too.
    expect(postsIn(app.fake.calls, HANDOFF, cardTs).some((c) => String(c.args.text).includes('UN3480'))).toBe(
      true,
    );
  });

  it('a click or a modal reply on a resolved ticket is refused with the reason', async () => {
    await click('handoff_claim', ticket.id, 'UCAROL', cardTs);
    await app.fake.waitFor(() => ephemeralsTo('UCAROL').length > 0);
    expect(String(ephemeralsTo('UCAROL')[0]?.args.text)).toBe('This ticket is already resolved.');
    const res = await submitReply(ticket.id, 'UCAROL', 'late reply', []);
    expect(await res.json()).toMatchObject({
      response_action: 'errors',
      errors: { answer: 'This ticket is already resolved.' },
    });
  });
});

describe('relay and forwarding in Slack', () => {
  it('asker’s follow-ups go to the card thread, not answered; a card-thread reply is relayed; after resolve the bot answers again', async () => {
    const q = appMention({ channel: 'C4', user: 'U4', text: 'How long do refunds take?' });
    await app.send(eventCallback(q));
    const answer = await streamedAnswer(app.fake, 'C4', q.ts);
    expect(answer.text).toContain('Refunds are paid');
    // "Ask a human" under a real answer: the draft is that answer.
    await app.send(
      blockAction({
        actionId: 'copilot_ask_human',
        value: buttonValue(answer.blocks, 'copilot_ask_human'),
        user: 'U4',
        channel: 'C4',
        messageTs: answer.ts,
        threadTs: q.ts,
      }),
    );
    const { ts: cardTs, ticket } = await cardFor('How long do refunds take?', q.ts, 'C4');
    expect(ticket.reason).toBe('asked');
    await app.fake.waitFor((c) =>
      postsIn(c, 'C4', q.ts).some((x) => String(x.args.text).includes('teammate has been asked')),
    );

    // The reply form opens prefilled with the draft; an expired trigger gets a way out.
    app.fake.fail('views.open', 'expired_trigger_id');
    await click('handoff_reply', ticket.id, 'UCAROL', cardTs);
    await app.fake.waitFor(() =>
      ephemeralsTo('UCAROL').some((e) => String(e.args.text).includes('took too long')),
    );
    await click('handoff_reply', ticket.id, 'UCAROL', cardTs);
    await app.fake.waitFor((c) =>
      c.some((x) => x.method === 'views.open' && !x.error && JSON.stringify(x.args.view).includes(ticket.id)),
    );
    const view = app.fake.calls.filter((c) => c.method === 'views.open' && !c.error).at(-1)?.args.view;
    expect(JSON.stringify(view)).toContain('"initial_value":"Refunds are paid');

    // The asker writes while the ticket is open: forwarded to the card thread, not answered.
    const streamsBefore = streamsIn(app.fake.calls, 'C4', q.ts).length;
    const chatBefore = chatRequests();
    const followUp = channelMessage({
      channel: 'C4',
      user: 'U4',
      threadTs: q.ts,
      text: 'Any news? Order 1234.',
    });
    await app.send(eventCallback(followUp));
    await app.fake.waitFor((c) =>
      postsIn(c, HANDOFF, cardTs).some((x) => String(x.args.text).includes('Any news? Order 1234.')),
    );
    const forwarded = postsIn(app.fake.calls, HANDOFF, cardTs).find((x) =>
      String(x.args.text).includes('Any news'),
    );
    expect(String(forwarded?.args.text)).toContain('<@U4> (asker) wrote');
    await app.fake.waitFor((c) =>
      c.some(
        (x) =>
          x.method === 'reactions.add' && x.args.name === 'outbox_tray' && x.args.timestamp === followUp.ts,
      ),
    );
    await quiet(app.fake, 300);
    expect(streamsIn(app.fake.calls, 'C4', q.ts)).toHaveLength(streamsBefore);
    expect(postsIn(app.fake.calls, 'C4', q.ts).some((x) => String(x.args.text).includes('Any news'))).toBe(
      false,
    );
    expect(chatRequests()).toBe(chatBefore);
    expect((await ticketOf(q.ts, 'C4')).messages?.map((m) => `${m.role}:${m.text}`)).toEqual([
      'asker:Any news? Order 1234.',
    ]);

    // A teammate answers in the card's thread: relayed to the asker, attributed; `//` notes stay.
    await app.send(
      eventCallback(
        channelMessage({
          channel: HANDOFF,
          user: 'UCAROL',
          threadTs: cardTs,
          text: '// checking with finance',
        }),
      ),
    );
    await app.send(
      eventCallback(
        channelMessage({
          channel: HANDOFF,
          user: 'UCAROL',
          threadTs: cardTs,
          text: 'Yours went out on Friday.\nIt takes 2 days.',
        }),
      ),
    );
    await app.fake.waitFor((c) => postsIn(c, 'C4', q.ts).some((x) => String(x.args.text).includes('Friday')));
    const relays = postsIn(app.fake.calls, 'C4', q.ts).filter((x) =>
      String(x.args.text).includes('(teammate)'),
    );
    expect(relays.map((r) => r.args.text)).toEqual([
      '<@UCAROL> (teammate): Yours went out on Friday.\nIt takes 2 days.',
    ]);
    const claimed = await ticketOf(q.ts, 'C4');
    expect(claimed).toMatchObject({ status: 'claimed', assignee: 'UCAROL' });
    // Someone else may not open the reply form on Carol's ticket.
    await click('handoff_reply', ticket.id, 'UDAVE', cardTs);
    await app.fake.waitFor(() => ephemeralsTo('UDAVE').length > 0);
    expect(String(ephemeralsTo('UDAVE')[0]?.args.text)).toBe('<@UCAROL> already has this one.');
    // The teammates' thread is never answered by the bot.
    expect(
      app.fake.calls.filter((c) => c.method === 'chat.startStream' && c.args.channel === HANDOFF),
    ).toEqual([]);

    // Resolve: the bot answers in that thread again (and calls the model for it).
    await click('handoff_resolve', ticket.id, 'UCAROL', cardTs);
    await expect.poll(async () => (await ticketOf(q.ts, 'C4')).status).toBe('resolved');
    await app.send(
      eventCallback(
        channelMessage({
          channel: 'C4',
          user: 'U4',
          threadTs: q.ts,
          text: 'And how long do refunds take by card?',
        }),
      ),
    );
    const after = await streamedAnswer(app.fake, 'C4', q.ts, streamsBefore);
    expect(after.text).toContain('Refunds are paid');
    expect(chatRequests()).toBeGreaterThan(chatBefore);
  });
});
