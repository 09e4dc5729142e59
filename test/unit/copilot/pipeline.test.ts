import { describe, expect, it } from 'vitest';
import { AnnotationMatcher } from '../../../src/copilot/annotations.js';
import { decide } from '../../../src/copilot/decide.js';
import { gatherEvidence } from '../../../src/copilot/evidence.js';
import { createCopilot, DEFAULT_SETTINGS } from '../../../src/copilot/pipeline.js';
import type { CopilotEvent } from '../../../src/domain/copilot.js';
import type { AnswerGenerator } from '../../../src/domain/llm.js';
import {
  InProcessAnswerCache,
  InProcessAnswerStore,
  InProcessConversationStore,
} from '../../../src/memory/in-process.js';
import { loadTemplates } from '../../../src/prompts/templates.js';
import { chunk, fakeHandoffs, fakeView, hit, input, logger, sharedEmbedder, tokens } from './fixtures.js';

const kettle = chunk({
  id: 'k1',
  source: 'returns.md',
  title: 'Returns',
  text: 'Kettles can be returned within 30 days of delivery, unused and in the original box.',
});
const shoes = chunk({ id: 'sh1', source: 'shoes.md', title: 'Shoes', text: 'Shoes can be returned unworn.' });

describe('decide (pure)', () => {
  it('escalates with nothing found, or a name the knowledge never mentions', () => {
    expect(decide('q', [], { minScore: 0.5 })).toEqual({ decision: 'escalate', topScore: 0 });
    const ev = { coverage: 1, share: 1, unknownNames: ['Mexico'], matchedNames: [] };
    expect(
      decide('Do you ship to Mexico?', [hit(kettle, 0.9)], { minScore: 0.5, evidence: ev }).decision,
    ).toBe('escalate');
  });

  it('low similarity escalates unless the words are there; a long question is answered', () => {
    expect(
      decide('What is the return window for kettles?', [hit(kettle, 0.2)], { minScore: 0.5 }).decision,
    ).toBe('escalate');
    const covered = { coverage: 0.8, share: 0.8, unknownNames: [], matchedNames: [] };
    expect(
      decide('What is the return window for kettles?', [hit(kettle, 0.2)], {
        minScore: 0.5,
        evidence: covered,
      }).decision,
    ).toBe('answer');
  });

  it('a short question close to several documents asks which one', () => {
    const d = decide('returns?', [hit(kettle, 0.8), hit(shoes, 0.78, 2)], { minScore: 0.5 });
    expect(d.decision).toBe('clarify');
    expect(d.options?.map((o) => o.source)).toEqual(['returns.md', 'shoes.md']);
    expect(decide('returns?', [hit(kettle, 0.8), hit(shoes, 0.5, 2)], { minScore: 0.5 }).decision).toBe(
      'answer',
    );
  });
});

describe('gatherEvidence', () => {
  it('coverage of the question in the best passage, names unknown to the space, names found', () => {
    const vocabulary = { knows: (t: string) => ['kettle', 'return', 'window', 'philip'].includes(t) };
    const ev = gatherEvidence(
      'Return window for a Philips kettle in Mexico?',
      [hit(kettle, 0.8)],
      vocabulary,
    );
    expect(ev.unknownNames).toEqual(['Mexico']);
    expect(ev.coverage).toBeGreaterThan(0);
    expect(gatherEvidence('Return window for a kettle?', [hit(kettle, 0.8)], undefined).unknownNames).toEqual(
      [],
    );
  });
});

describe('AnnotationMatcher', () => {
  const saved = chunk({
    id: 'a1',
    source: 'answers/lithium.md',
    text: 'Sea freight only.',
    meta: {
      question: 'Can I ship lithium batteries by air?',
      answered_by: 'carol',
      answered_at: '2026-01-02',
    },
  });

  it('matches a paraphrase by its words above the threshold, with who answered and when', async () => {
    const m = new AnnotationMatcher(sharedEmbedder);
    const view = fakeView({ chunks: [saved] });
    const found = await m.match(view, 'default', 'lithium batteries by air: can I ship them?', 0.6);
    expect(found).toMatchObject({ answeredBy: 'carol', answeredAt: '2026-01-02', chunk: { id: 'a1' } });
    expect(await m.match(view, 'default', 'Where is my parcel?', 0.6)).toBeNull();
    expect(await m.match(fakeView({ chunks: [kettle] }), 'default', 'kettle?', 0.1)).toBeNull();
  });
});

describe('createCopilot: the decision tree end to end, in process', () => {
  function copilot(gen: Partial<AnswerGenerator> = {}) {
    const generated: string[] = [];
    const generator: AnswerGenerator = {
      id: 'fake',
      model: 'fake',
      condense: async (q) => q,
      generate: async (req, onToken) => {
        generated.push(req.question);
        onToken('Within 30 days [1].');
        return { text: 'Within 30 days [1].' };
      },
      ...gen,
    };
    const deps = {
      retriever: { pin: () => fakeView({ chunks: [kettle], search: () => [hit(kettle, 0.9)] }) },
      embedder: sharedEmbedder,
      generator,
      memory: new InProcessConversationStore({ maxTurns: 20, ttlSeconds: 600 }),
      answers: new InProcessAnswerStore(),
      cache: new InProcessAnswerCache(),
      handoffs: fakeHandoffs(),
      templates: loadTemplates(),
      settings: { ...DEFAULT_SETTINGS, answerMinScore: 0.5, annotationMinScore: 0.8 },
      modes: { llm: 'fake', embeddings: 'fake', memory: 'in-process' as const, slack: 'off' },
      logger,
    };
    return { deps, generated, copilot: createCopilot(deps) };
  }

  it('answers, remembers, and answers the same question again from the cache without the model', async () => {
    const c = copilot();
    const events: CopilotEvent[] = [];
    const record = await c.copilot.ask(input(), (e) => events.push(e));
    expect(events[0]).toMatchObject({ type: 'meta', answerId: record.id });
    expect(events.at(-1)).toMatchObject({ type: 'done', decision: 'answer', cached: false });
    expect(tokens(events)).toBe('Within 30 days [1].');
    expect(await c.deps.answers.get(record.id)).toMatchObject({ complete: true, via: 'llm' });
    expect(await c.deps.memory.recent('web:conv-1', 10)).toHaveLength(2);

    const again: CopilotEvent[] = [];
    await c.copilot.ask(input(undefined, { conversationKey: 'web:conv-2', conversationId: 'conv-2' }), (e) =>
      again.push(e),
    );
    expect(again.at(-1)).toMatchObject({ type: 'done', cached: true });
    expect(c.generated).toHaveLength(1);
  });

  it('an unknown space is an error event; nothing is stored', async () => {
    const c = copilot();
    const events: CopilotEvent[] = [];
    const record = await c.copilot.ask(input(undefined, { space: 'nope' }), (e) => events.push(e));
    expect(events.find((e) => e.type === 'error')).toMatchObject({ code: 'space:unknown' });
    expect(events.at(-1)?.type).toBe('done');
    expect(await c.deps.answers.get(record.id)).toBeNull();
  });

  it('status reads the pinned index through the retrieval port', async () => {
    expect(await copilot().copilot.status()).toMatchObject({
      indexVersion: 'v1',
      spaces: [{ name: 'default', documents: 1, chunks: 1, public: true }],
      ready: true,
    });
  });
});
