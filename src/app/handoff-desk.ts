import type { Config } from '../config.js';
import { type ConversationEvent, createInProcessEventBus, createRedisEventBus } from '../handoff/events.js';
import { createWebNotifier } from '../handoff/notifier.js';
import { type Reminders, startReminders, sweepIntervalMs } from '../handoff/reminders.js';
import { type AnswerSaver, createAnswerSaver } from '../handoff/save-answer.js';
import { createHandoffService, type HandoffService } from '../handoff/service.js';
import type { ConversationEventsDeps } from '../http/routes/conversation-events.js';
import type { Reindexer } from '../ingest/reindex-types.js';
import type { Logger } from '../logger.js';
import type { Stores } from './stores.js';

export interface HandoffDesk {
  service: HandoffService;
  /** Saves a teammate's answer as knowledge (also used by the insights review queue). */
  saver: AnswerSaver;
  /** For createHttpApp: the asker's event stream (human replies, ticket status). */
  conversationEvents: Omit<ConversationEventsDeps, 'heartbeatMs'>;
  reminders: Reminders;
  close(): Promise<void>;
}

/**
 * The handoff module wired from config: the ticket store from `stores` (Redis or
 * in-process), the event bus (Redis pub/sub with Redis, so a reply on one replica reaches an
 * asker on another), the web notifier, saving answers through the reindexer, and the reminder
 * sweep. The Slack notifier joins later with `service.addNotifier(…)`.
 */
export function createHandoffDesk(deps: {
  config: Config;
  stores: Stores;
  reindexer: Reindexer;
  logger: Logger;
  /** A space's folder under KNOWLEDGE_DIR (spaces.json), where its saved answers go. */
  folderOf?: (space: string) => string;
}): HandoffDesk {
  const { config, stores, logger } = deps;
  const bus = stores.redis ? createRedisEventBus({ redis: stores.redis, logger }) : createInProcessEventBus();
  const remindAfterMs = config.handoff.remindMinutes * 60_000;
  const intervalMs = sweepIntervalMs(config.handoff.remindMinutes);
  const saver = createAnswerSaver({
    knowledgeDir: config.knowledgeDir,
    reindexer: deps.reindexer,
    logger,
    ...(deps.folderOf ? { folderOf: deps.folderOf } : {}),
  });
  const service = createHandoffService({
    store: stores.handoffs,
    notifiers: [createWebNotifier(bus)],
    saver,
    memory: stores.memory,
    logger,
    remindAfterMs,
    retryAfterMs: intervalMs,
  });
  const reminders = startReminders({ service, intervalMs, logger });
  const replaySince = async (key: string, since: number): Promise<ConversationEvent[]> =>
    (await service.listFor(key)).flatMap((t) =>
      (t.messages ?? [])
        .filter((m) => m.role === 'agent' && m.at > since)
        .map((m) => ({ type: 'reply' as const, handoffId: t.id, text: m.text, by: m.by, at: m.at })),
    );
  return {
    service,
    saver,
    conversationEvents: { bus, replaySince },
    reminders,
    close: async () => {
      await reminders.stop();
      await service.idle();
      await bus.close();
    },
  };
}
