import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type {
  AnswerRecord,
  AnswerStore,
  Decision,
  Feedback,
  SourceRef,
  Turn,
} from '../../src/domain/answers.js';
import type {
  AskInput,
  ClarifyOption,
  Copilot,
  CopilotEvent,
  CopilotStatus,
} from '../../src/domain/copilot.js';

/**
 * A Copilot for the Slack tests: answers by script, with real timing (tokens arrive with delays,
 * so streaming is observable), keeps per-conversation history like the real pipeline, saves an
 * AnswerRecord so feedback and ask-human find it, and records every ask.
 *
 * Default script, by what the question contains:
 *   "long answer" → 6,000 characters of numbered sentences   "ping" → output with <!channel> etc.
 *   "fail"  → a few tokens then an `error` event             "throw" → ask() throws
 *   "ambiguous" → clarify options                             anything else → ~800-char answer
 * A follow-up (history present) starts with `Following up on "<previous question>":`.
 */
export interface Script {
  tokens: string[];
  tokenDelayMs?: number;
  sources?: SourceRef[];
  decision?: Decision;
  clarify?: ClarifyOption[];
  error?: { code: string; message: string };
  throws?: boolean;
}

export interface AskRecord {
  input: AskInput;
  history: Turn[];
  answerId: string;
  startedAt: number;
  finishedAt?: number;
}

export const SOURCES: SourceRef[] = [
  {
    n: 1,
    source: 'policies/returns.md',
    title: 'Returns policy',
    space: 'default',
    chunkId: 'c1',
    snippet: 'Returns within 30 days',
  },
  { n: 2, source: 'faq.csv', title: 'FAQ <!here>', space: 'default', chunkId: 'c2', snippet: 'Shipping' },
];

export function chunk(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export function longAnswer(chars = 6000): string {
  let text = '';
  for (let i = 1; text.length < chars; i++)
    text += `Sentence ${i} of the long answer about returns and refunds. `;
  return text.slice(0, chars);
}

export const PING_TOKENS = [
  'Heads up <!chan',
  'nel> and <!here|here> team, ',
  'also @ch',
  'annel and @he',
  're: returns take 30 days [1].',
];

export function defaultScript(input: AskInput, history: Turn[]): Script {
  const q = input.message.toLowerCase();
  const lastQuestion = [...history].reverse().find((t) => t.role === 'user')?.text;
  const prefix = lastQuestion ? `Following up on "${lastQuestion}": ` : '';
  if (q.includes('long answer'))
    return { tokens: chunk(longAnswer(), 60), tokenDelayMs: 12, sources: SOURCES };
  if (q.includes('ping')) return { tokens: PING_TOKENS, tokenDelayMs: 20, sources: SOURCES };
  if (q.includes('fail'))
    return {
      tokens: ['Let me check '],
      error: { code: 'llm:unavailable', message: 'The answer service is unavailable.' },
    };
  if (q.includes('throw')) return { tokens: [], throws: true };
  if (q.includes('ambiguous')) {
    return {
      tokens: [],
      decision: 'clarify',
      clarify: [
        {
          question: 'What is the return window for shoes?',
          label: 'Returns: shoes',
          source: 'policies/returns.md',
        },
        {
          question: 'What is the return window for electronics?',
          label: 'Returns: electronics',
          source: 'faq.csv',
        },
      ],
    };
  }
  const body =
    `${prefix}Returns are accepted within 30 days of delivery [1]. `.repeat(1) +
    'Items must be unused and in the original packaging, with the receipt or order number. '.repeat(8);
  return { tokens: chunk(body, 20), tokenDelayMs: 25, sources: SOURCES };
}

export class ScriptedCopilot implements Copilot {
  readonly asks: AskRecord[] = [];
  readonly feedbacks: Array<{ answerId: string; feedback: Feedback }> = [];
  private readonly memory = new Map<string, Turn[]>();

  constructor(
    private readonly answers: AnswerStore,
    private readonly scriptFor: (input: AskInput, history: Turn[]) => Script = defaultScript,
  ) {}

  async ask(input: AskInput, emit: (e: CopilotEvent) => void): Promise<AnswerRecord> {
    const history = [...(this.memory.get(input.conversationKey) ?? [])];
    const answerId = `a_${randomUUID().slice(0, 8)}`;
    const rec: AskRecord = { input, history, answerId, startedAt: performance.now() };
    this.asks.push(rec);
    const script = this.scriptFor(input, history);
    if (script.throws) throw new Error('scripted failure with a stack trace that must not reach Slack');
    emit({ type: 'meta', conversationId: input.conversationId, answerId });
    emit({ type: 'status', stage: 'retrieving' });
    await sleep(10);
    emit({ type: 'status', stage: 'generating' });
    let answer = '';
    for (const token of script.tokens) {
      if (script.tokenDelayMs) await sleep(script.tokenDelayMs);
      answer += token;
      emit({ type: 'token', text: token });
    }
    if (script.clarify) emit({ type: 'clarify', options: script.clarify });
    if (script.error) emit({ type: 'error', ...script.error });
    else if (script.sources) emit({ type: 'sources', sources: script.sources });
    const decision = script.decision ?? 'answer';
    const record: AnswerRecord = {
      id: answerId,
      conversationKey: input.conversationKey,
      space: input.space,
      ...(input.user ? { user: input.user } : {}),
      question: input.message,
      standaloneQuestion: input.message,
      answer,
      decision,
      via: 'offline',
      complete: !script.error,
      sources: script.sources ?? [],
      indexVersion: 'v-test',
      timings: { totalMs: 1 },
      createdAt: Date.now(),
    };
    await this.answers.save(record);
    this.memory.set(input.conversationKey, [
      ...history,
      { role: 'user', text: input.message, at: Date.now() },
      { role: 'assistant', text: answer, at: Date.now(), answerId },
    ]);
    emit({ type: 'done', answerId, decision, cached: false, usage: null });
    rec.finishedAt = performance.now();
    return record;
  }

  async feedback(answerId: string, feedback: Feedback): Promise<AnswerRecord | null> {
    this.feedbacks.push({ answerId, feedback });
    return this.answers.setFeedback(answerId, feedback);
  }

  async status(): Promise<CopilotStatus> {
    return {
      indexVersion: 'v-test',
      spaces: [{ name: 'default', documents: 3, chunks: 42, public: true }],
      modes: { llm: 'offline', embeddings: 'local', memory: 'in-process', slack: 'http' },
      ready: true,
    };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
