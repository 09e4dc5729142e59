import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

// The embedded default: offline answers, local embeddings, in-process memory, over real HTTP.
const kb = copyKnowledge();
let running: RunningApp;

beforeAll(async () => {
  running = await startApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir });
});
afterAll(async () => {
  await running?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

describe('offline copilot over HTTP', () => {
  it('streams meta, several tokens, sources and done, citing the right document', async () => {
    const r = await chat(running.url, { message: 'What is the return window for a kettle?' });
    expect(r.status).toBe(200);
    const order = r.events.map((e) => e.event);
    expect(order[0]).toBe('meta');
    expect(order.filter((e) => e === 'token').length).toBeGreaterThan(3);
    expect(order.slice(-2)).toEqual(['sources', 'done']);
    expect(r.done()).toMatchObject({ decision: 'answer', cached: false });
    const sources = r.of('sources')[0]?.sources as Array<{ source: string; n: number }>;
    expect(sources.map((s) => s.source)).toContain('returns-and-refunds.md');
    expect(r.text()).toMatch(/30 days/);
    expect(r.text()).toMatch(/\[\d\]/);
  });

  it('answers a Chinese question in Chinese from the Chinese document', async () => {
    const r = await chat(running.url, { message: '结算的钱怎么提现到国内银行账户？' });
    expect(r.done()).toMatchObject({ decision: 'answer' });
    expect(r.text()).toMatch(/根据知识库/);
    const sources = r.of('sources')[0]?.sources as Array<{ source: string }>;
    expect(sources.map((s) => s.source)).toContain('结算与提现.md');
  });

  it('escalates a question the knowledge does not cover, with a handoff and no invented answer', async () => {
    const r = await chat(running.url, {
      message: "What's the Wi-Fi password in the Tacoma warehouse break room?",
    });
    expect(r.done()).toMatchObject({ decision: 'escalate' });
    const handoff = r.of('handoff')[0];
    expect(handoff).toMatchObject({ reason: 'escalate' });
    expect(typeof handoff?.handoffId).toBe('string');
    expect(r.of('sources')).toEqual([]);
    expect(r.text()).toMatch(/teammate/);
  });

  it('offers clarify options for a short ambiguous question spanning documents', async () => {
    const r = await chat(running.url, { message: 'fees?' });
    expect(r.done()).toMatchObject({ decision: 'clarify' });
    const options = r.of('clarify')[0]?.options as Array<{ question: string; source: string }>;
    expect(options.length).toBeGreaterThanOrEqual(2);
    expect(new Set(options.map((o) => o.source)).size).toBe(options.length);
  });

  it('answers a follow-up from the right passages using the earlier turn', async () => {
    const conversationId = 'followup-offline-conversation';
    const first = await chat(running.url, {
      message: 'How long is the return window for customers?',
      conversationId,
    });
    expect(first.done()).toMatchObject({ decision: 'answer' });
    const follow = await chat(running.url, {
      message: 'and for the other business line?',
      conversationId,
      space: 'apparel',
    });
    expect(follow.done()).toMatchObject({ decision: 'answer' });
    const sources = follow.of('sources')[0]?.sources as Array<{ source: string }>;
    expect(sources.map((s) => s.source)).toContain('apparel/returns-and-refunds.md');
    expect(follow.text()).toMatch(/60/);
  });

  it('serves the same standalone question from the cache the second time', async () => {
    const q = { message: 'When does the payout reach my bank account?' };
    const a = await chat(running.url, q);
    const b = await chat(running.url, q);
    expect(a.done()).toMatchObject({ cached: false });
    expect(b.done()).toMatchObject({ cached: true, decision: 'answer' });
    expect(b.text()).toBe(a.text());
  });

  it('rejects bad input with 400 and a reason', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ message: '' }, /message/],
      [{ message: 'x'.repeat(100_000) }, /message|large|limit/i],
      [{ message: 'refunds', space: 'no-such-space' }, /space/],
      [{ message: 42 }, /message/],
    ];
    for (const [body, reason] of cases) {
      const r = await chat(running.url, body);
      expect([400, 413]).toContain(r.status);
      expect(JSON.stringify(r.body)).toMatch(reason);
    }
    const bad = await fetch(`${running.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"message": ',
    });
    expect(bad.status).toBe(400);
  });
});
