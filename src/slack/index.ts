/** The Slack surface's public API, for the composition root. */
export { createSlackApp } from './app.js';
export { DEDUP_TTL_SECONDS, type DedupStore, InProcessDedupStore } from './dedup.js';
export { RedisDedupStore } from './dedup-redis.js';
export { forwardDuringHandoff } from './handoff/forward.js';
export { createSlackHandoffNotifier } from './handoff/notifier.js';
export { formatIndexSummary, reindexHook } from './reindex-hook.js';
export type { StreamOptions } from './stream/options.js';
export { InProcessThreadStore, type ThreadStore } from './thread-store.js';
export { RedisThreadStore } from './thread-store-redis.js';
export type {
  HandoffDesk,
  ReindexProgress,
  ReindexResult,
  ReindexVia,
  SlackAppDeps,
  SlackAppHandle,
  ThreadMessage,
} from './types.js';
