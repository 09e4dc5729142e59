import type { AnswerRecord, Feedback } from '../domain/answers.js';

/** Counters of one space on one day: field → count (see fieldsOfAnswer). */
export type DayCounters = Record<string, number>;

export type Category = 'answered' | 'clarified' | 'escalated' | 'saved' | 'cache';
export const CATEGORIES: Category[] = ['answered', 'clarified', 'escalated', 'saved', 'cache'];

/**
 * Time-bucketed insight counters plus a time index of answer ids, per space. Redis and in-process
 * implementations; listing a period reads only that period's index entries.
 */
export interface InsightsStore {
  /** Adds field increments to the day bucket of `space`. */
  incr(space: string, day: string, fields: DayCounters): Promise<void>;
  /** Counters per requested day (missing days are empty objects), in the order given. */
  days(space: string, days: string[]): Promise<DayCounters[]>;
  /** Indexes an answer id by its time (idempotent). */
  index(space: string, id: string, at: number, kind?: 'all' | 'down'): Promise<void>;
  /** Answer ids of [from, to], newest first, at most `limit`. */
  list(space: string, from: number, to: number, limit: number, kind?: 'all' | 'down'): Promise<string[]>;
  /** Every space that has counters. */
  spaces(): Promise<string[]>;
  markReviewed(id: string): Promise<void>;
  reviewed(ids: string[]): Promise<boolean[]>;
}

export function categoryOf(record: AnswerRecord): Category {
  if (record.via === 'cache') return 'cache';
  if (record.via === 'annotation') return 'saved';
  if (record.decision === 'clarify') return 'clarified';
  if (record.decision === 'escalate') return 'escalated';
  return 'answered';
}

export type { AnswerRecord, Feedback };
