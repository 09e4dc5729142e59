import { userMessage } from '../errors.js';
import { errorSummary } from './slack-errors.js';
import { stripPings } from './text.js';
import type { ReindexVia, SlackContext } from './types.js';

/** Runs the reindex hook for a Slack user and words the outcome; never throws, never leaks a stack. */
export async function runReindex(
  ctx: SlackContext,
  user: string,
  via: ReindexVia,
): Promise<{ ok: boolean; text: string }> {
  if (!ctx.reindex) {
    return {
      ok: false,
      text: 'Reindexing from Slack is not available on this server. Run `npm run ingest` instead.',
    };
  }
  const startedAt = Date.now();
  try {
    const result = await ctx.reindex(user, via);
    ctx.logger.info({ user, via, ms: Date.now() - startedAt }, 'reindex from Slack finished');
    return { ok: true, text: stripPings(`✅ Reindex finished: ${result.summary}`) };
  } catch (err) {
    ctx.logger.error({ err: errorSummary(err), user }, 'reindex from Slack failed');
    return { ok: false, text: stripPings(`❌ Reindex failed: ${userMessage(err)}`) };
  }
}
