import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeOpenAI, type RecordedRequest, startFakeOpenAI } from '../fakes/openai-server.js';
import type { SlackCall } from '../fakes/slack-api.js';
import { type ChatResult, chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { type PrivateRedis, privateRedis, redisServerInstalled, waitFor } from '../helpers/redis-server.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { chromiumAvailable, launchChromium } from '../helpers/services.js';
import { appMention, blockAction, buttonValue, eventCallback, nativeText, quiet } from '../helpers/slack.js';
import { type AppWithSlack, startAppWithSlack } from '../helpers/slack-app.js';

/**
 * Issue 7, Redis outage: our own redis-server is SIGKILLed while chats are streaming, then started
 * again on the same port. The real app (in-process, and once as a real `npm start` process) must
 * keep answering without memory, report the outage on /readyz and /metrics, never crash or leak an
 * unhandled rejection, get its memory back by itself, and never silently drop a handoff asked for
 * during the outage.
 */

const ANSWER =
  'Returns are accepted within 30 days of delivery [1]. Items must be unused and in their original packaging, ' +
  'and the return label costs $7.95 unless the item arrived damaged [1].';
/** What the fake model answers to a condense prompt (non-streaming); streamed answers get ANSWER. */
const CONDENSED = 'What is the return window for a denim jacket?';

const isStream = (r: RecordedRequest) => r.path === '/v1/chat/completions' && r.body.stream === true;
const isCondense = (r: RecordedRequest) => r.path === '/v1/chat/completions' && r.body.stream !== true;

/** Synchronous (describe-time) check; in CI a missing browser fails the suite elsewhere. */
const hasChromium = await chromiumAvailable();

const roots: string[] = [];
let fake: FakeOpenAI;

function modelEnv(kb: { knowledgeDir: string; indexDir: string }, redisUrl: string): Record<string, string> {
  return {
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    REDIS_URL: redisUrl,
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-not-a-real-key',
    LLM_TIMEOUT_MS: '5000',
    LLM_MAX_RETRIES: '0',
  };
}

/** Questions the knowledge base answers, all different: a cached answer would not reach the model. */
const IN_FLIGHT_QUESTIONS = [
  'What is the return window for home goods?',
  'How do staff accounts and permissions work?',
  'When do payouts get sent out each week?',
  'What is the same-day shipping cut-off time?',
];

/** A slow streamed answer, so a chat is still in flight when Redis dies (about 1 s of tokens). */
const slowReply = () => ({ kind: 'reply' as const, text: ANSWER, tokenDelayMs: 30 });

async function status(url: string, path: string): Promise<number> {
  return (await fetch(`${url}${path}`)).status;
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function expectAnswered(r: ChatResult): void {
  expect(r.status).toBe(200);
  expect(r.of('error')).toEqual([]);
  expect(r.done()).toMatchObject({ decision: 'answer' });
  expect(r.text()).toContain('within 30 days');
}

/**
 * A question, then a follow-up that only makes sense after it; both answered. Returns the
 * follow-up and the condense requests the model has seen (since the last fake.reset()).
 */
async function askFollowUp(url: string, conversationId: string) {
  expectAnswered(await chat(url, { message: 'What is the return window for a kettle?', conversationId }));
  const follow = await chat(url, { message: 'and for a jacket?', conversationId });
  expectAnswered(follow);
  return { follow, condense: fake.requests.filter(isCondense) };
}

/** Starts `n` chats and resolves once every one of them is streaming tokens from the model. */
async function chatsInFlight(url: string, n: number, tag: string): Promise<Array<Promise<ChatResult>>> {
  expect(n).toBeLessThanOrEqual(IN_FLIGHT_QUESTIONS.length);
  const before = fake.requests.length;
  for (let i = 0; i < n; i++) fake.enqueue('chat', slowReply());
  const chats = Array.from({ length: n }, (_, i) =>
    chat(url, {
      message: IN_FLIGHT_QUESTIONS[i] as string,
      conversationId: `${tag}-${i}-conversation-00000000`,
    }),
  );
  await waitFor(
    () => fake.requests.slice(before).filter((r) => isStream(r) && r.tokensSent >= 2).length === n,
    15_000,
    20,
  );
  // Still streaming: the model has not finished any of them.
  expect(fake.requests.slice(before).filter((r) => r.finishedAt !== undefined)).toEqual([]);
  return chats;
}

/**
 * What every outage suite starts from: its own knowledge copy and a private redis-server
 * (started; killed after the suite), the app's environment pointing at both, and (for suites that
 * run the app in this process) a watch for unhandled rejections while the suite runs.
 */
function outageSuite(opts: { watchUnhandled: boolean }) {
  const suite = {
    redis: undefined as unknown as PrivateRedis,
    env: {} as Record<string, string>,
    unhandled: vi.fn(),
  };
  beforeAll(async () => {
    if (opts.watchUnhandled) process.on('unhandledRejection', suite.unhandled);
    const kb = copyKnowledge();
    roots.push(kb.root);
    suite.redis = await privateRedis();
    await suite.redis.start();
    suite.env = modelEnv(kb, suite.redis.url);
  });
  afterAll(async () => {
    if (opts.watchUnhandled) process.off('unhandledRejection', suite.unhandled);
    await suite.redis?.kill();
  });
  return suite;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({
    replier: (req) => (req.body.stream === true ? ANSWER : CONDENSED),
  });
});
afterAll(async () => {
  await fake?.close();
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

describe.skipIf(!redisServerInstalled())('Redis outage, app in-process', () => {
  const outage = outageSuite({ watchUnhandled: true });
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(outage.env);
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(() => fake.reset());

  const answers = () => running.app.stores.answers;
  const handoffs = () => running.app.handoffs;

  it('remembers the conversation while Redis is up (the baseline the outage is measured against)', async () => {
    expect(await status(running.url, '/readyz')).toBe(200);
    const { follow, condense } = await askFollowUp(running.url, 'before-1-conversation-00000000');
    expect(condense).toHaveLength(1);
    expect(condense[0]?.rawBody).toContain('return window for a kettle');
    const record = await answers().get(follow.done().answerId as string);
    expect(record).toMatchObject({ complete: true, standaloneQuestion: CONDENSED });
    expect(await metrics(running.url)).toMatch(/copilot_redis_up 1/);
  });

  it('Redis SIGKILLed while chats stream: every chat still ends with its answer and `done`', async () => {
    const chats = await chatsInFlight(running.url, 4, 'inflight');
    await outage.redis.kill();
    const results = await Promise.all(chats);
    for (const r of results) expectAnswered(r);
    // The records could not be stored (Redis is gone) and memory was skipped, both reported.
    await waitFor(async () => (await status(running.url, '/readyz')) === 503, 5000);
    const text = await metrics(running.url);
    expect(text).toMatch(/copilot_redis_up 0/);
    expect(text).toMatch(/copilot_memory_degraded_total\{op="conversation\.append"\} [1-9]/);
    expect(outage.unhandled).not.toHaveBeenCalled();
  });

  it('keeps answering during the outage, without memory, and says so on /readyz and /metrics', async () => {
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, checks: { redis: false } });
    expect(await status(running.url, '/healthz')).toBe(200);

    // The conversation remembered before the outage: answered, but without its memory (no
    // condensing with the history, which it would do with memory).
    const again = await chat(running.url, {
      message: 'What is the return window for a kettle?',
      conversationId: 'before-1-conversation-00000000',
    });
    expectAnswered(again);
    expect(fake.requests.filter(isCondense)).toEqual([]);
    const fresh = await chat(running.url, {
      message: 'What is the return window for a kettle?',
      conversationId: 'during-1-conversation-00000000',
    });
    expectAnswered(fresh);

    const text = await metrics(running.url);
    expect(text).toMatch(/copilot_redis_up 0/);
    expect(text).toMatch(/copilot_memory_degraded_total\{op="conversation\.recent"\} [1-9]/);
    expect(text).toMatch(/copilot_memory_degraded_total\{op="cache\.get"\} [1-9]/);
    expect(outage.unhandled).not.toHaveBeenCalled();
  });

  it('a handoff asked for during the outage is refused plainly (try again), never reported as done', async () => {
    // In words: the pipeline cannot store the ticket and says so instead of "a teammate will reply".
    const asked = await chat(running.url, {
      message: 'Can I talk to a human please?',
      conversationId: 'outage-h1-conversation-00000000',
    });
    expect(asked.status).toBe(200);
    expect(asked.of('handoff')).toEqual([{ handoffId: null, reason: 'requested' }]);
    expect(asked.done()).toMatchObject({ decision: 'escalate' });
    expect(asked.text()).toMatch(/couldn't reach a teammate/i);
    expect(asked.text()).toMatch(/try again/i);
    expect(asked.text()).not.toMatch(/they'll reply here/i);

    // A question the knowledge base cannot answer escalates: the same plain refusal.
    const escalated = await chat(running.url, {
      message: 'What is the capital of France?',
      conversationId: 'outage-h2-conversation-00000000',
    });
    expect(escalated.of('handoff')).toEqual([{ handoffId: null, reason: 'escalate' }]);
    expect(escalated.text()).toMatch(/try again/i);

    // The web chat's "Ask a human" button: a 503 that says to try again, no stack, no Redis internals.
    const res = await fetch(`${running.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        conversationId: 'outage-h3-conversation-00000000',
        message: 'Where is my order 1234?',
      }),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string; hint?: string } };
    expect(body.error.code).toMatch(/unavailable/);
    expect(`${body.error.message} ${body.error.hint}`).toMatch(/try again/i);
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |ioredis|ECONNREFUSED|Stream isn't writeable/);
    expect(outage.unhandled).not.toHaveBeenCalled();
  });

  it.skipIf(!hasChromium)('the web page says plainly that no teammate was reached', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(running.url);
      await page.getByTestId('chat-input').fill('Can I talk to a human please?');
      await page.getByTestId('chat-input').press('Enter');
      const notice = page.getByTestId('handoff-notice').last();
      await expect.poll(() => notice.textContent(), { timeout: 10_000 }).toMatch(/try again/i);
      expect(await notice.textContent()).not.toMatch(/will answer here/);
      // Its "Ask a human" button gets the 503 and says the same.
      await page.getByTestId('message-assistant').last().getByTestId('ask-human').click();
      await expect
        .poll(() => notice.textContent(), { timeout: 10_000 })
        .toBe('Could not reach a teammate right now. Please try again in a moment.');
      await page.close();
    } finally {
      await browser.close();
    }
  });

  it('Redis back: ready again and memory works by itself; a handoff asked again is stored once', async () => {
    await outage.redis.start();
    await waitFor(async () => (await status(running.url, '/readyz')) === 200, 15_000, 200);
    expect(await metrics(running.url)).toMatch(/copilot_redis_up 1/);

    // Memory is back without a restart: a follow-up is condensed with the earlier turn.
    const { follow, condense } = await askFollowUp(running.url, 'after-1-conversation-00000000');
    expect(condense).toHaveLength(1);
    expect(condense[0]?.rawBody).toContain('return window for a kettle');
    expect(await answers().get(follow.done().answerId as string)).toMatchObject({
      complete: true,
      standaloneQuestion: CONDENSED,
    });
    expect(
      (await running.app.stores.memory.recent('web:after-1-conversation-00000000', 10)).map((t) => t.role),
    ).toEqual(['user', 'assistant', 'user', 'assistant']);

    // Nothing half-stored by the refused handoffs; asking again now opens exactly one ticket.
    for (const id of [
      'outage-h1-conversation-00000000',
      'outage-h2-conversation-00000000',
      'outage-h3-conversation-00000000',
    ])
      expect(await handoffs().listFor(`web:${id}`)).toEqual([]);
    const again = await chat(running.url, {
      message: 'Can I talk to a human please?',
      conversationId: 'outage-h1-conversation-00000000',
    });
    const handoffId = again.of('handoff')[0]?.handoffId;
    expect(typeof handoffId).toBe('string');
    expect(again.text()).toMatch(/asked a teammate/i);
    const res = await fetch(`${running.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        conversationId: 'outage-h3-conversation-00000000',
        message: 'Where is my order 1234?',
      }),
    });
    expect(res.status).toBe(201);
    expect((await handoffs().listFor('web:outage-h1-conversation-00000000')).map((t) => t.id)).toEqual([
      handoffId,
    ]);
    expect(await handoffs().listFor('web:outage-h3-conversation-00000000')).toHaveLength(1);
    expect(outage.unhandled).not.toHaveBeenCalled();
  });
});

describe.skipIf(!redisServerInstalled())('Redis outage, app as a real process', () => {
  const outage = outageSuite({ watchUnhandled: false });
  let server: ServerProcess;
  const stderr: string[] = [];

  beforeAll(async () => {
    server = await startServerProcess(outage.env, 90_000);
    server.child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => fake.reset());

  it('survives Redis dying mid-chat, keeps answering, and recovers by itself when Redis returns', async () => {
    const first = await chat(server.url, {
      message: 'What is the return window for a kettle?',
      conversationId: 'proc-1-conversation-00000000',
    });
    expectAnswered(first);

    const chats = await chatsInFlight(server.url, 3, 'proc-inflight');
    await outage.redis.kill();
    for (const r of await Promise.all(chats)) expectAnswered(r);
    await waitFor(async () => (await status(server.url, '/readyz')) === 503, 5000);
    expect(await metrics(server.url)).toMatch(/copilot_redis_up 0/);

    // Several answers over a few seconds of outage (the client keeps reconnecting meanwhile).
    for (let i = 0; i < 3; i++) {
      expectAnswered(
        await chat(server.url, {
          message: 'What is the return window for a kettle?',
          conversationId: 'proc-2-conversation-00000000',
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
    }
    const degraded = await metrics(server.url);
    expect(degraded).toMatch(/copilot_memory_degraded_total\{op="[a-z.]+"\} [1-9]/);
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();

    await outage.redis.start();
    await waitFor(async () => (await status(server.url, '/readyz')) === 200, 15_000, 200);
    fake.reset();
    const { condense } = await askFollowUp(server.url, 'proc-3-conversation-00000000');
    expect(condense).toHaveLength(1);
    expect(condense[0]?.rawBody).toContain('return window for a kettle');

    expect(server.child.exitCode).toBeNull();
    const logs = server.logs.join('');
    expect(logs).toContain('Redis unavailable: continuing without it');
    expect(stderr.join('')).not.toMatch(/Unhandled|unhandledRejection|uncaughtException/i);
    expect(logs).not.toMatch(/Unhandled|unhandledRejection|uncaughtException/i);
  }, 90_000);
});

describe.skipIf(!redisServerInstalled())('Redis outage, in Slack', () => {
  const outage = outageSuite({ watchUnhandled: true });
  let app: AppWithSlack;

  beforeAll(async () => {
    app = await startAppWithSlack(outage.env);
  });
  afterAll(async () => {
    await app?.close();
  });

  const stopped = (c: SlackCall) => c.method === 'chat.stopStream' && !c.error;

  /** Mentions the bot; resolves with the thread and the closing call once the answer is closed. */
  async function mention(text: string) {
    await quiet(app.fake);
    app.fake.reset();
    const m = appMention({ text });
    expect((await app.send(eventCallback(m))).status).toBe(200);
    await app.fake.waitFor((c) => c.some(stopped), 20_000);
    await quiet(app.fake);
    const final = app.fake.calls.find(stopped) as SlackCall;
    return { threadTs: m.ts, messageTs: String(final.args.ts), blocks: final.args.blocks };
  }

  it('answers mentions without Redis, refuses "Ask a human" plainly, and takes it once Redis is back', async () => {
    const before = await mention('What is the return window for a kettle?');
    const askValue = buttonValue(before.blocks, 'copilot_ask_human');
    expect(askValue).not.toBe('');

    await outage.redis.kill();
    await waitFor(async () => (await status(app.url, '/readyz')) === 503, 5000);
    // Dedup fails open and the ticket lookup answers "none": the question is answered.
    const during = await mention('How do staff accounts and permissions work?');
    expect(nativeText(app.fake.calls)).toContain('within 30 days');
    expect(buttonValue(during.blocks, 'copilot_feedback_up')).toMatch(/^a_/);

    // "Ask a human" cannot store a ticket: the asker is told privately to try again, nothing else.
    app.fake.reset();
    const click = () =>
      app.send(
        blockAction({
          actionId: 'copilot_ask_human',
          value: askValue,
          messageTs: before.messageTs,
          threadTs: before.threadTs,
        }),
      );
    await click();
    await app.fake.waitFor((c) => c.some((x) => x.method === 'chat.postEphemeral'));
    await quiet(app.fake);
    const refused = app.fake.calls.find((c) => c.method === 'chat.postEphemeral');
    expect(String(refused?.args.text)).toMatch(/couldn't reach a teammate.*try again/i);
    expect(app.fake.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);

    // Redis back: the same click now opens the ticket and says so in the thread.
    await outage.redis.start();
    await waitFor(async () => (await status(app.url, '/readyz')) === 200, 15_000, 200);
    app.fake.reset();
    await click();
    await app.fake.waitFor((c) => c.some((x) => x.method === 'chat.postMessage'));
    const note = app.fake.calls.find((c) => c.method === 'chat.postMessage');
    expect(String(note?.args.text)).toMatch(/teammate has been asked/i);
    const tickets = await app.built.handoffs.listFor(`T1:C1:${before.threadTs}`);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ status: 'open', question: 'What is the return window for a kettle?' });

    expect(outage.unhandled).not.toHaveBeenCalled();
    const warned = app.logs.lines.filter((l) => l.level >= 40).map((l) => l.msg);
    expect(warned).toContain('Redis unavailable: continuing without it for this operation');
  }, 60_000);
});
