import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CopilotObserver } from '../copilot/pipeline.js';
import { ACTIVE_STATUSES, type HandoffPort } from '../domain/handoff.js';
import type { ReindexJob } from '../ingest/reindex-types.js';

/** Prometheus metrics. One registry per app instance, exposed at /metrics. */
export interface MetricsDeps {
  handoffs?: HandoffPort;
  redisUp?: () => boolean | null;
  /** How long one count of the active tickets serves scrapes (default 30 s). */
  handoffCountsTtlMs?: number;
  now?: () => number;
}

export function createMetrics(deps: MetricsDeps) {
  const now = deps.now ?? Date.now;
  const ttl = deps.handoffCountsTtlMs ?? 30_000;
  // Only tickets that still need someone are counted (closed ones grow without bound), and
  // one count of the active tickets per TTL, shared by concurrent scrapes: a scraper (or anyone
  // who can reach /metrics) polling fast never makes the store list tickets on every request.
  let counted: { at: number; counts: Promise<Record<string, number> | null> } | null = null;
  const activeCounts = () => {
    if (!deps.handoffs) return Promise.resolve(null);
    if (counted && now() - counted.at < ttl) return counted.counts;
    const counts = deps.handoffs
      .list({ status: [...ACTIVE_STATUSES] })
      .then((tickets) => {
        const out: Record<string, number> = { open: 0, claimed: 0 };
        for (const t of tickets) out[t.status] = (out[t.status] ?? 0) + 1;
        return out;
      })
      .catch(() => {
        counted = null;
        return null;
      });
    counted = { at: now(), counts };
    return counts;
  };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  const answer = new Histogram({
    name: 'copilot_answer_seconds',
    help: 'Time to a complete answer',
    buckets: seconds,
    registers: [registry],
  });
  const firstToken = new Histogram({
    name: 'copilot_first_token_seconds',
    help: 'Time to the first streamed token',
    buckets: seconds,
    registers: [registry],
  });
  const topScore = new Histogram({
    name: 'copilot_retrieval_top_score',
    help: 'Best retrieval similarity per question (0..1)',
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'copilot_decisions_total',
    help: 'Answer decisions',
    labelNames: ['decision'],
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: 'copilot_cache_hits_total',
    help: 'Answers served from the cache',
    registers: [registry],
  });
  const annotationHits = new Counter({
    name: 'copilot_annotation_hits_total',
    help: 'Answers served from human-saved answers',
    registers: [registry],
  });
  const feedback = new Counter({
    name: 'copilot_feedback_total',
    help: 'Feedback',
    labelNames: ['rating'],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'copilot_llm_tokens_total',
    help: 'LLM tokens',
    labelNames: ['kind'],
    registers: [registry],
  });
  const cost = new Counter({
    name: 'copilot_llm_cost_usd_total',
    help: 'Estimated LLM cost in USD',
    registers: [registry],
  });
  const reindex = new Histogram({
    name: 'copilot_reindex_seconds',
    help: 'Reindex run duration',
    labelNames: ['status'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const llmAttempts = new Counter({
    name: 'copilot_llm_attempts_total',
    help: 'Model calls by model, place in the fallback chain (0 = first) and outcome',
    labelNames: ['model', 'step', 'outcome'],
    registers: [registry],
  });
  const degraded = new Counter({
    name: 'copilot_memory_degraded_total',
    help: 'Operations served without Redis (memory/cache skipped)',
    labelNames: ['op'],
    registers: [registry],
  });
  const safetyBlocks = new Counter({
    name: 'copilot_safety_blocks_total',
    help: 'Questions and answers blocked by the content safety check, by where and list',
    labelNames: ['where', 'list'],
    registers: [registry],
  });
  const handoffCreated = new Counter({
    name: 'copilot_handoffs_created_total',
    help: 'Handoff tickets created',
    labelNames: ['reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'copilot_handoffs',
    help: 'Active handoff tickets by state (open, claimed), refreshed at most every 30 s',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await activeCounts();
      if (!counts) return;
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'copilot_redis_up',
    help: '1 when Redis answers, 0 when it does not (absent without Redis)',
    registers: [registry],
    collect() {
      const up = deps.redisUp?.();
      if (up !== null && up !== undefined) this.set(up ? 1 : 0);
    },
  });

  const observer: CopilotObserver = {
    answered(record, info) {
      decisions.inc({ decision: record.decision });
      if (info.cached) cacheHits.inc();
      if (info.annotation) annotationHits.inc();
      answer.observe(record.timings.totalMs / 1000);
      if (record.timings.firstTokenMs !== undefined) firstToken.observe(record.timings.firstTokenMs / 1000);
      if (record.retrievalTopScore !== undefined) topScore.observe(record.retrievalTopScore);
      if (record.usage) {
        tokens.inc({ kind: 'prompt' }, record.usage.promptTokens);
        tokens.inc({ kind: 'completion' }, record.usage.completionTokens);
        cost.inc(record.usage.costUsd);
      }
    },
    feedback: (rating) => feedback.inc({ rating }),
    handoff: (reason) => handoffCreated.inc({ reason }),
  };
  return {
    registry,
    observer,
    reindexFinished(job: ReindexJob) {
      if (!job.finishedAt || !job.startedAt) return;
      reindex.observe({ status: job.status }, (job.finishedAt - job.startedAt) / 1000);
    },
    degraded: (op: string) => degraded.inc({ op }),
    llmAttempt: (model: string, step: number, outcome: string) =>
      llmAttempts.inc({ model, step: String(step), outcome }),
    safetyBlocked: (b: { where: string; list: string }) => safetyBlocks.inc({ where: b.where, list: b.list }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
