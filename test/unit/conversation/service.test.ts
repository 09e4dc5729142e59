import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type ConversationDeps, createConversationService } from '../../../src/conversation/service.js';
import type { MessageRequest, SpaceRequest } from '../../../src/conversation/types.js';
import { inProcessRateLimiter } from '../../../src/copilot/rate-limit.js';
import { newAnswerRecord } from '../../../src/copilot/record.js';
import type { AnswerRecord } from '../../../src/domain/answers.js';
import type { AskInput, CopilotEvent } from '../../../src/domain/copilot.js';
import type { HandoffTicket, NewHandoff } from '../../../src/domain/handoff.js';
import type { RateLimiter } from '../../../src/domain/rate-limit.js';

const logger = pino({ level: 'silent' });

type Script = (input: AskInput, emit: (e: CopilotEvent) => void) => void | Promise<void>;

/** Everything the service touches, recording the order it is reached in. */
function harness(opts: { script?: Script; ticket?: HandoffTicket | null; limiter?: RateLimiter } = {}) {
  const steps: string[] = [];
  const asked: AskInput[] = [];
  const created: NewHandoff[] = [];
  const forwarded: string[] = [];
  const records = new Map<string, AnswerRecord>();
  let active = opts.ticket ?? null;
  const script: Script =
    opts.script ??
    ((input, emit) => {
      emit({ type: 'meta', conversationId: input.conversationId, answerId: 'a1' });
      emit({ type: 'token', text: 'Returns take 30 days [1].' });
      emit({ type: 'sources', sources: [source] });
      emit({ type: 'done', answerId: 'a1', decision: 'answer', cached: false, usage: null });
    });
  const deps: ConversationDeps = {
    copilot: {
      async ask(input, emit) {
        steps.push('pipeline');
        asked.push(input);
        await script(input, emit);
        return { ...newAnswerRecord(input, 'a1', 'v1'), answer: 'final text' };
      },
    },
    handoffs: {
      async activeFor() {
        steps.push('gate');
        return active;
      },
      async create(input) {
        created.push(input);
        active = ticketOf(input);
        return active;
      },
    },
    forward: async (ticket, req) => {
      forwarded.push(`${ticket.id}:${req.message}`);
      return true;
    },
    answers: { get: async (id) => records.get(id) ?? null },
    spaces: {
      forChannel(_team, channel) {
        steps.push('space');
        return channel === 'CNONE' ? null : 'default';
      },
      async list() {
        steps.push('space');
        return [
          { name: 'default', public: true },
          { name: 'apparel', public: true },
          { name: 'finance', public: false },
        ];
      },
    },
    rateLimiter: {
      async take(key) {
        steps.push('rate');
        return (opts.limiter ?? inProcessRateLimiter({ perMinute: 100 })).take(key);
      },
    },
    logger,
  };
  return { deps, steps, asked, created, forwarded, records, service: createConversationService(deps) };
}

const source = { n: 1, source: 'returns.md', title: 'Returns', space: 'default', chunkId: 'c1', snippet: '' };

function ticketOf(input: NewHandoff): HandoffTicket {
  return {
    ...input,
    id: 'h_1',
    sources: input.sources ?? [],
    status: 'open',
    createdAt: 1,
    updatedAt: 1,
    history: [],
  };
}

function web(message: string, space: SpaceRequest = { name: null, includePrivate: false }): MessageRequest {
  return {
    conversation: { key: 'web:conv-1', id: 'conv-1', origin: { surface: 'web' } },
    message,
    space,
    rateKey: 'web:ip:192.0.2.1',
  };
}

function slack(message: string, channel = 'C1'): MessageRequest {
  return {
    conversation: {
      key: `T1:${channel}:1.0`,
      id: `${channel}:1.0`,
      origin: { surface: 'slack', team: 'T1', channel, threadTs: '1.0' },
      user: 'U1',
    },
    message,
    space: { channel: { team: 'T1', channel } },
    rateKey: 'slack:T1:U1',
    ts: '1.5',
  };
}

describe('conversation service: one order', () => {
  it('rate limit → space → handoff gate → pipeline, for every surface', async () => {
    const h = harness();
    await h.service.ask(web('What is the return window?'));
    expect(h.steps).toEqual(['rate', 'space', 'gate', 'pipeline']);
    h.steps.length = 0;
    await h.service.ask(slack('What is the return window?'));
    expect(h.steps).toEqual(['rate', 'space', 'gate', 'pipeline']);
    expect(h.asked.at(-1)).toMatchObject({
      conversationKey: 'T1:C1:1.0',
      conversationId: 'C1:1.0',
      space: 'default',
      user: 'U1',
      origin: { surface: 'slack', team: 'T1', channel: 'C1', threadTs: '1.0' },
    });
  });

  it('over the limit: refused with a polite wait, nothing else runs; other keys and unlimited callers go on', async () => {
    const limiter = inProcessRateLimiter({ perMinute: 1, now: () => 0 });
    const h = harness({ limiter });
    expect((await h.service.ask(slack('hi there, a question'))).kind).toBe('answer');
    h.steps.length = 0;
    const refused = await h.service.ask(slack('hi there, a question'));
    expect(refused).toMatchObject({
      kind: 'refused',
      answerId: null,
      error: {
        code: 'rate:limited',
        message: "You're asking faster than I can answer — please try again in 60 seconds.",
        status: 429,
        retryAfterSeconds: 60,
      },
    });
    expect(h.steps).toEqual(['rate']);
    expect(h.asked).toHaveLength(1);
    expect((await h.service.ask({ ...slack('another user'), rateKey: 'slack:T1:U2' })).kind).toBe('answer');
    expect((await h.service.ask({ ...slack('no key, no limit'), rateKey: null })).kind).toBe('answer');
    expect(h.asked).toHaveLength(3);
  });

  it('space: a Slack channel without one, an unknown or private name on the web, or none among several', async () => {
    const h = harness();
    const none = await h.service.ask(slack('anything?', 'CNONE'));
    expect(none).toMatchObject({ kind: 'refused', error: { code: 'space:none' } });
    expect(none.error?.message).toContain('knowledge/spaces.json');
    expect(h.steps).not.toContain('gate');

    const unknown = await h.service.ask(web('q', { name: 'nope', includePrivate: false }));
    expect(unknown.error).toMatchObject({ code: 'space:unknown', status: 400 });
    expect(unknown.error?.message).not.toContain('finance');
    // Private spaces do not exist for the web; the CLI (includePrivate) may use them.
    expect((await h.service.ask(web('q', { name: 'finance', includePrivate: false }))).kind).toBe('refused');
    expect((await h.service.ask(web('q', { name: 'finance', includePrivate: true }))).kind).toBe('answer');
    // Names match ignoring case; no name means "default".
    await h.service.ask(web('q', { name: 'APPAREL', includePrivate: false }));
    expect(h.asked.at(-1)?.space).toBe('apparel');
    await h.service.ask(web('q'));
    expect(h.asked.at(-1)?.space).toBe('default');
    expect(h.asked).toHaveLength(3);
  });

  it('space: without "default" among several, a name is required', async () => {
    const h = harness();
    h.deps.spaces.list = async () => [
      { name: 'a', public: true },
      { name: 'b', public: true },
    ];
    const r = await createConversationService(h.deps).ask(web('q'));
    expect(r.error).toMatchObject({ code: 'space:required' });
  });
});

describe('conversation service: the handoff gate', () => {
  const open: HandoffTicket = ticketOf({
    space: 'default',
    conversationKey: 'web:conv-1',
    conversationId: 'conv-1',
    origin: { surface: 'web' },
    question: 'where is my payout?',
    reason: 'asked',
  });

  it('an open ticket takes the message: forwarded, the asker told, the pipeline not run', async () => {
    const h = harness({ ticket: open });
    const opened = await h.service.open(web('any news?'));
    if (!('turn' in opened)) throw new Error('refused');
    expect(opened.turn.activeTicket?.id).toBe('h_1');
    const events: CopilotEvent[] = [];
    const outcome = await opened.turn.run((e) => events.push(e));
    expect(h.forwarded).toEqual(['h_1:any news?']);
    expect(h.asked).toHaveLength(0);
    expect(outcome).toMatchObject({
      kind: 'escalate',
      decision: 'escalate',
      ticket: { id: 'h_1', reason: 'forwarded', forwarded: true },
    });
    expect(outcome.text).toMatch(/teammate is on it/);
    expect(events.map((e) => e.type)).toEqual(['meta', 'token', 'handoff', 'done']);
    expect((await h.service.ask(web('还有消息吗？'))).text).toBe('同事正在处理，我已把你的消息转给他们。');
  });

  it('a ticket that will not take the message is "active", not "forwarded"; a failing look-up answers', async () => {
    const h = harness({ ticket: open });
    h.deps.forward = async () => false;
    const r = await createConversationService(h.deps).ask(web('any news?'));
    expect(r.ticket).toMatchObject({ reason: 'active', forwarded: false });

    const broken = harness();
    broken.deps.handoffs.activeFor = async () => {
      throw new Error('redis down');
    };
    expect((await createConversationService(broken.deps).ask(web('q'))).kind).toBe('answer');
    expect(broken.asked).toHaveLength(1);
  });
});

describe('conversation service: one typed outcome', () => {
  const kindOf = async (script: Script) => harness({ script }).service.ask(web('a question'));

  it('answer: the final text, what was streamed, sources, usage', async () => {
    const r = await kindOf((input, emit) => {
      emit({ type: 'meta', conversationId: input.conversationId, answerId: 'a1' });
      emit({ type: 'token', text: 'Thirty days [2].' });
      emit({ type: 'sources', sources: [source] });
      emit({ type: 'done', answerId: 'a1', decision: 'answer', cached: true, usage: null });
    });
    expect(r).toMatchObject({
      kind: 'answer',
      answerId: 'a1',
      text: 'final text',
      streamed: 'Thirty days [2].',
      sources: [source],
      cached: true,
    });
  });

  it('clarify, escalate, error', async () => {
    const clarify = await kindOf((_i, emit) => {
      emit({ type: 'token', text: 'Which one?' });
      emit({ type: 'clarify', options: [{ question: 'Shoes?', label: 'Shoes', source: 's.md' }] });
      emit({ type: 'done', answerId: 'a2', decision: 'clarify', cached: false, usage: null });
    });
    expect(clarify).toMatchObject({ kind: 'clarify', clarify: [{ label: 'Shoes' }] });
    const escalate = await kindOf((_i, emit) => {
      emit({ type: 'handoff', handoffId: 'h9', reason: 'escalate' });
      emit({ type: 'done', answerId: 'a3', decision: 'escalate', cached: false, usage: null });
    });
    expect(escalate).toMatchObject({ kind: 'escalate', ticket: { id: 'h9', reason: 'escalate' } });
    const error = await kindOf((_i, emit) => {
      emit({ type: 'error', code: 'input:too_long', message: 'Too long.' });
      emit({ type: 'done', answerId: 'a4', decision: 'answer', cached: false, usage: null });
    });
    expect(error).toMatchObject({ kind: 'error', error: { code: 'input:too_long' } });
  });

  it('a pipeline that throws ends as an error event and outcome, never a throw', async () => {
    const events: CopilotEvent[] = [];
    const h = harness({
      script: () => {
        throw new Error('bug at x.js:1');
      },
    });
    const r = await h.service.ask(web('q'), (e) => events.push(e));
    expect(r).toMatchObject({ kind: 'error', error: { code: 'copilot:failed' } });
    expect(JSON.stringify(events)).not.toContain('x.js');
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'copilot:failed' });
  });

  it('every token passes the one ping filter, even a ping split across tokens', async () => {
    const events: CopilotEvent[] = [];
    const h = harness({
      script: (_i, emit) => {
        emit({ type: 'token', text: 'Ask @he' });
        emit({ type: 'token', text: 're or <!chan' });
        emit({ type: 'token', text: 'nel> today' });
        emit({ type: 'done', answerId: 'a5', decision: 'answer', cached: false, usage: null });
      },
    });
    const r = await h.service.ask(web('q'), (e) => events.push(e));
    expect(r.streamed).toBe('Ask here or   today');
    const tokens = events.filter((e) => e.type === 'token').map((e) => (e.type === 'token' ? e.text : ''));
    expect(tokens.join('')).toBe(r.streamed);
    expect(tokens.some((t) => t.includes('@') || t.includes('<!'))).toBe(false);
    // The held tail is released before `done`.
    expect(events.at(-1)?.type).toBe('done');
  });
});

describe('conversation service: "Ask a human", one ticket builder', () => {
  const record = (over: Partial<AnswerRecord>): AnswerRecord => ({
    ...newAnswerRecord(
      {
        message: 'can I return it?',
        conversationKey: 'web:conv-1',
        conversationId: 'conv-1',
        space: 'apparel',
      },
      'a_rec',
      'v1',
    ),
    standaloneQuestion: 'Can I return worn shoes?',
    answer: 'Unworn only, within 30 days [1].',
    sources: [source],
    ...over,
  });

  it('about an answer of this conversation: its standalone question, draft, sources, space', async () => {
    const h = harness();
    h.records.set('a_rec', record({}));
    const r = await h.service.askHuman({
      conversation: { key: 'web:conv-1', id: 'conv-1', origin: { surface: 'web' } },
      answerId: 'a_rec',
      space: { name: null, includePrivate: false },
    });
    expect(r.kind).toBe('opened');
    expect(h.created).toEqual([
      {
        space: 'apparel',
        conversationKey: 'web:conv-1',
        conversationId: 'conv-1',
        origin: { surface: 'web' },
        question: 'Can I return worn shoes?',
        draftAnswer: 'Unworn only, within 30 days [1].',
        sources: [source],
        answerId: 'a_rec',
        reason: 'asked',
      },
    ]);
    // Asking again finds the open ticket.
    const again = await h.service.askHuman({
      conversation: { key: 'web:conv-1', id: 'conv-1', origin: { surface: 'web' } },
      question: 'hello?',
      space: { name: null, includePrivate: false },
    });
    expect(again.kind).toBe('existing');
    expect(h.created).toHaveLength(1);
  });

  it('Slack and web get the same ticket from the same facts (asker and thread link for Slack)', async () => {
    const h = harness();
    await h.service.askHuman({
      conversation: slack('x').conversation,
      question: 'Where is my payout?',
      space: { channel: { team: 'T1', channel: 'C1' } },
      link: async () => 'https://fake.slack.test/archives/C1/p10',
    });
    expect(h.created[0]).toEqual({
      space: 'default',
      conversationKey: 'T1:C1:1.0',
      conversationId: 'C1:1.0',
      origin: {
        surface: 'slack',
        team: 'T1',
        channel: 'C1',
        threadTs: '1.0',
        link: 'https://fake.slack.test/archives/C1/p10',
      },
      asker: 'U1',
      question: 'Where is my payout?',
      sources: [],
      reason: 'asked',
    });
  });

  it('an answer of another conversation is ignored; a clarify or an escalation is no draft', async () => {
    const h = harness();
    h.records.set('a_other', record({ id: 'a_other', conversationKey: 'web:someone-else' }));
    h.records.set('a_clarify', record({ id: 'a_clarify', decision: 'clarify', answer: 'Which one?' }));
    const conv = { key: 'web:conv-1', id: 'conv-1', origin: { surface: 'web' as const } };
    const noQuestion = await h.service.askHuman({
      conversation: conv,
      answerId: 'a_other',
      space: { name: null, includePrivate: false },
    });
    expect(noQuestion).toMatchObject({
      kind: 'refused',
      error: { code: 'handoff:no_question', status: 400 },
    });
    await h.service.askHuman({
      conversation: conv,
      answerId: 'a_clarify',
      space: { name: null, includePrivate: false },
    });
    expect(h.created[0]?.draftAnswer).toBeUndefined();
    expect(h.created[0]?.question).toBe('Can I return worn shoes?');
  });

  it('new tickets are limited per conversation', async () => {
    const h = harness();
    h.deps.ticketLimiter = inProcessRateLimiter({ perMinute: 1, now: () => 0 });
    h.deps.handoffs.activeFor = async () => null;
    const service = createConversationService(h.deps);
    const ask = () =>
      service.askHuman({
        conversation: { key: 'web:conv-2', id: 'conv-2', origin: { surface: 'web' } },
        question: 'help',
        space: { name: null, includePrivate: false },
      });
    expect((await ask()).kind).toBe('opened');
    expect(await ask()).toMatchObject({ kind: 'refused', error: { code: 'rate:limited', status: 429 } });
  });
});
