import type {
  AnswerCache,
  AnswerRecord,
  AnswerStore,
  ConversationStore,
  Decision,
  Usage,
} from '../domain/answers.js';
import type { AskInput, CopilotEvent } from '../domain/copilot.js';
import type { Language } from '../domain/llm.js';
import { CopilotError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { KnowledgeView } from '../retrieval/knowledge.js';

/** The state of one ask, shared by its steps: the record being built and the event stream. */
export interface Run {
  readonly input: AskInput;
  readonly record: AnswerRecord;
  /** The index version this answer reads throughout (pinned at the start). */
  readonly view: KnowledgeView;
  readonly language: Language;
  emit(e: CopilotEvent): void;
  /** Shows text to the asker and adds it to the record's answer. */
  say(text: string): void;
  /** Embeds a text once per ask, whether annotations, retrieval or both need it. */
  embed(text: string): Promise<number[]>;
}

export function startRun(
  input: AskInput,
  record: AnswerRecord,
  view: KnowledgeView,
  language: Language,
  emit: (e: CopilotEvent) => void,
  embedQuery: (text: string) => Promise<number[]>,
): Run {
  const vectors = new Map<string, Promise<number[]>>();
  return {
    input,
    record,
    view,
    language,
    emit,
    say(text) {
      record.answer += text;
      emit({ type: 'token', text });
    },
    embed(text) {
      let v = vectors.get(text);
      if (!v) {
        v = embedQuery(text);
        vectors.set(text, v);
      }
      return v;
    },
  };
}

/**
 * How an ask ends, as its step decided it; the finaliser does the writing.
 * `keep`: `turns` stores the answer record and appends both turns to memory, `record` stores only
 * the record (failures: the next prompt should not see them), `nothing` stores nothing (bad input,
 * a blocked question, an unexpected error).
 */
export interface Ending {
  decision: Decision;
  keep: 'turns' | 'record' | 'nothing';
  cached?: boolean;
  usage?: Usage | null;
  /** Cache the answer under this key (only a complete answer from the model). */
  cacheKey?: string;
}

export interface FinishDeps {
  memory: ConversationStore;
  answers: AnswerStore;
  cache: AnswerCache;
  cacheTtlSeconds: number;
  logger: Logger;
  observer?: { answered?(record: AnswerRecord, info: { cached: boolean; annotation: boolean }): void };
}

/**
 * The one finaliser: `done`, then the cache, the answer record and memory, in that order, each
 * failure logged and never shown (the asker already has the answer).
 */
export async function finish(run: Run, deps: FinishDeps, ending: Ending): Promise<AnswerRecord> {
  const { record, input } = run;
  record.decision = ending.decision;
  record.timings.totalMs = Date.now() - record.createdAt;
  run.emit({
    type: 'done',
    answerId: record.id,
    decision: ending.decision,
    cached: ending.cached ?? false,
    usage: ending.usage ?? null,
  });
  if (ending.cacheKey) {
    await deps.cache
      .set(
        ending.cacheKey,
        { answer: record.answer, sources: record.sources, decision: 'answer', answerId: record.id },
        deps.cacheTtlSeconds,
      )
      .catch((err: unknown) => deps.logger.warn({ err: summarize(err) }, 'answer cache write failed'));
  }
  if (ending.keep === 'nothing') return record;
  record.timings.totalMs = Date.now() - record.createdAt;
  deps.observer?.answered?.(record, {
    cached: record.via === 'cache',
    annotation: record.via === 'annotation',
  });
  try {
    await deps.answers.save(record);
  } catch (err) {
    deps.logger.error({ err: summarize(err), answerId: record.id }, 'could not store the answer record');
  }
  if (ending.keep === 'record') return record;
  try {
    await deps.memory.append(input.conversationKey, [
      { role: 'user', text: record.question, at: record.createdAt },
      { role: 'assistant', text: record.answer, at: Date.now(), answerId: record.id },
    ]);
  } catch (err) {
    deps.logger.warn({ err: summarize(err) }, 'could not append to conversation memory');
  }
  return record;
}

/** Log-safe error summary (no request bodies or headers). */
export function summarize(err: unknown): { code?: string; message: string } {
  if (err instanceof CopilotError) return { code: err.code, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}
