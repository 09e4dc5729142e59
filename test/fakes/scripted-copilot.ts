import type { AnswerRecord, Decision, Feedback, SourceRef } from '../../src/domain/answers.js';
import type { AskInput, Copilot, CopilotEvent, CopilotStatus } from '../../src/domain/copilot.js';

/**
 * A Copilot for HTTP-layer tests: plays a scripted sequence of events with small delays and
 * records every call (including whether the abort signal fired). Injected like the real one.
 */
export type ScriptName = 'answer' | 'clarify' | 'handoff' | 'error' | 'throw' | 'endless';

export interface ScriptedCall {
  input: AskInput;
  events: CopilotEvent[];
  aborted: boolean;
  finished: boolean;
}

export interface ScriptedCopilot extends Copilot {
  calls: ScriptedCall[];
  feedbacks: Array<{ answerId: string; feedback: Feedback }>;
}

export interface ScriptedOptions {
  /** Which script answers a given input (default: always `answer`). */
  pick?: (input: AskInput) => ScriptName;
  /** Delay between events in ms (default 20). */
  delayMs?: number;
  spaces?: string[];
  ready?: boolean;
}

export const ANSWER_TOKENS = [
  'Refunds are issued ',
  'within 14 days ',
  'of receiving the return [1]. ',
  'They go back to the original ',
  'payment method [2].',
];

export const SOURCES: SourceRef[] = [
  {
    n: 1,
    source: 'policies/refunds.md',
    title: 'Refund policy',
    space: 'default',
    chunkId: 'c1',
    headingPath: ['Refunds', 'Timing'],
    snippet: 'Refunds are issued within 14 days.',
  },
  {
    n: 2,
    source: 'guides/payments.pdf',
    title: 'Payments guide',
    space: 'default',
    chunkId: 'c2',
    page: 3,
    snippet: 'Refunds go to the original payment method.',
  },
];

export const CLARIFY_OPTIONS = [
  {
    question: 'How do refunds work for damaged items?',
    label: 'Damaged items',
    source: 'policies/refunds.md',
  },
  {
    question: 'How do refunds work for late deliveries?',
    label: 'Late deliveries',
    source: 'policies/shipping.md',
  },
];

function script(name: ScriptName, answerId: string, conversationId: string): CopilotEvent[] {
  const meta: CopilotEvent = { type: 'meta', conversationId, answerId };
  const done = (decision: Decision): CopilotEvent => ({
    type: 'done',
    answerId,
    decision,
    cached: false,
    usage: null,
  });
  switch (name) {
    case 'answer':
      return [
        meta,
        { type: 'status', stage: 'retrieving' },
        ...ANSWER_TOKENS.map((text): CopilotEvent => ({ type: 'token', text })),
        { type: 'sources', sources: SOURCES },
        done('answer'),
      ];
    case 'clarify':
      return [meta, { type: 'clarify', options: CLARIFY_OPTIONS }, done('clarify')];
    case 'handoff':
      return [
        meta,
        { type: 'token', text: "I couldn't find this in our knowledge base." },
        { type: 'handoff', handoffId: 'h-1', reason: 'no_relevant_passages' },
        done('escalate'),
      ];
    case 'error':
      return [
        meta,
        { type: 'error', code: 'llm:unavailable', message: 'The model is unavailable. Ask a human.' },
      ];
    case 'throw':
    case 'endless':
      return [meta];
  }
}

export function createScriptedCopilot(opts: ScriptedOptions = {}): ScriptedCopilot {
  const delayMs = opts.delayMs ?? 20;
  const calls: ScriptedCall[] = [];
  const feedbacks: ScriptedCopilot['feedbacks'] = [];
  const answers = new Map<string, AnswerRecord>();

  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });

  return {
    calls,
    feedbacks,
    async ask(input, emit) {
      const call: ScriptedCall = { input, events: [], aborted: false, finished: false };
      calls.push(call);
      input.signal?.addEventListener('abort', () => {
        call.aborted = true;
      });
      const name = opts.pick?.(input) ?? 'answer';
      const answerId = `a-${calls.length}`;
      const record: AnswerRecord = {
        id: answerId,
        conversationKey: input.conversationKey,
        space: input.space,
        question: input.message,
        standaloneQuestion: input.message,
        answer: name === 'answer' ? ANSWER_TOKENS.join('') : '',
        decision: name === 'clarify' ? 'clarify' : name === 'answer' ? 'answer' : 'escalate',
        via: 'offline',
        complete: true,
        sources: name === 'answer' ? SOURCES : [],
        indexVersion: 'v1',
        timings: { totalMs: 0 },
        createdAt: Date.now(),
      };
      answers.set(answerId, record);
      const out = (e: CopilotEvent) => {
        call.events.push(e);
        emit(e);
      };
      for (const e of script(name, answerId, input.conversationId)) {
        if (input.signal?.aborted) break;
        out(e);
        await sleep(delayMs, input.signal);
      }
      if (name === 'throw') throw new Error('scripted failure at /secret/path/pipeline.ts:42');
      // `endless` keeps streaming until the client goes away (disconnect tests).
      while (name === 'endless' && !input.signal?.aborted) {
        out({ type: 'token', text: 'more ' });
        await sleep(delayMs, input.signal);
      }
      call.finished = true;
      return { ...record, complete: !input.signal?.aborted };
    },
    async feedback(answerId, feedback) {
      const rec = answers.get(answerId);
      if (!rec) return null;
      feedbacks.push({ answerId, feedback });
      rec.feedback = feedback;
      return rec;
    },
    async status(): Promise<CopilotStatus> {
      return {
        indexVersion: 'v1',
        spaces: (opts.spaces ?? ['default']).map((name) => ({
          name,
          documents: 2,
          chunks: 10,
          public: true,
        })),
        modes: { llm: 'offline', embeddings: 'local', memory: 'in-process', slack: 'off' },
        ready: opts.ready ?? true,
      };
    },
  };
}
