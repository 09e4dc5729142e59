import type { webApi } from '@slack/bolt';
import type { CopilotStatus } from '../domain/copilot.js';
import type { HandoffTicket } from '../domain/handoff.js';
import { buildHomeView, type DownFeedback } from './blocks/home.js';
import type { SourceSyncView } from './blocks/sources.js';
import { errorSummary } from './slack-errors.js';
import type { SlackContext } from './types.js';

/**
 * Publishes a user's App Home: index status, open handoffs, recent 👎 with reasons and, for admins,
 * the reindex button. Every handoff and 👎 only for admins and the handoff channel's members
 * (`ctx.canSeeDesk`); anyone else sees their own questions and 👎. Each part degrades on its own (a failing store shows as empty, not an error
 * page), and the publish itself never throws.
 */
export async function publishHome(
  ctx: SlackContext,
  client: webApi.WebClient,
  userId: string,
  notice?: string,
): Promise<void> {
  const team = await settle(ctx, 'access', () => ctx.canSeeDesk(userId), false);
  const [indexStatus, openHandoffs, recentDown, sources] = await Promise.all([
    settle<CopilotStatus | null>(ctx, 'status', () => ctx.copilot.status(), null),
    settle<HandoffTicket[]>(ctx, 'handoffs', () => ctx.handoffs.list({ status: ['open', 'claimed'] }), []),
    // Someone outside the team sees only their own 👎: look further back to find them.
    settle<DownFeedback[]>(ctx, 'feedback', () => ctx.answers.recentFeedback(team ? 10 : 100, 'down'), []),
    // Sources and their errors are for the team (admins, handoff channel), like every handoff.
    team && ctx.sourceSyncs
      ? settle<SourceSyncView[] | null>(ctx, 'sources', ctx.sourceSyncs, null)
      : Promise.resolve(undefined),
  ]);
  const isAdmin = ctx.isAdmin(userId);
  const reviewDue = isAdmin ? await settle(ctx, 'review', async () => ctx.reviewDue(), []) : [];
  const view = buildHomeView({
    indexStatus,
    openHandoffs: team ? openHandoffs : openHandoffs.filter((t) => t.asker === userId),
    recentDown: team ? recentDown : recentDown.filter((f) => f.user === userId),
    scope: team ? 'team' : 'own',
    isAdmin,
    reviewDue,
    ...(sources !== undefined ? { sources } : {}),
    ...(notice ? { notice } : {}),
  });
  try {
    await client.views.publish({ user_id: userId, view });
  } catch (err) {
    ctx.logger.error({ err: errorSummary(err) }, 'App Home publish failed');
  }
}

async function settle<T>(ctx: SlackContext, what: string, run: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    ctx.logger.warn({ err: errorSummary(err), part: what }, 'App Home part unavailable');
    return fallback;
  }
}
