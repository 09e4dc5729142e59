import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { IndexHolder } from './index-holder.js';

/** The channel in the client's namespace (ioredis does not apply its keyPrefix to channels). */
export const indexChannel = (redis: Redis): string => `${redis.options.keyPrefix ?? ''}index:version`;

/**
 * Keeps every replica serving the newest index version without a restart: a finished reindex
 * publishes its version on Redis pub/sub and each replica hot-swaps at once; a slow poll of the
 * CURRENT file is the fallback (no Redis, or a missed message).
 */
export function startIndexSync(deps: {
  holder: IndexHolder;
  logger: Logger;
  redis?: Redis | null;
  pollMs?: number;
}): { publish(version: string): Promise<void>; stop(): Promise<void> } {
  const { holder, logger } = deps;
  const swap = (version?: string) => {
    try {
      if (holder.reload(version))
        logger.info({ version: holder.current().version }, 'now serving a new index version');
    } catch (err) {
      logger.error(
        { err: (err as Error).message, version },
        'could not load the new index version; keeping the current one',
      );
    }
  };
  const sub = deps.redis ? deps.redis.duplicate() : null;
  if (sub) {
    sub.on('error', () => {}); // reconnects by itself; the main client already logs outages
    sub.on('message', (_channel: string, version: string) => swap(version));
    // With the offline queue off, SUBSCRIBE before the connection is ready would just fail; ioredis
    // re-subscribes by itself after a reconnect once the first subscription is in place.
    const subscribe = () =>
      sub.subscribe(indexChannel(sub)).catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'index pub/sub unavailable; polling only');
      });
    if (sub.status === 'ready') void subscribe();
    else sub.once('ready', () => void subscribe());
  }
  const timer = setInterval(() => swap(), deps.pollMs ?? 1000);
  timer.unref();
  return {
    async publish(version) {
      swap(version);
      await deps.redis?.publish(indexChannel(deps.redis), version).catch((err: unknown) => {
        logger.warn(
          { err: (err as Error).message },
          'could not announce the new index version; other replicas will poll',
        );
      });
    },
    async stop() {
      clearInterval(timer);
      await sub?.quit().catch(() => sub.disconnect());
    },
  };
}
