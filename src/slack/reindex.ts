import { userMessage } from '../errors.js';
import { formatReindexProgress } from './blocks/reindex-progress.js';
import { type ProgressThrottle, type ThrottleOptions, throttleProgress } from './progress-throttle.js';
import { errorSummary } from './slack-errors.js';
import { stripPings } from './text.js';
import type { ReindexProgress, ReindexVia, SlackContext } from './types.js';

/** Where a reindex asked for in Slack shows how it is going (one message, edited in place). */
export interface ReindexSurface {
  /** Writes (or rewrites) the message. Its failures are logged and never stop the run. */
  show(text: string): Promise<void>;
  throttle: Omit<ThrottleOptions<ReindexProgress>, 'now'>;
}

const STARTED = '🔄 Reindexing the knowledge base… I will update this message when it is done.';

/**
 * Runs the reindex hook for a Slack user: shows at once that it started (or joined the run that
 * was already asked for), then its progress at the surface's pace, and words the outcome. Returns
 * the final text for the caller to show last. Never throws, never leaks a stack.
 */
export async function runReindex(
  ctx: SlackContext,
  user: string,
  via: ReindexVia,
  surface?: ReindexSurface,
): Promise<{ ok: boolean; text: string }> {
  if (!ctx.reindex) {
    return {
      ok: false,
      text: 'Reindexing from Slack is not available on this server. Run `npm run ingest` instead.',
    };
  }
  const show = (text: string) =>
    surface
      ?.show(stripPings(text))
      .catch((err: unknown) =>
        ctx.logger.warn({ err: errorSummary(err), via }, 'reindex progress could not be shown'),
      ) ?? Promise.resolve();
  let first: ReindexProgress | undefined;
  let throttle: ProgressThrottle<ReindexProgress> | undefined;
  const startedAt = Date.now();
  // The hook reports the first state synchronously (started, or joined a queued run), before any
  // await: that decides the first words of the message. Later reports go through the throttle.
  const run = ctx.reindex(user, via, (p) => {
    if (!first) first = p;
    else throttle?.push(p);
  });
  // Awaited below; this only keeps a fast failure from counting as unhandled meanwhile.
  run.catch(() => {});
  const initial = show(first ? formatReindexProgress(first) : STARTED);
  if (surface) {
    let shown = first;
    throttle = throttleProgress(
      async (p) => {
        // Never overtake the first version of the message, however slow it was.
        await initial;
        shown = p;
        await show(formatReindexProgress(p));
      },
      {
        ...surface.throttle,
        // Compare with what is on screen, including the first message, which the throttle did not send.
        worthShowing: (next) => surface.throttle.worthShowing?.(next, shown) ?? true,
      },
    );
  }
  await initial;
  try {
    const result = await run;
    ctx.logger.info({ user, via, ms: Date.now() - startedAt }, 'reindex from Slack finished');
    return { ok: true, text: stripPings(`✅ Reindex finished: ${result.summary}`) };
  } catch (err) {
    ctx.logger.error({ err: errorSummary(err), user }, 'reindex from Slack failed');
    return { ok: false, text: stripPings(`❌ Reindex failed: ${userMessage(err)}`) };
  } finally {
    await throttle?.done();
  }
}

/**
 * How much change earns an edit: a move of `minStep` percentage points, or a change of state
 * (queued → running). A response_url has only five uses, so the slash command asks for big steps.
 */
export function progressStep(minStep: number) {
  const percentOf = (p: ReindexProgress) =>
    p.state === 'running' ? p.percent : (p.current?.percent ?? -100);
  return (next: ReindexProgress, last: ReindexProgress | undefined): boolean =>
    !last || next.state !== last.state || Math.abs(percentOf(next) - percentOf(last)) >= minStep;
}
