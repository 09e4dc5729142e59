export interface ThrottleOptions<T> {
  /** At least this long between two updates (Slack edits: about one a second). */
  intervalMs: number;
  /** At most this many updates (a response_url takes only five uses in all). Default: no limit. */
  maxUpdates?: number;
  /** Whether `next` is worth an update after `last` was shown (e.g. enough progress since). */
  worthShowing?: (next: T, last: T | undefined) => boolean;
  now?: () => number;
}

export interface ProgressThrottle<T> {
  push(value: T): void;
  /** Stops further updates and waits for the one in flight, so a final message lands after it. */
  done(): Promise<void>;
}

/**
 * Shows a stream of progress values in one Slack message without flooding it: the latest value
 * wins, updates never overlap (a slow or rate-limited edit delays the next instead of racing it)
 * and come at most once per `intervalMs`, counted from creation because the caller has just
 * posted the first version of the message. A failing `show` is the caller's to log; it never
 * stops the job it reports on.
 */
export function throttleProgress<T>(
  show: (value: T) => Promise<void>,
  opts: ThrottleOptions<T>,
): ProgressThrottle<T> {
  const now = opts.now ?? Date.now;
  const max = opts.maxUpdates ?? Number.POSITIVE_INFINITY;
  let lastAt = now();
  let last: T | undefined;
  let pending: T | undefined;
  let has = false;
  let updates = 0;
  let busy: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = () => {
    if (timer || busy || closed || !has || updates >= max) return;
    timer = setTimeout(fire, Math.max(0, lastAt + opts.intervalMs - now()));
    // A progress message must never keep the process alive.
    timer.unref?.();
  };

  const fire = () => {
    timer = undefined;
    if (closed || !has) return;
    const value = pending as T;
    has = false;
    pending = undefined;
    if (opts.worthShowing && !opts.worthShowing(value, last)) return;
    last = value;
    updates += 1;
    busy = show(value)
      .catch(() => {})
      .finally(() => {
        busy = null;
        lastAt = now();
        schedule();
      });
  };

  return {
    push(value) {
      if (closed) return;
      pending = value;
      has = true;
      schedule();
    },
    async done() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await busy;
    },
  };
}
