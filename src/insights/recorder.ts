import type { AnswerRecord, AnswerStore, Feedback } from '../domain/answers.js';
import type { HandoffTicket } from '../domain/handoff.js';
import type { HandoffNotifier } from '../handoff/notifier.js';
import type { Logger } from '../logger.js';
import { bucketOf, dayOf } from './buckets.js';
import { categoryOf, type DayCounters, type InsightsStore } from './types.js';

/** Counter increments for one finished answer record. */
export function fieldsOfAnswer(record: AnswerRecord): DayCounters {
  const f: DayCounters = { q: 1, [`c:${categoryOf(record)}`]: 1 };
  if (record.timings.firstTokenMs !== undefined) f[`ttft:${bucketOf(record.timings.firstTokenMs)}`] = 1;
  if (record.usage) {
    f.tok = record.usage.totalTokens;
    // Micro-dollars keep the counter an integer (HINCRBY) without losing cents.
    f.cost_u = Math.round(record.usage.costUsd * 1_000_000);
  }
  return f;
}

export function fieldsOfFeedback(feedback: Feedback, previous?: Feedback): DayCounters {
  const f: DayCounters = { [`fb:${feedback.rating}`]: 1 };
  if (feedback.rating === 'down') f[`fbr:${reasonKey(feedback.reason)}`] = 1;
  if (previous) {
    f[`fb:${previous.rating}`] = (f[`fb:${previous.rating}`] ?? 0) - 1;
    if (previous.rating === 'down') {
      const k = `fbr:${reasonKey(previous.reason)}`;
      f[k] = (f[k] ?? 0) - 1;
    }
  }
  return f;
}

function reasonKey(reason: string | undefined): string {
  return (reason ?? '').trim().toLowerCase().slice(0, 40) || 'no reason';
}

/**
 * The hook where answer records are written: every saved record and every feedback also updates the
 * insight counters and the time index. Insight failures are logged, never fail the answer.
 */
export function withInsights(answers: AnswerStore, insights: InsightsStore, logger: Logger): AnswerStore {
  const seen = new Set<string>();
  const safe = async (op: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      logger.warn({ op, err: (err as Error).message }, 'insights update failed');
    }
  };
  return {
    async save(record) {
      await answers.save(record);
      // A record is saved once per ask; the guard keeps a re-save from counting twice in this process.
      if (seen.has(record.id)) return;
      seen.add(record.id);
      if (seen.size > 10_000) seen.clear();
      await safe('answer', async () => {
        await insights.incr(record.space, dayOf(record.createdAt), fieldsOfAnswer(record));
        await insights.index(record.space, record.id, record.createdAt);
      });
    },
    get: (id) => answers.get(id),
    async setFeedback(id, feedback) {
      const before = await answers.get(id);
      const updated = await answers.setFeedback(id, feedback);
      if (updated) {
        await safe('feedback', async () => {
          await insights.incr(
            updated.space,
            dayOf(updated.createdAt),
            fieldsOfFeedback(feedback, before?.feedback),
          );
          if (feedback.rating === 'down') {
            await insights.index(updated.space, updated.id, updated.createdAt, 'down');
          }
        });
      }
      return updated;
    },
    recentFeedback: (limit, rating) => answers.recentFeedback(limit, rating),
  };
}

/** Records time to claim and to resolve of handoff tickets (notifier of the handoff desk). */
export function insightsHandoffNotifier(insights: InsightsStore, logger: Logger): HandoffNotifier {
  return {
    announce: async () => null,
    async update(ticket: HandoffTicket) {
      const last = ticket.history.at(-1);
      if (!last || (last.action !== 'claimed' && last.action !== 'resolved')) return;
      const field = last.action === 'claimed' ? 'claim' : 'resolve';
      const ms = Math.max(0, last.at - ticket.createdAt);
      try {
        await insights.incr(ticket.space, dayOf(ticket.createdAt), {
          [`${field}:${bucketOf(ms)}`]: 1,
          [`${field}_n`]: 1,
        });
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'insights handoff update failed');
      }
    },
    relayToAsker: async () => {},
    forward: async () => {},
  };
}
