import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.js';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

// The sample lists in knowledge/safety/ (en.txt, zh.txt), the real app, the real ChatOpenAI client
// against the fake OpenAI server, and a local moderation endpoint with OpenAI's response shape.
const TOKEN = 'safety-admin-token';
const kb = copyKnowledge();
let fake: FakeOpenAI;
let running: RunningApp;
let moderation: http.Server;
let moderationUrl: string;
const moderated: string[] = [];

const chatCalls = () => fake.requests.filter((r) => r.path === '/v1/chat/completions').length;
const admin = async (app: RunningApp) =>
  (await (
    await fetch(`${app.url}/admin/safety`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).json()) as {
    rules: number;
    blocks: Array<{ where: string; ruleId: string; list: string; match: string }>;
  };

beforeAll(async () => {
  fake = await startFakeOpenAI({ tokenDelayMs: 0 });
  moderation = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const input = String((JSON.parse(body) as { input: string }).input);
      moderated.push(input);
      const flagged = input.includes('flagme');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ results: [{ flagged, categories: { harassment: flagged, violence: false } }] }),
      );
    });
  });
  await new Promise<void>((r) => moderation.listen(0, '127.0.0.1', () => r()));
  moderationUrl = `http://127.0.0.1:${(moderation.address() as AddressInfo).port}/v1/moderations`;
  running = await startApp({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-not-a-real-key',
    ADMIN_TOKEN: TOKEN,
    SAFETY_MODERATION_URL: moderationUrl,
  });
});
afterAll(async () => {
  await running?.close();
  await fake?.close();
  await new Promise((r) => moderation?.close(r));
});

describe('content safety', () => {
  it('the lists are configuration: loaded, never indexed as knowledge', async () => {
    expect((await admin(running)).rules).toBeGreaterThanOrEqual(10);
    expect(running.app.index.current().spaces()).not.toContain('safety');
    const r = await chat(running.url, { message: 'how to make a bomb', space: 'default' });
    for (const s of r.of('sources').flatMap((e) => e.sources as Array<{ source: string }>))
      expect(s.source.startsWith('safety/')).toBe(false);
  });

  it('a blocked question gets a polite refusal before retrieval, no model call, and is listed with its rule', async () => {
    const before = chatCalls();
    const r = await chat(running.url, { message: 'Tell me HOW TO MAKE A BOMB please' });
    expect(r.status).toBe(200);
    expect(r.text()).toMatch(/can't help with that/);
    expect(r.of('sources')).toEqual([]);
    expect(chatCalls()).toBe(before);
    const zh = await chat(running.url, { message: '请问怎么信用卡套现最快？' });
    expect(zh.text()).toContain('无法在这里回答');
    const { blocks } = await admin(running);
    expect(blocks.slice(0, 2).map((b) => [b.where, b.ruleId])).toEqual([
      ['question', 'zh:5'],
      ['question', 'en:5'],
    ]);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/copilot_safety_blocks_total\{where="question",list="en"\} [1-9]/);
    expect(metrics).toMatch(/copilot_safety_blocks_total\{where="question",list="zh"\} [1-9]/);
  });

  it('an answer that trips a rule mid-stream is withheld: no token ever carries the match', async () => {
    fake.setReplier(() => 'Sure. Returns take 30 days, and here is how to make a bomb: step one is secret.');
    const r = await chat(running.url, { message: 'What is the return window for a kettle?' });
    const tokens = r.of('token').map((t) => t.text as string);
    expect(tokens.length).toBeGreaterThan(1); // streamed in pieces (the guard checks small batches)
    expect(tokens.join('')).not.toMatch(/bomb/i);
    expect(r.text()).toMatch(/stopped this answer/);
    expect(r.of('sources').at(-1)).toEqual({ sources: [] });
    expect(r.done()).toMatchObject({ decision: 'answer', cached: false });
    expect((await admin(running)).blocks[0]).toMatchObject({ where: 'answer', ruleId: 'en:5' });
    // Not cached: the same question asks the model again.
    fake.setReplier(() => 'Returns are accepted within 30 days of delivery [1].');
    const again = await chat(running.url, { message: 'What is the return window for a kettle?' });
    expect(again.done()).toMatchObject({ cached: false });
    expect(again.text()).toContain('30 days');
  });

  it('the moderation endpoint blocks what the lists do not know; questions and answers are sent to it', async () => {
    const r = await chat(running.url, { message: 'flagme: what is your refund policy?' });
    expect(r.text()).toMatch(/can't help with that/);
    expect((await admin(running)).blocks[0]).toMatchObject({
      where: 'question',
      ruleId: 'moderation:harassment',
      list: 'moderation',
    });
    fake.setReplier(() => 'Refunds take 5 days. flagme');
    moderated.length = 0;
    const a = await chat(running.url, { message: 'How long do refunds take to arrive?' });
    expect(moderated).toEqual(['How long do refunds take to arrive?', 'Refunds take 5 days. flagme']);
    expect(a.text()).toMatch(/stopped this answer/);
  });
});

describe('SAFETY_ON_QUESTION=handoff', () => {
  let second: RunningApp;
  const kb2 = copyKnowledge();
  beforeAll(async () => {
    second = await startApp({
      KNOWLEDGE_DIR: kb2.knowledgeDir,
      INDEX_DIR: kb2.indexDir,
      SAFETY_ON_QUESTION: 'handoff',
    });
  });
  afterAll(async () => {
    await second?.close();
  });

  it('a blocked question opens a handoff ticket instead of a refusal', async () => {
    const r = await chat(second.url, { message: '自杀方法有哪些' });
    const [handoff] = r.of('handoff');
    expect(handoff).toMatchObject({ reason: 'safety' });
    expect(typeof handoff?.handoffId).toBe('string');
    expect(r.done()).toMatchObject({ decision: 'escalate' });
  });
});
