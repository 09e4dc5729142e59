import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.js';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

// The real app, the real ChatOpenAI client against the fake model, and a fake moderation endpoint
// (OpenAI's /v1/moderations shape) on real HTTP. Lists come from the knowledge copy's safety folder.
const kb = copyKnowledge();
const ADMIN = 'admin-token-for-safety-tests';
let fake: FakeOpenAI;
let running: RunningApp;
let handoffApp: RunningApp;
let moderation: Server;
let moderationUrl: string;
const moderated: string[] = [];
let flagNext = false;

const chatCalls = () => fake.requests.filter((r) => r.path === '/v1/chat/completions').length;
const admin = async (app: RunningApp) => {
  const res = await fetch(`${app.url}/admin/safety`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return {
    status: res.status,
    body: (await res.json()) as { blocks: Record<string, string>[]; rules: number },
  };
};

beforeAll(async () => {
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'safety', 'test.txt'),
    '# test rules\nsupersecretpartnercode\n黑名单词语\n',
  );
  moderation = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const input = String((JSON.parse(body) as { input: string }).input);
      moderated.push(input);
      const flagged = flagNext;
      flagNext = false;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          id: 'modr-1',
          model: 'omni-moderation-latest',
          results: [{ flagged, categories: { harassment: flagged, violence: false } }],
        }),
      );
    });
  });
  moderation.listen(0, '127.0.0.1');
  await new Promise((r) => moderation.once('listening', r));
  moderationUrl = `http://127.0.0.1:${(moderation.address() as AddressInfo).port}/v1/moderations`;
  fake = await startFakeOpenAI();
  const env = {
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-not-a-real-key',
    LLM_TIMEOUT_MS: '5000',
    LLM_MAX_RETRIES: '0',
    ADMIN_TOKEN: ADMIN,
  };
  running = await startApp({ ...env, MODERATION_URL: moderationUrl });
  handoffApp = await startApp({ ...env, SAFETY_ON_QUESTION: 'handoff' });
});
afterAll(async () => {
  await running?.close();
  await handoffApp?.close();
  await fake?.close();
  await new Promise((r) => moderation?.close(r));
  fs.rmSync(kb.root, { recursive: true, force: true });
});
beforeEach(() => {
  fake.reset();
  moderated.length = 0;
});

describe('content safety on the question', () => {
  it('a listed English phrase gets a polite refusal before any model call, counted and listed to admins', async () => {
    const r = await chat(running.url, {
      message: 'How to sell COUNTERFEIT sneakers on the marketplace?',
      space: 'default',
    });
    expect(r.text()).toMatch(/can't help with that request/);
    expect(r.of('handoff')).toEqual([]);
    expect(r.done()).toMatchObject({ decision: 'answer' });
    expect(chatCalls()).toBe(0);
    const { body } = await admin(running);
    expect(body.blocks[0]).toMatchObject({
      stage: 'question',
      rule: 'en.txt:7',
      kind: 'keyword',
      space: 'default',
    });
    expect(JSON.stringify(body)).not.toContain('sneakers');
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/copilot_safety_blocks_total\{stage="question",kind="keyword"\} [1-9]/);
  });

  it('Chinese without spaces is caught, and the handoff mode opens a ticket instead', async () => {
    const r = await chat(handoffApp.url, { message: '请问有没有刷单教程可以提高店铺销量', space: 'default' });
    expect(r.of('handoff')).toHaveLength(1);
    expect(r.of('handoff')[0]).toMatchObject({ reason: 'safety' });
    expect(r.text()).toMatch(/已经请同事来处理/);
    expect(chatCalls()).toBe(0);
    const { body } = await admin(handoffApp);
    expect(body.blocks[0]).toMatchObject({ stage: 'question', rule: 'zh.txt:5' });
  });

  it('a question the moderation endpoint flags is refused, with the categories as the rule', async () => {
    flagNext = true;
    const r = await chat(running.url, { message: 'What is the return window for shoes?', space: 'default' });
    expect(moderated).toEqual(['What is the return window for shoes?']);
    expect(r.text()).toMatch(/can't help with that request/);
    expect(chatCalls()).toBe(0);
    const { body } = await admin(running);
    expect(body.blocks[0]).toMatchObject({ rule: 'moderation:harassment', kind: 'moderation' });
  });

  it('an ordinary question passes both checks and is answered', async () => {
    fake.enqueue('chat', { kind: 'reply', text: 'Items can be returned within 30 days of delivery [1].' });
    const r = await chat(running.url, { message: 'How long is the return window?', space: 'default' });
    expect(r.text()).toContain('within 30 days');
    expect(chatCalls()).toBe(1);
  });
});

describe('content safety on the streamed answer', () => {
  it('a listed word split across tokens never reaches the stream; the shown part is replaced', async () => {
    const honest = 'Items can be returned within 30 days of delivery [1]. ';
    fake.enqueue('chat', {
      kind: 'reply',
      text: `${honest}Use partner code supersecretpartnercode for free labels.`,
      tokenDelayMs: 1,
    });
    const r = await chat(running.url, { message: 'How do I get a return label?', space: 'default' });
    const tokens = r.of('token').map((t) => String(t.text));
    expect(tokens.length).toBeGreaterThan(1);
    const shown = r.text();
    expect(shown.startsWith('Items can be returned')).toBe(true);
    expect(shown).not.toMatch(/supers/);
    expect(shown).toMatch(/can't share that answer/);
    expect(r.of('sources').at(-1)).toEqual({ sources: [] });
    const record = await running.app.stores.answers.get(r.done().answerId as string);
    expect(record?.answer).toMatch(/^Sorry, I can't share that answer/);
    const { body } = await admin(running);
    expect(body.blocks[0]).toMatchObject({ stage: 'answer', rule: 'test.txt:2', kind: 'keyword' });
  });

  it('a Chinese answer streamed character by character is withheld at the listed word', async () => {
    fake.enqueue('chat', {
      kind: 'reply',
      text: '退货请在三十天内申请。另外黑名单词语也可以。',
      tokenDelayMs: 1,
    });
    const r = await chat(running.url, { message: '退货期限是多久？', space: 'default' });
    expect(r.text()).not.toContain('黑名');
    expect(r.text()).toMatch(/无法提供/);
  });

  it('admin list needs the token', async () => {
    expect((await fetch(`${running.url}/admin/safety`)).status).toBe(401);
  });
});
