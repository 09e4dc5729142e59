import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gap } from '../../src/insights/gaps.js';
import { type FakeOpenAI, lastUserText, startFakeOpenAI } from '../fakes/openai-server.js';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

/**
 * Issue 13, knowledge gaps over HTTP: the real app with the real ChatOpenAI client against the
 * fake OpenAI server. Questions the model cannot answer are handed to a teammate, who replies in
 * the console; the gaps API groups them, the model drafts from the reply, the admin saves an
 * edited answer, and the same question is then answered from it (no model call).
 */
const TOKEN = 'gaps-admin-token';
const RENAME = [
  'How do I change my shop name?',
  'Can I rename my store?',
  'Where can I edit the name of my shop?',
];
const OFF_TOPIC = 'What is the weather in Paris today?';
const REPLY = 'Go to Settings → Shop profile and edit the name. Renames are allowed once every 30 days.';
const MODEL_DRAFT = 'Open Settings → Shop profile to rename your shop; you can do it once every 30 days.';
const SAVED =
  'Open Settings → Shop profile and edit the shop name. You can rename once every 30 days; write to help@shop.example if you need it sooner.';

type GapView = Omit<Gap, 'memberIds'> & { memberIds?: string[] };

let openai: FakeOpenAI;
let run: RunningApp;
let knowledgeDir: string;

function replier(req: { body: Record<string, unknown> }): string {
  const text = lastUserText(req.body);
  if (text.includes('Draft answer:')) return MODEL_DRAFT;
  if (/shop name|rename|name of my shop/i.test(text)) return 'NO_ANSWER';
  return 'Refunds are paid within 5 business days [1].';
}

const chatCalls = () => openai.requests.filter((r) => r.path === '/v1/chat/completions');

async function api(p: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const token = init.token === undefined ? TOKEN : init.token;
  const res = await fetch(`${run.url}/api/console${p}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: await res.json() };
}

describe('knowledge gaps over HTTP (real app, fake OpenAI)', () => {
  const asked: Array<{ answerId: string; handoffId: string | null }> = [];

  beforeAll(async () => {
    openai = await startFakeOpenAI({ replier });
    const kb = copyKnowledge();
    knowledgeDir = kb.knowledgeDir;
    run = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      ADMIN_TOKEN: TOKEN,
      REDIS_URL: '',
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: 'test-key',
      LLM_MAX_RETRIES: '0',
    });
    for (const [i, message] of [...RENAME, OFF_TOPIC].entries()) {
      const r = await chat(run.url, { message, conversationId: `gaps-http-conversation-${i}-0000000000` });
      const handoff = r.of('handoff')[0];
      asked.push({
        answerId: r.done().answerId as string,
        handoffId: (handoff?.handoffId as string) ?? null,
      });
    }
  }, 120_000);
  afterAll(async () => {
    await run?.close();
    await openai?.close();
  });

  it('is behind ADMIN_TOKEN and checks its parameters', async () => {
    expect((await api('/insights/gaps', { token: null })).status).toBe(401);
    expect((await api('/insights/gaps', { token: 'wrong' })).status).toBe(401);
    for (const q of ['days=0', 'days=91', 'days=abc', 'space=../etc']) {
      const r = await api(`/insights/gaps?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('insights:bad_request');
    }
  });

  it('every question was handed to a teammate; one of them replies in the console', async () => {
    expect(asked.every((a) => a.handoffId)).toBe(true);
    const id = asked[0]?.handoffId as string;
    const r = await api(`/handoffs/${id}/reply`, { body: { agent: 'Dana', text: REPLY } });
    expect(r.status).toBe(200);
  });

  let gap: GapView;
  let period: { space: string; from: number; to: number };

  it('lists the gaps: the paraphrases as one, with count, examples, passages and the reply', async () => {
    const r = await api('/insights/gaps?days=7');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ space: '*', days: 7, drafting: 'model', considered: 4 });
    const gaps = r.body.gaps as GapView[];
    expect(gaps.map((g) => g.count)).toEqual([3, 1]);
    gap = gaps[0] as GapView;
    expect(gap.id).toMatch(/^g_[0-9a-f]{16}$/);
    expect(new Set(gap.examples.map((e) => e.question))).toEqual(new Set(RENAME));
    expect(gap.why).toEqual({ escalated: 0, no_answer: 3, down: 0 });
    // The model saw passages and said NO_ANSWER: they are what was retrieved, and were not enough.
    const records = await Promise.all(asked.slice(0, 3).map((a) => run.app.stores.answers.get(a.answerId)));
    const retrieved = new Set(records.flatMap((rec) => rec?.sources.map((s) => s.source) ?? []));
    expect(gap.passages.length).toBeGreaterThan(0);
    for (const p of gap.passages) expect(retrieved.has(p.source)).toBe(true);
    expect(gap.replies).toEqual([expect.objectContaining({ by: 'Dana', text: REPLY })]);
    expect(gap.memberIds).toBeUndefined();
    expect(gaps[1]?.examples[0]?.question).toBe(OFF_TOPIC);
    period = { space: gap.space, from: r.body.from, to: r.body.to };
  });

  it('drafts with the model from the teammate’s reply', async () => {
    const before = chatCalls().length;
    const r = await api(`/insights/gaps/${gap.id}/draft`, { body: period });
    expect(r.status).toBe(200);
    expect(r.body.draft).toMatchObject({ source: 'model', text: MODEL_DRAFT });
    expect(chatCalls()).toHaveLength(before + 1);
    const prompt = lastUserText(chatCalls().at(-1)?.body ?? {});
    expect(prompt).toContain(REPLY);
    for (const q of RENAME) expect(prompt).toContain(q);
  });

  it('refuses unknown gaps and bad bodies with a clear error', async () => {
    const unknown = await api('/insights/gaps/g_0000000000000000/draft', { body: period });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'insights:not_found' });
    expect(unknown.body.error.message).toMatch(/Reload the list/);
    const badId = await api('/insights/gaps/..%2f..%2fetc/draft', { body: period });
    expect(badId.status).toBe(400);
    const noText = await api(`/insights/gaps/${gap.id}/save`, {
      body: { ...period, question: gap.question, text: '  ' },
    });
    expect(noText.status).toBe(400);
    expect(noText.body.error.message).toBe('text must not be empty.');
    const noSpace = await api(`/insights/gaps/${gap.id}/save`, {
      body: { ...period, space: 'nowhere', question: gap.question, text: SAVED },
    });
    expect(noSpace.status).toBe(400);
    expect(JSON.stringify(noSpace.body)).not.toMatch(/at .*\.ts/);
  });

  it('saves the edited answer as knowledge; the same question is then answered from it, with no model call', async () => {
    const r = await api(`/insights/gaps/${gap.id}/save`, {
      body: { ...period, question: gap.question, text: SAVED, agent: 'Dana' },
    });
    expect(r.status).toBe(200);
    const saved = r.body.saved as { file: string; job: { status: string } };
    expect(saved.file).toBe(`default/answers/${gap.id}.md`);
    expect(saved.job.status).toBe('succeeded');
    const file = matter(fs.readFileSync(path.join(knowledgeDir, saved.file), 'utf8'));
    expect(file.data).toMatchObject({ question: gap.question, answered_by: 'Dana', space: 'default' });
    // Scrubbed like every saved answer.
    expect(file.content).toContain('[email]');

    const before = chatCalls().length;
    const again = await chat(run.url, {
      message: gap.question,
      conversationId: 'gaps-http-conversation-again-000000',
    });
    expect(again.text()).toContain('Open Settings → Shop profile and edit the shop name.');
    const record = await run.app.stores.answers.get(again.done().answerId as string);
    expect(record).toMatchObject({ decision: 'answer', via: 'annotation' });
    expect(chatCalls()).toHaveLength(before);
  });

  it('the gap now shows as saved', async () => {
    const r = await api('/insights/gaps?days=7');
    const same = (r.body.gaps as GapView[]).find((g) => g.id === gap.id);
    expect(same?.saved).toBe(true);
    expect((r.body.gaps as GapView[]).find((g) => g.count === 1)?.saved).toBe(false);
  });
});
