import { randomUUID } from 'node:crypto';
import type { AnswerRecord } from '../domain/answers.js';
import type { AskInput } from '../domain/copilot.js';

export function newAnswerId(): string {
  return `a_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** The record of one ask before anything is known about the answer (pipeline, gate, rate limit). */
export function newAnswerRecord(input: AskInput, id: string, indexVersion: string): AnswerRecord {
  return {
    id,
    conversationKey: input.conversationKey,
    space: input.space,
    ...(input.user ? { user: input.user } : {}),
    question: input.message,
    standaloneQuestion: input.message,
    answer: '',
    decision: 'answer',
    via: 'none',
    complete: false,
    sources: [],
    indexVersion,
    timings: { totalMs: 0 },
    createdAt: Date.now(),
  };
}
