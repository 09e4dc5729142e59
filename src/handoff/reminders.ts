import type { Logger } from '../logger.js';
import type { HandoffService } from './service.js';

export interface Reminders {
  stop(): Promise<void>;
}

/**
 * How often the sweep runs for a given HANDOFF_REMIND_MINUTES: often enough that a reminder is
 * at most a quarter of the interval late, at least every minute, never busier than 20 times a
 * second (fractional minutes are for tests).
 */
export function sweepIntervalMs(remindMinutes: number): number {
  return Math.round(Math.min(60_000, Math.max(50, (remindMinutes * 60_000) / 4)));
}

/**
 * Runs `service.sweep()` every `intervalMs`. Every replica may run it: the store's
 * compare-and-set on `lastRemindedAt` / `cardAttemptAt` lets only one act per ticket and
 * interval. Passes never overlap on one replica; a failing pass is logged and the next one runs.
 */
export function startReminders(opts: {
  service: HandoffService;
  intervalMs: number;
  logger: Logger;
}): Reminders {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = opts.service
      .sweep()
      .catch((err: unknown) => opts.logger.warn({ err }, 'handoff reminder sweep failed'))
      .finally(() => {
        running = null;
      });
  }, opts.intervalMs);
  // A sweep must not keep a CLI or test process alive.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
