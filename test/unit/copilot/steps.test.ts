import { describe, expect, it } from 'vitest';
import { AnnotationMatcher } from '../../../src/copilot/annotations.js';
import { finish } from '../../../src/copilot/run.js';
import { annotationStep } from '../../../src/copilot/steps/annotation.js';
import { cacheKeyFor, cacheStep } from '../../../src/copilot/steps/cache.js';
import { decideStep } from '../../../src/copilot/steps/decide.js';
import { generateStep } from '../../../src/copilot/steps/generate.js';
import { retrieveStep } from '../../../src/copilot/steps/retrieve.js';
import { humanRequested, rejectInput, screenQuestion } from '../../../src/copilot/steps/screen.js';
import type { AnswerGenerator } from '../../../src/domain/llm.js';
import { CopilotError } from '../../../src/errors.js';
import {
  InProcessAnswerCache,
  InProcessAnswerStore,
  InProcessConversationStore,
} from '../../../src/memory/in-process.js';
import { loadTemplates } from '../../../src/prompts/templates.js';
import type { Safety } from '../../../src/safety/service.js';
import {
  chunk,
  fakeHandoffs,
  fakeView,
  hit,
  input,
  logger,
  run,
  sharedEmbedder,
  tokens,
} from './fixtures.js';

const returns = chunk({
  id: 'r1',
  source: 'returns.md',
  text: 'Kettles can be returned within 30 days of delivery, unused and in the original box.',
});
const shipping = chunk({ id: 's1', source: 'shipping.md', text: 'Parcels ship within 2 working days.' });
const saved = chunk({
  id: 'ans1',
  source: 'answers/lithium.md',
  text: 'Lithium batteries ship by sea only.',
  meta: { question: 'Can I ship lithium batteries by air?', answered_by: 'carol' },
});

function generator(script: Partial<AnswerGenerator> = {}): AnswerGenerator & { condensed: string[] } {
  const condensed: string[] = [];
  return {
    id: 'fake',
    model: 'fake-model',
    condensed,
    async condense(q) {
      condensed.push(q);
      return `standalone: ${q}`;
    },
    async generate(_req, onToken) {
      onToken('Within 30 days [1].');
      return {
        text: 'Within 30 days [1].',
        usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
      };
    },
    ...script,
  };
}

describe('finish: the one finaliser', () => {
  function stores() {
    return {
      memory: new InProcessConversationStore({ maxTurns: 20, ttlSeconds: 600 }),
      answers: new InProcessAnswerStore(),
      cache: new InProcessAnswerCache(),
      cacheTtlSeconds: 60,
      logger,
    };
  }

  it('"turns": done once, the record stored, both turns in memory, the answer cached under its key', async () => {
    const s = stores();
    const r = run();
    r.record.question = 'q?';
    r.say('an answer');
    await finish(r, s, { decision: 'answer', keep: 'turns', cacheKey: 'k1' });
    expect(r.events.filter((e) => e.type === 'done')).toEqual([
      { type: 'done', answerId: 'a_test', decision: 'answer', cached: false, usage: null },
    ]);
    expect(await s.answers.get('a_test')).toMatchObject({ answer: 'an answer', decision: 'answer' });
    expect((await s.memory.recent('web:conv-1', 10)).map((t) => `${t.role}:${t.text}`)).toEqual([
      'user:q?',
      'assistant:an answer',
    ]);
    expect(await s.cache.get('k1')).toMatchObject({ answer: 'an answer', answerId: 'a_test' });
  });

  it('"record" stores only the record; "nothing" stores nothing; no key, no cache', async () => {
    const s = stores();
    await finish(run(), s, { decision: 'escalate', keep: 'record' });
    expect(await s.answers.get('a_test')).toMatchObject({ decision: 'escalate' });
    expect(await s.memory.recent('web:conv-1', 10)).toEqual([]);
    const t = stores();
    await finish(run(), t, { decision: 'answer', keep: 'nothing' });
    expect(await t.answers.get('a_test')).toBeNull();
  });

  it('a store that fails is logged, never thrown: the asker already has the answer', async () => {
    const s = {
      ...stores(),
      answers: { save: async () => Promise.reject(new Error('down')) } as unknown as InProcessAnswerStore,
    };
    const r = run();
    await expect(finish(r, s, { decision: 'answer', keep: 'turns' })).resolves.toBe(r.record);
  });
});

describe('screen', () => {
  it('an empty message gets the help text, an over-long one an input:too_long error; nothing stored', () => {
    const empty = run();
    expect(rejectInput(empty, 'empty')).toEqual({ decision: 'answer', keep: 'nothing' });
    expect(tokens(empty.events)).not.toBe('');
    const long = run();
    rejectInput(long, 'too_long');
    expect(long.events).toEqual([expect.objectContaining({ type: 'error', code: 'input:too_long' })]);
  });

  it('"human": a ticket for the last real question of the conversation', async () => {
    const memory = new InProcessConversationStore({ maxTurns: 20, ttlSeconds: 600 });
    await memory.append('web:conv-1', [
      { role: 'user', text: 'Where is my refund?', at: 1 },
      { role: 'assistant', text: '…', at: 2 },
    ]);
    const handoffs = fakeHandoffs();
    const r = run({ input: input('human') });
    expect(await humanRequested(r, { memory, handoffs, logger })).toEqual({
      decision: 'escalate',
      keep: 'turns',
    });
    expect(handoffs.created[0]).toMatchObject({ question: 'Where is my refund?', reason: 'requested' });
    expect(r.events.find((e) => e.type === 'handoff')).toMatchObject({ handoffId: 'h_1' });
  });

  it('a blocked question is refused (or handed over) and never kept', async () => {
    const blocks: unknown[] = [];
    const safety = (on: 'refuse' | 'handoff') =>
      ({
        onBlockedQuestion: on,
        checkQuestion: async () => ({ rule: { id: 'r1', list: 'abuse' }, match: 'bad' }),
        recordBlock: (b: unknown) => blocks.push(b),
      }) as unknown as Safety;
    const handoffs = fakeHandoffs();
    const refused = run();
    expect(await screenQuestion(refused, { safety: safety('refuse'), handoffs, logger }, 'bad')).toEqual({
      decision: 'answer',
      keep: 'nothing',
    });
    expect(refused.record.complete).toBe(true);
    const handed = run();
    expect(await screenQuestion(handed, { safety: safety('handoff'), handoffs, logger }, 'bad')).toEqual({
      decision: 'escalate',
      keep: 'nothing',
    });
    expect(handoffs.created[0]?.reason).toBe('safety');
    expect(blocks).toHaveLength(2);
    expect(await screenQuestion(run(), { handoffs, logger }, 'fine')).toBeNull();
  });
});

describe('annotation step', () => {
  const view = fakeView({
    chunks: [saved, { ...saved, id: 'ans2', ordinal: 1, text: 'Max 100 Wh per cell.' }],
  });
  const deps = () => ({ annotations: new AnnotationMatcher(sharedEmbedder), minScore: 0.6, logger });

  it('a saved answer to the question as typed: the whole file, attributed, cited, no condensing', async () => {
    const r = run({ view, input: input('Can I ship lithium batteries by air?') });
    const g = generator();
    const out = await annotationStep(r, deps(), {
      question: 'Can I ship lithium batteries by air?',
      history: [{ role: 'user', text: 'hi', at: 1 }],
      generator: g,
    });
    expect(out.ending).toEqual({ decision: 'answer', keep: 'turns' });
    expect(g.condensed).toEqual([]);
    expect(tokens(r.events)).toContain('Lithium batteries ship by sea only.\n\nMax 100 Wh per cell.');
    expect(tokens(r.events)).toContain('carol');
    expect(r.record).toMatchObject({
      via: 'annotation',
      complete: true,
      sources: [{ n: 1, source: 'answers/lithium.md' }],
    });
  });

  it('a follow-up is condensed and matched again; a failing condense keeps the question', async () => {
    const r = run({ view });
    const out = await annotationStep(r, deps(), {
      question: 'and kettles?',
      history: [{ role: 'user', text: 'returns?', at: 1 }],
      generator: generator(),
    });
    expect(out).toEqual({ standalone: 'standalone: and kettles?' });
    expect(r.record.standaloneQuestion).toBe('standalone: and kettles?');
    const failing = await annotationStep(run({ view }), deps(), {
      question: 'and kettles?',
      history: [{ role: 'user', text: 'returns?', at: 1 }],
      generator: generator({ condense: async () => Promise.reject(new Error('model down')) }),
    });
    expect(failing.standalone).toBe('and kettles?');
  });
});

describe('cache step', () => {
  it('a hit replays the answer and its sources; a miss goes on', async () => {
    const cache = new InProcessAnswerCache();
    const r = run();
    const key = cacheKeyFor(r, 'q', [], 0);
    expect(await cacheStep(r, cache, key)).toBeNull();
    await cache.set(key, { answer: 'Cached [1].', sources: [], decision: 'answer', answerId: 'old' }, 60);
    const hitRun = run();
    expect(await cacheStep(hitRun, cache, key)).toEqual({ decision: 'answer', keep: 'turns', cached: true });
    expect(tokens(hitRun.events)).toBe('Cached [1].');
    expect(hitRun.record.via).toBe('cache');
  });

  it('the key changes with the history and with the validity epoch of the space', () => {
    const r = run({ view: fakeView({ epoch: 1 }) });
    const a = cacheKeyFor(r, 'q', [], 0);
    expect(cacheKeyFor(r, 'q', [{ role: 'user', text: 'x', at: 1 }], 0)).not.toBe(a);
    expect(cacheKeyFor(run({ view: fakeView({ epoch: 2 }) }), 'q', [], 0)).not.toBe(a);
  });
});

describe('retrieve step', () => {
  it('searches the asker’s space for the standalone question, k as asked', async () => {
    const view = fakeView({ search: () => [hit(returns, 0.8)] });
    const r = run({ view });
    const out = await retrieveStep(
      r,
      { handoffs: fakeHandoffs(), logger, k: 18 },
      'kettle returns',
      0,
      Date.now(),
    );
    expect(out).toEqual({ hits: [hit(returns, 0.8)] });
    expect(view.searches).toEqual([{ query: 'kettle returns', space: 'default', k: 18 }]);
    expect(r.record.timings.retrievalMs).toBeGreaterThanOrEqual(0);
  });

  it('a failing index hands over (record kept, turns not); an unknown space is rethrown', async () => {
    const handoffs = fakeHandoffs();
    const r = run({ view: fakeView({ search: () => Promise.reject(new Error('disk')) }) });
    expect(await retrieveStep(r, { handoffs, logger, k: 6 }, 'q', 0, 0)).toEqual({
      ending: { decision: 'escalate', keep: 'record' },
    });
    expect(handoffs.created[0]?.reason).toBe('failure');
    const unknown = run({
      view: fakeView({
        search: () => Promise.reject(new CopilotError('space:unknown', 'no', { status: 400 })),
      }),
    });
    await expect(retrieveStep(unknown, { handoffs, logger, k: 6 }, 'q', 0, 0)).rejects.toMatchObject({
      code: 'space:unknown',
    });
  });
});

describe('decide step', () => {
  const deps = (handoffs = fakeHandoffs()) => ({ handoffs, logger, minScore: 0.5, perSource: 3, topK: 6 });

  it('nothing relevant: a ticket built from the record (question, sources, answer id)', async () => {
    const handoffs = fakeHandoffs();
    const r = run({ input: input('Do you ship to Mars?', { user: 'U1' }) });
    r.record.standaloneQuestion = 'Do you ship to Mars?';
    expect(await decideStep(r, deps(handoffs), 'Do you ship to Mars?', 'Do you ship to Mars?', [])).toEqual({
      ending: { decision: 'escalate', keep: 'turns' },
    });
    expect(handoffs.created).toEqual([
      {
        space: 'default',
        conversationKey: 'web:conv-1',
        conversationId: 'conv-1',
        origin: { surface: 'web' },
        asker: 'U1',
        question: 'Do you ship to Mars?',
        sources: [],
        answerId: 'a_test',
        reason: 'escalate',
      },
    ]);
    expect(r.record).toMatchObject({
      decision: 'escalate',
      escalationReason: 'escalate',
      retrievalTopScore: 0,
    });
  });

  it('a short question close to two documents: clarify with options', async () => {
    const r = run();
    const out = await decideStep(r, deps(), 'returns?', 'returns?', [
      hit(returns, 0.8),
      hit(shipping, 0.79, 2),
    ]);
    expect(out).toEqual({ ending: { decision: 'clarify', keep: 'turns' } });
    expect(r.events.find((e) => e.type === 'clarify')).toMatchObject({ options: [{}, {}] });
  });

  it('relevant passages go on to generation, at most perSource per file', async () => {
    const many = [0, 1, 2, 3].map((i) => hit({ ...returns, id: `r${i}`, ordinal: i }, 0.9 - i / 100, i + 1));
    const out = await decideStep(
      run(),
      deps(),
      'What is the return window for a kettle?',
      'What is the return window for a kettle?',
      many,
    );
    expect('top' in out && out.top.map((h) => h.chunk.id)).toEqual(['r0', 'r1', 'r2']);
  });
});

describe('generate step', () => {
  const templates = loadTemplates();
  const deps = (handoffs = fakeHandoffs()) => ({
    templates,
    handoffs,
    logger,
    secrets: Object.values(templates.system),
    promptTokenBudget: 6000,
    memoryTokenBudget: 1200,
  });
  const go = (r: ReturnType<typeof run>, g: AnswerGenerator, handoffs = fakeHandoffs()) =>
    generateStep(r, deps(handoffs), {
      standalone: 'What is the return window for a kettle?',
      history: [],
      top: [hit(returns, 0.8)],
      generator: g,
      cacheKey: 'k1',
    });

  it('a clean answer: streamed, cited, usage kept, cached under the key', async () => {
    const r = run();
    expect(await go(r, generator())).toMatchObject({ decision: 'answer', keep: 'turns', cacheKey: 'k1' });
    expect(tokens(r.events)).toBe('Within 30 days [1].');
    expect(r.record).toMatchObject({ via: 'llm', complete: true, sources: [{ n: 1, source: 'returns.md' }] });
    expect(r.record.usage?.totalTokens).toBe(15);
    const types = r.events.map((e) => e.type);
    expect(types[0]).toBe('status');
    expect(types.at(-1)).toBe('sources');
    expect(new Set(types.slice(1, -1))).toEqual(new Set(['token']));
  });

  it('NO_ANSWER: nothing shown of it, a no_answer ticket', async () => {
    const handoffs = fakeHandoffs();
    const r = run();
    const g = generator({
      generate: async (_req, onToken) => {
        onToken('NO_ANSWER');
        return { text: 'NO_ANSWER' };
      },
    });
    expect(await go(r, g, handoffs)).toMatchObject({ decision: 'escalate', keep: 'turns' });
    expect(tokens(r.events)).not.toContain('NO_ANSWER');
    expect(handoffs.created[0]?.reason).toBe('no_answer');
  });

  it('a model failure mid-answer: the half answer is the ticket’s draft; not remembered', async () => {
    const handoffs = fakeHandoffs();
    const half = 'Kettles can be returned within 30 days of delivery. '.repeat(10);
    const g = generator({
      generate: async (_req, onToken) => {
        onToken(half);
        throw new CopilotError('llm:stream_cut', 'cut');
      },
    });
    const r = run();
    expect(await go(r, g, handoffs)).toEqual({ decision: 'escalate', keep: 'record' });
    const draft = handoffs.created[0]?.draftAnswer ?? '';
    expect(handoffs.created[0]?.reason).toBe('failure');
    // What was shown before the failure (the guards may hold back a short tail), trimmed.
    expect(draft.length).toBeGreaterThan(100);
    expect(half.startsWith(draft)).toBe(true);
    expect(tokens(r.events).startsWith(draft)).toBe(true);
  });

  it('the asker left: no ticket, the record only', async () => {
    const abort = new AbortController();
    abort.abort();
    const handoffs = fakeHandoffs();
    const g = generator({ generate: async () => Promise.reject(new Error('aborted')) });
    expect(await go(run({ input: input(undefined, { signal: abort.signal }) }), g, handoffs)).toEqual({
      decision: 'answer',
      keep: 'record',
    });
    expect(handoffs.created).toEqual([]);
  });

  it('an answer reciting the system prompt is withheld: a notice, no sources, not cached', async () => {
    const secret = Object.values(templates.system)[0] as string;
    const r = run();
    const g = generator({
      generate: async (_req, onToken) => {
        onToken(secret);
        return { text: secret };
      },
    });
    const ending = await go(r, g);
    expect(ending).toMatchObject({ decision: 'answer', keep: 'turns' });
    expect(ending.cacheKey).toBeUndefined();
    expect(r.record.sources).toEqual([]);
    expect(tokens(r.events)).not.toContain(secret.slice(0, 60));
  });
});
