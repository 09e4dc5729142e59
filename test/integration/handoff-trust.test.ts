import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newAnswerRecord } from '../../src/copilot/record.js';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.js';
import type { SlackCall } from '../fakes/slack-api.js';
import { copyKnowledge } from '../helpers/app.js';
import {
  blockAction,
  eventCallback,
  isArgs,
  postsIn,
  quiet,
  type RealSlackApp,
  slashCommand,
  startRealSlackApp,
  viewPayload,
} from '../helpers/slack.js';

/**
 * Trust boundaries of the handoff desk (issue 11), end to end: the real app with the Slack
 * notifier, signed requests, the fake Slack Web API and the console API over real HTTP.
 */
const HANDOFF = 'CSUPPORT';
const TOKEN = 'console-token';

let openai: FakeOpenAI;
let app: RealSlackApp;
let knowledgeDir: string;

const cardOf = (calls: SlackCall[], marker: string) =>
  postsIn(calls, HANDOFF).find((c) => !c.args.thread_ts && JSON.stringify(c.args).includes(marker));

async function askHuman(conversationId: string, message: string) {
  const res = await fetch(`${app.url}/api/handoffs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ conversationId, message }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function consoleApi(method: 'GET' | 'POST', p: string, body?: unknown) {
  const res = await fetch(`${app.url}/api/console${p}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

let seq = 0;
/** A fresh, long conversation id (unguessable ids are at least 22 characters). */
const convId = () => `trust-conversation-${Date.now()}-${++seq}-abcdefgh`;

beforeAll(async () => {
  openai = await startFakeOpenAI({ replier: () => 'NO_ANSWER' });
  const kb = copyKnowledge();
  knowledgeDir = kb.knowledgeDir;
  app = await startRealSlackApp({
    SLACK_ANSWER_EDITORS: 'UEDITOR',
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    OPENAI_BASE_URL: openai.url,
    OPENAI_API_KEY: 'test-key',
    LLM_MAX_RETRIES: '0',
    ADMIN_TOKEN: TOKEN,
    REDIS_URL: '',
    SLACK_HANDOFF_CHANNEL: HANDOFF,
  });
});
afterAll(async () => {
  await app?.close();
  await openai?.close();
});
beforeEach(async () => {
  await quiet(app.fake);
});

describe('Slack markup from the web (item 5)', () => {
  const HOSTILE =
    'Refund? marker-5 <@UCEO> <!channel> <!subteam^S1|@all> <https://evil.test/login|https://bank.example> \u202Etxt.exe\u202C & co';

  it('a web asker’s text reaches the handoff card inert: no mentions, no disguised link, no bidi, no conversation id', async () => {
    const id = convId();
    const r = await askHuman(id, HOSTILE);
    expect(r.status).toBe(201);
    await app.fake.waitFor((calls) => Boolean(cardOf(calls, 'marker-5')));
    const card = cardOf(app.fake.calls, 'marker-5') as SlackCall;
    const posted = JSON.stringify({ text: card.args.text, blocks: card.args.blocks });
    for (const raw of ['<@UCEO>', '<!channel>', '<!subteam', '<https://evil.test', '\u202E', '\u202C']) {
      expect(posted).not.toContain(JSON.stringify(raw).slice(1, -1));
    }
    // The notification text too, which is what Slack shows in alerts.
    expect(String(card.args.text)).toContain('&lt;@UCEO&gt;');
    expect(String(card.args.text)).not.toMatch(/[<>\u202A-\u202E\u2066-\u2069]/);
    expect(posted).toContain('&lt;https://evil.test/login|https://bank.example&gt;');
    expect(posted).not.toContain(id);
    expect(posted).toContain(`ticket \`${String(r.body.handoffId)}\``);
  });

  it('a console reply relayed into the card thread is neutralized too', async () => {
    const r = await askHuman(convId(), 'marker-5b where is my parcel?');
    const handoffId = String(r.body.handoffId);
    await app.fake.waitFor((calls) => Boolean(cardOf(calls, 'marker-5b')));
    const reply = await consoleApi('POST', `/handoffs/${handoffId}/reply`, {
      agent: 'alice',
      text: 'On its way <!here> <https://evil.test|tracking> \u2066x\u2069',
    });
    expect(reply.status).toBe(200);
    const cardTs = String(cardOf(app.fake.calls, 'marker-5b')?.response?.ts);
    await app.fake.waitFor((calls) => postsIn(calls, HANDOFF, cardTs).length > 0);
    const note = String(postsIn(app.fake.calls, HANDOFF, cardTs)[0]?.args.text);
    expect(note).toContain('&lt;https://evil.test|tracking&gt;');
    expect(note).not.toMatch(/<!here>|<https:|[\u2066-\u2069]/);
  });
});

describe('who sees handoffs in Slack (item 4)', () => {
  const homeOf = async (user: string) => {
    const before = app.fake.calls.length;
    await app.send(
      eventCallback({ type: 'app_home_opened', user, channel: 'D9', tab: 'home', event_ts: '1.1' }),
    );
    await app.fake.waitFor((calls) =>
      calls.slice(before).some((c) => c.method === 'views.publish' && c.args.user_id === user),
    );
    const call = app.fake.calls
      .slice(before)
      .find((c) => c.method === 'views.publish' && c.args.user_id === user) as SlackCall;
    return JSON.stringify(isArgs(call.args.view) ? call.args.view.blocks : call.args.view);
  };
  const handoffsCommand = async (user: string) => {
    const id = `cmd-${user}-${Math.random()}`;
    await app.send(slashCommand({ text: 'handoffs', user, responseUrl: app.fake.responseUrl(id) }));
    await app.fake.waitFor((calls) => calls.some((c) => c.method === 'response_url' && c.args.id === id));
    return JSON.stringify(app.fake.calls.find((c) => c.method === 'response_url' && c.args.id === id)?.args);
  };

  it('App Home and /copilot handoffs: everything for admins and handoff-channel members, own only for others', async () => {
    // Three members: the fake answers two per page, so the third is only found on page two.
    app.fake.setMembers(HANDOFF, ['UAGENT1', 'UAGENT2', 'UAGENT3']);
    await askHuman(convId(), 'marker-4 private web question about my divorce');
    await app.built.handoffs.create({
      space: 'default',
      conversationKey: 'T1:C7:1700000000.000777',
      conversationId: 'C7:1700000000.000777',
      origin: { surface: 'slack', team: 'T1', channel: 'C7', threadTs: '1700000000.000777' },
      asker: 'UASKER',
      question: 'marker-4 asker question about pallets',
      reason: 'asked',
    });
    for (const [id, user, reason] of [
      ['a_trust_1', 'UASKER', 'marker-4 own reason'],
      ['a_trust_2', 'UOTHER', 'marker-4 someone else reason'],
    ] as const) {
      const input = { message: 'q', conversationKey: `k-${id}`, conversationId: id, space: 'default' };
      await app.built.stores.answers.save({ ...newAnswerRecord(input, id, 'v'), complete: true });
      await app.built.stores.answers.setFeedback(id, { rating: 'down', reason, user, at: Date.now() });
    }
    for (const user of ['UADMIN', 'UAGENT3']) {
      const home = await homeOf(user);
      expect(home).toContain('marker-4 someone else reason');
      expect(home).toContain('marker-4 private web question');
      expect(home).toContain('marker-4 asker question');
      const listed = await handoffsCommand(user);
      expect(listed).toContain('marker-4 private web question');
    }
    const asker = await homeOf('UASKER');
    expect(asker).toContain('marker-4 asker question');
    expect(asker).not.toContain('marker-4 private web question');
    expect(asker).toContain('marker-4 own reason');
    expect(asker).not.toContain('marker-4 someone else reason');
    const stranger = await homeOf('USTRANGER');
    expect(stranger).not.toContain('marker-4');
    expect(await handoffsCommand('USTRANGER')).not.toContain('marker-4');
    expect(await handoffsCommand('UASKER')).not.toContain('private web question');
  });
});

describe('saving answers from Slack (item 6)', () => {
  const submit = (id: string, user: string, text: string, options: string[]) =>
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
  const ticketFor = async (marker: string) => {
    const r = await askHuman(convId(), `${marker} can I return opened swimwear for hygiene reasons?`);
    await app.fake.waitFor((calls) => Boolean(cardOf(calls, marker)));
    return { id: String(r.body.handoffId), cardTs: String(cardOf(app.fake.calls, marker)?.response?.ts) };
  };

  it('a teammate who is not an admin or answer editor gets no "save" option, and a crafted save is refused', async () => {
    const { id, cardTs } = await ticketFor('marker-6a');
    await app.send(
      blockAction({
        actionId: 'handoff_reply',
        value: id,
        user: 'UAGENT1',
        channel: HANDOFF,
        messageTs: cardTs,
      }),
    );
    await app.fake.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    const view = app.fake.calls.filter((c) => c.method === 'views.open').at(-1)?.args.view;
    expect(JSON.stringify(view)).not.toContain('Save as answer');

    const res = await submit(id, 'UAGENT1', 'No, swimwear cannot be returned once opened.', ['save']);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.values(body.errors)[0]).toMatch(/SLACK_ANSWER_EDITORS/);
    const ticket = await app.built.handoffs.get(id);
    expect(ticket?.messages).toEqual([]);
    expect(ticket?.savedAnswer).toBeUndefined();
  });

  it('an answer editor may save; a near-duplicate saved later keeps the first as a version (supersedes)', async () => {
    const first = await ticketFor('marker-6b');
    await submit(first.id, 'UEDITOR', 'Opened swimwear cannot be returned.', ['save', 'resolve']);
    await expect
      .poll(async () => (await app.built.handoffs.get(first.id))?.savedAnswer, { timeout: 10_000 })
      .toBeDefined();
    const file = (await app.built.handoffs.get(first.id))?.savedAnswer as string;
    const second = await ticketFor('marker-6b');
    await submit(second.id, 'UADMIN', 'Opened swimwear can be exchanged within 7 days.', ['save', 'resolve']);
    await expect
      .poll(async () => (await app.built.handoffs.get(second.id))?.savedAnswer, { timeout: 10_000 })
      .toBe(file);
    const now = matter(fs.readFileSync(path.join(knowledgeDir, file), 'utf8'));
    expect(now.content).toContain('exchanged within 7 days');
    expect(String(now.data.supersedes)).toMatch(/\/\.versions\//);
    expect(now.data.supersedes_handoff).toBe(first.id);
    const old = fs.readFileSync(path.join(knowledgeDir, String(now.data.supersedes)), 'utf8');
    expect(old).toContain('Opened swimwear cannot be returned.');
  });
});

describe('lost relays (item 7)', () => {
  const slackTicket = async (channel: string, marker: string) => {
    const threadTs = `1700000001.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
    const t = await app.built.handoffs.create({
      space: 'default',
      conversationKey: `T1:${channel}:${threadTs}`,
      conversationId: `${channel}:${threadTs}`,
      origin: { surface: 'slack', team: 'T1', channel, threadTs },
      asker: 'UASKER7',
      question: `${marker} do you ship to Iceland?`,
      reason: 'asked',
    });
    await app.fake.waitFor((calls) => Boolean(cardOf(calls, marker)));
    await expect.poll(async () => (await app.built.handoffs.get(t.id))?.card).toBeDefined();
    return { id: t.id, threadTs, cardTs: String(cardOf(app.fake.calls, marker)?.response?.ts) };
  };

  it('a relay that fails twice is retried and delivered once', async () => {
    const { id, threadTs } = await slackTicket('C71', 'marker-7a');
    app.fake.fail('chat.postMessage', 'internal_error', 2, (a) => a.channel === 'C71');
    const r = await consoleApi('POST', `/handoffs/${id}/reply`, { agent: 'alice', text: 'Yes, weekly.' });
    expect(r.status).toBe(200);
    expect(r.body.relayError).toBeUndefined();
    const tries = app.fake.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs,
    );
    expect(tries.map((c) => c.error ?? 'ok')).toEqual(['internal_error', 'internal_error', 'ok']);
    expect((r.body.ticket as { relayError?: string }).relayError).toBeUndefined();
  });

  it('a relay that keeps failing: the teammate is told in the card thread and in the console', async () => {
    const { id, cardTs } = await slackTicket('C72', 'marker-7b');
    app.fake.refuse('chat.postMessage', 'channel_not_found', (a) => a.channel === 'C72');
    try {
      const r = await consoleApi('POST', `/handoffs/${id}/reply`, { agent: 'alice', text: 'Yes, weekly.' });
      expect(r.status).toBe(200);
      expect(String(r.body.relayError)).toContain('channel_not_found');
      // The console lists it on the ticket, so it is still there after a refresh.
      const listed = await consoleApi('GET', `/handoffs/${id}`);
      expect(String((listed.body.ticket as { relayError?: string }).relayError)).toContain(
        'channel_not_found',
      );
      await app.fake.waitFor((calls) =>
        postsIn(calls, HANDOFF, cardTs).some((c) => String(c.args.text).includes('did not reach the asker')),
      );
      const warning = postsIn(app.fake.calls, HANDOFF, cardTs).find((c) =>
        String(c.args.text).includes('did not reach the asker'),
      );
      expect(String(warning?.args.text)).toContain('*alice*');
      expect(String(warning?.args.text)).toContain('channel_not_found');
    } finally {
      app.fake.clear('chat.postMessage');
    }
  }, 20_000);
});
