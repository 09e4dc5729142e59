import pino from 'pino';
import { newAnswerRecord } from '../../../src/copilot/record.js';
import { type Run, startRun } from '../../../src/copilot/run.js';
import type { AskInput, CopilotEvent } from '../../../src/domain/copilot.js';
import type { Chunk } from '../../../src/domain/documents.js';
import type { HandoffTicket, NewHandoff } from '../../../src/domain/handoff.js';
import type { KnowledgeView } from '../../../src/retrieval/knowledge.js';
import type { Embedder, SearchHit } from '../../../src/retrieval/types.js';

export const logger = pino({ level: 'silent' });

export function chunk(over: Partial<Chunk> & { id: string; source: string; text: string }): Chunk {
  return {
    space: 'default',
    title: over.source.replace(/\.md$/, ''),
    format: 'md',
    embedText: over.text,
    ordinal: 0,
    ...over,
  } as Chunk;
}

export function hit(c: Chunk, similarity: number, rank = 1): SearchHit {
  return { chunk: c, score: similarity, similarity, rank };
}

/** One-hot vectors per distinct text: different texts are orthogonal, so term overlap decides. */
export function fakeEmbedder(): Embedder & { calls: string[] } {
  const slots = new Map<string, number>();
  const calls: string[] = [];
  return {
    id: 'fake:64',
    dimensions: 64,
    calls,
    embedDocuments: async (texts) => texts.map((t) => vector(t)),
    embedQuery: async (t) => {
      calls.push(t);
      return vector(t);
    },
  };
  function vector(t: string): number[] {
    if (!slots.has(t)) slots.set(t, slots.size % 64);
    const v = new Array(64).fill(0);
    v[slots.get(t) as number] = 1;
    return v;
  }
}

/** A KnowledgeView over a few chunks, with a scripted search. */
export function fakeView(
  opts: {
    chunks?: Chunk[];
    search?: (query: string) => SearchHit[] | Promise<SearchHit[]>;
    epoch?: number;
    vocabulary?: string[];
  } = {},
): KnowledgeView & { searches: Array<{ query: string; space: string; k: number }> } {
  const chunks = opts.chunks ?? [];
  const searches: Array<{ query: string; space: string; k: number }> = [];
  return {
    version: 'v1',
    searches,
    spaces: () => ['default'],
    stats: () => ({ documents: 1, chunks: chunks.length }),
    validityEpoch: () => opts.epoch ?? 0,
    async search(query, space, k) {
      searches.push({ query, space, k });
      return (await opts.search?.(query)) ?? [];
    },
    vocabulary: () => (opts.vocabulary ? { knows: (t) => opts.vocabulary?.includes(t) ?? false } : undefined),
    savedAnswers: () => chunks.filter((c) => /answers\//.test(c.source) && c.meta?.question),
    documentText: (c) =>
      chunks
        .filter((x) => x.source === c.source)
        .sort((a, b) => a.ordinal - b.ordinal)
        .map((x) => x.text)
        .join('\n\n'),
  };
}

export function input(
  message = 'What is the return window for a kettle?',
  over: Partial<AskInput> = {},
): AskInput {
  return {
    message,
    conversationKey: 'web:conv-1',
    conversationId: 'conv-1',
    space: 'default',
    origin: { surface: 'web' },
    ...over,
  };
}

/** One embedder for a test file's runs and matchers, so the same text always gets the same vector. */
export const sharedEmbedder = fakeEmbedder();

export function run(
  opts: { input?: AskInput; view?: KnowledgeView; language?: 'en' | 'zh' } = {},
): Run & { events: CopilotEvent[] } {
  const i = opts.input ?? input();
  const events: CopilotEvent[] = [];
  const record = newAnswerRecord(i, 'a_test', 'v1');
  const r = startRun(
    i,
    record,
    opts.view ?? fakeView(),
    opts.language ?? 'en',
    (e) => events.push(e),
    (t) => sharedEmbedder.embedQuery(t),
  );
  return Object.assign(r, { events });
}

/** A handoff port that keeps what it was asked to open. */
export function fakeHandoffs(opts: { fail?: boolean } = {}) {
  const created: NewHandoff[] = [];
  return {
    created,
    async create(n: NewHandoff): Promise<HandoffTicket> {
      if (opts.fail) throw new Error('ticket store down');
      created.push(n);
      return {
        ...n,
        id: `h_${created.length}`,
        sources: n.sources ?? [],
        status: 'open',
        createdAt: 0,
        updatedAt: 0,
        history: [],
      };
    },
    activeFor: async () => null,
    get: async () => null,
    list: async () => [],
  };
}

export const tokens = (events: CopilotEvent[]) =>
  events.map((e) => (e.type === 'token' ? e.text : '')).join('');
