import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../src/domain/handoff.js';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.js';
import { type ChatResult, chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { listenSse } from '../helpers/sse.js';

/**
 * The whole loop over HTTP against the real app: an unanswerable question becomes a
 * ticket, two agents race to claim it in the console API, the reply (with PII) is saved as
 * knowledge, and the same question and a paraphrase are then answered from that file by the
 * annotation step — within 5 s of the reply and with no model call (the fake OpenAI server
 * counts chat requests).
 */
const TOKEN = 'console-secret';
const QUESTION = 'Can I ship lithium batteries to Norway by sea freight?';
const PARAPHRASE = 'Is it possible to ship lithium batteries to Norway by sea freight?';
const REPLY =
  'Yes, by sea freight only, packed under UN3480 rules. For a quote email freight@acme-logistics.com or call +1 (206) 555-0134.';

let fake: FakeOpenAI;
let run: RunningApp;
let knowledgeDir: string;

const chatRequests = () => fake.requests.filter((r) => r.path === '/v1/chat/completions').length;

async function consoleApi(method: 'GET' | 'POST', p: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${run.url}/api/console${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function handoffId(r: ChatResult): string {
  const h = r.of('handoff')[0];
  expect(h?.handoffId, `no handoff in: ${r.text()}`).toMatch(/^h_/);
  return h?.handoffId as string;
}

describe('handoff loop over HTTP (real app, fake OpenAI)', () => {
  beforeAll(async () => {
    // The model always says NO_ANSWER: whatever retrieval finds, this question is for a human.
    fake = await startFakeOpenAI({ replier: () => 'NO_ANSWER' });
    const kb = copyKnowledge();
    knowledgeDir = kb.knowledgeDir;
    run = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'test-key',
      LLM_MAX_RETRIES: '0',
      ADMIN_TOKEN: TOKEN,
      REDIS_URL: '',
    });
  });
  afterAll(async () => {
    await run?.close();
    await fake?.close();
  });

  it('console API is guarded by the bearer token', async () => {
    expect((await consoleApi('GET', '/handoffs', undefined, 'wrong')).status).toBe(401);
    const res = await fetch(`${run.url}/api/console/handoffs`);
    expect(res.status).toBe(401);
  });

  it('unanswerable → ticket → concurrent claims (one 409 naming the owner) → saved reply answers the question and a paraphrase, no model call, < 5 s', async () => {
    const first = await chat(run.url, { message: QUESTION, conversationId: 'flow-1-conversation-00000000' });
    expect(first.done().decision).toBe('escalate');
    const id = handoffId(first);

    const listed = await consoleApi('GET', '/handoffs?status=open');
    const ticket = (listed.body.tickets as HandoffTicket[]).find((t) => t.id === id);
    expect(ticket?.question).toBe(QUESTION);
    expect(ticket?.origin.surface).toBe('web');

    // Two agents click "claim" at the same moment.
    const claims = await Promise.all([
      consoleApi('POST', `/handoffs/${id}/claim`, { agent: 'alice' }),
      consoleApi('POST', `/handoffs/${id}/claim`, { agent: 'bob' }),
    ]);
    expect(claims.map((c) => c.status).sort()).toEqual([200, 409]);
    const winner = claims.find((c) => c.status === 200)?.body.ticket as HandoffTicket;
    const loser = claims.find((c) => c.status === 409)?.body.error as { message: string; assignee: string };
    expect(loser.assignee).toBe(winner.assignee);
    expect(loser.message).toContain(winner.assignee as string);
    const agent = winner.assignee as string;

    // The asker's page listens for the reply.
    const events = listenSse(`${run.url}/api/conversations/flow-1-conversation-00000000/events`);
    await events.ready;

    const before = chatRequests();
    const started = performance.now();
    const replied = await consoleApi('POST', `/handoffs/${id}/reply`, {
      agent,
      text: REPLY,
      save: true,
      resolve: true,
    });
    expect(replied.status).toBe(200);
    const saved = replied.body.saved as { file: string; updated: boolean; job: { status: string } };
    expect(replied.body.saveError).toBeUndefined();
    expect(saved.file).toBe(`default/answers/${id}.md`);
    expect(saved.job.status).toBe('succeeded');
    expect((replied.body.ticket as HandoffTicket).status).toBe('resolved');

    // The same question and a paraphrase from other askers. (In the original conversation the
    // pipeline's condense step would call the model first, since that conversation has history.)
    const again = await chat(run.url, { message: QUESTION, conversationId: 'flow-1b-conversation-00000000' });
    const para = await chat(run.url, { message: PARAPHRASE, conversationId: 'flow-2-conversation-00000000' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5000);
    expect(chatRequests()).toBe(before);
    for (const r of [again, para]) {
      expect(r.done().decision).toBe('answer');
      expect(r.text()).toContain('UN3480');
      expect(r.text()).toContain('[email]');
      expect(r.text()).not.toContain('acme-logistics.com');
      expect(r.text()).toContain(`Answered by ${agent}`);
      const sources = r.of('sources')[0]?.sources as Array<{ source: string }>;
      expect(sources[0]?.source).toBe(saved.file);
      const record = await run.app.stores.answers.get(r.done().answerId as string);
      expect(record?.via).toBe('annotation');
    }

    // The file on disk: PII scrubbed, front matter for the annotation step.
    const file = matter(fs.readFileSync(path.join(knowledgeDir, saved.file), 'utf8'));
    expect(file.data).toMatchObject({
      question: QUESTION,
      answered_by: agent,
      handoff: id,
      space: 'default',
    });
    expect(file.content).toContain('[phone]');
    expect(file.content).not.toMatch(/555-0134|acme-logistics/);

    // The asker's stream got the reply (unscrubbed: it is for the asker) and the state changes.
    await expect
      .poll(() => events.received.map((e) => e.event))
      .toEqual(expect.arrayContaining(['reply', 'handoff']));
    const reply = events.received.find((e) => e.event === 'reply')?.data;
    expect(reply).toMatchObject({ handoffId: id, text: REPLY, by: agent });
    expect(events.received.filter((e) => e.event === 'handoff').map((e) => e.data.status)).toContain(
      'resolved',
    );
    events.close();
  });

  it('a second save of a near-duplicate question replaces the file, keeping the old one as a version', async () => {
    const r = await chat(run.url, {
      message: 'Can I ship lithium batteries to Norway by sea freight, please?',
      conversationId: 'flow-3-conversation-00000000',
    });
    // Answered from the saved answer: ask a human explicitly to get a ticket for the same question.
    expect(r.done().decision).toBe('answer');
    const created = await fetch(`${run.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: 'flow-3-conversation-00000000', answerId: r.done().answerId }),
    });
    expect(created.status).toBe(201);
    const { handoffId: id } = (await created.json()) as { handoffId: string };
    const ticket = (await consoleApi('GET', `/handoffs/${id}`)).body.ticket as HandoffTicket;
    expect(ticket.reason).toBe('asked');
    expect(ticket.draftAnswer).toContain('UN3480');
    const before = fs.readdirSync(path.join(knowledgeDir, 'default/answers'));
    const res = await consoleApi('POST', `/handoffs/${id}/reply`, {
      agent: 'carol',
      text: 'Update: sea freight only, max 100 Wh per cell.',
      save: true,
    });
    const saved = res.body.saved as { file: string; updated: boolean; supersedes: string };
    expect(saved.updated).toBe(true);
    const answers = () =>
      fs.readdirSync(path.join(knowledgeDir, 'default/answers')).filter((n) => !n.startsWith('.'));
    expect(answers()).toEqual(before.filter((n) => !n.startsWith('.')));
    const now = matter(fs.readFileSync(path.join(knowledgeDir, saved.file), 'utf8'));
    expect(now.content).toContain('100 Wh');
    expect(now.data.supersedes).toBe(saved.supersedes);
    expect(fs.readFileSync(path.join(knowledgeDir, saved.supersedes), 'utf8')).toContain('UN3480');
  });

  it('while a ticket is open the bot forwards the asker’s messages instead of answering; after resolve it answers again', async () => {
    const first = await chat(run.url, {
      message: 'I need a human please',
      conversationId: 'gate-1-conversation-00000000',
    });
    const id = handoffId(first);
    const before = chatRequests();
    const during = await chat(run.url, {
      message: 'How long do refunds take?',
      conversationId: 'gate-1-conversation-00000000',
    });
    expect(during.text()).toMatch(/teammate is on it/i);
    expect(during.of('handoff')[0]).toMatchObject({ handoffId: id, reason: 'forwarded' });
    expect(chatRequests()).toBe(before);
    const ticket = (await consoleApi('GET', `/handoffs/${id}`)).body.ticket as HandoffTicket;
    expect(ticket.messages?.map((m) => `${m.role}:${m.text}`)).toEqual(['asker:How long do refunds take?']);
    expect(ticket.history.map((h) => h.action)).toContain('forwarded');

    expect((await consoleApi('POST', `/handoffs/${id}/resolve`, { agent: 'alice' })).status).toBe(200);
    const after = await chat(run.url, {
      message: 'How long do refunds take?',
      conversationId: 'gate-1-conversation-00000000',
    });
    expect(after.text()).not.toMatch(/teammate is on it/i);
    expect(chatRequests()).toBeGreaterThan(before); // the pipeline ran (the fake model was asked)
  });

  it('POST /api/handoffs validates its body and returns the existing ticket when asked twice', async () => {
    const bad = await fetch(`${run.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: 'x y' }),
    });
    expect(bad.status).toBe(400);
    // A short id is guessable: refused, so nobody opens tickets on someone else's conversation.
    const short = await fetch(`${run.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: 'twice-1', message: 'Where is my payout?' }),
    });
    expect(short.status).toBe(400);
    expect(JSON.stringify(await short.json())).toContain('22-64 characters');
    const post = () =>
      fetch(`${run.url}/api/handoffs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          conversationId: 'twice-1-conversation-00000000',
          message: 'Where is my payout?',
        }),
      });
    const a = await post();
    const b = await post();
    expect([a.status, b.status]).toEqual([201, 200]);
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as Array<{
      handoffId: string;
      existing: boolean;
    }>;
    expect(jb?.handoffId).toBe(ja?.handoffId);
    expect(jb?.existing).toBe(true);
  });
});
