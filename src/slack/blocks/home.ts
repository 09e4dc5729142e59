import type { types } from '@slack/bolt';
import type { Feedback } from '../../domain/answers.js';
import type { CopilotStatus } from '../../domain/copilot.js';
import type { HandoffTicket } from '../../domain/handoff.js';
import type { ReviewItem } from '../../retrieval/review.js';
import { escapeMrkdwn, oneLine, truncate } from '../text.js';
import { ACTION } from './ids.js';
import { button, header, LIMITS, section } from './limits.js';
import { buildSourceSyncBlocks, type SourceSyncView } from './sources.js';
import { age, buildHandoffListBlocks, buildStatusBlocks } from './status.js';

export type DownFeedback = { answerId: string; question: string } & Feedback;

export interface HomeViewInput {
  indexStatus: CopilotStatus | null;
  openHandoffs: HandoffTicket[];
  recentDown: DownFeedback[];
  isAdmin: boolean;
  /** 'team': every open handoff and 👎 (the default); 'own': the user's own only. */
  scope?: 'team' | 'own';
  /** Last sync per source (team only); null when it could not be read, absent to hide the part. */
  sources?: SourceSyncView[] | null;
  /** A one-off line at the top, e.g. the result of a reindex started from this tab. */
  notice?: string;
  /** Documents past their review_after date (shown to admins only). */
  reviewDue?: ReviewItem[];
}

export function buildHomeView(input: HomeViewInput): types.HomeView {
  const blocks: types.KnownBlock[] = [header('Merchant Copilot')];
  if (input.notice) blocks.push(section(escapeMrkdwn(input.notice)));
  blocks.push(...buildStatusBlocks(input.indexStatus));
  if (input.isAdmin) {
    blocks.push({
      type: 'actions',
      block_id: 'home_admin',
      elements: [button(ACTION.kbReindex, '🔄 Reindex knowledge base', 'reindex', 'primary')],
    });
    if (input.reviewDue?.length) blocks.push(...buildReviewBlocks(input.reviewDue));
  }
  if (input.sources !== undefined) {
    blocks.push(
      { type: 'divider' },
      header('Sources'),
      ...(input.sources === null
        ? [section('_Sources unavailable._')]
        : buildSourceSyncBlocks(input.sources)),
    );
  }
  const own = input.scope === 'own';
  blocks.push(
    { type: 'divider' },
    header(own ? 'Your questions with a teammate' : 'Open handoffs'),
    ...buildHandoffListBlocks(input.openHandoffs),
  );
  blocks.push(
    { type: 'divider' },
    header(own ? 'Your recent 👎' : 'Recent 👎'),
    ...buildDownBlocks(input.recentDown),
  );
  return { type: 'home', blocks: blocks.slice(0, LIMITS.homeBlocks) };
}

/** Admins: documents past review_after, most overdue first, in one section. */
export function buildReviewBlocks(items: ReviewItem[]): types.KnownBlock[] {
  const max = 10;
  const lines = items.slice(0, max).map((d) => {
    const label = escapeMrkdwn(truncate(oneLine(d.title || d.source), 120));
    const where = escapeMrkdwn(truncate(`${d.space}/${d.source}`, 160));
    return `• *${label}* — \`${where}\` · ${d.overdueDays} day${d.overdueDays === 1 ? '' : 's'} past review`;
  });
  if (items.length > max) lines.push(`_+${items.length - max} more in /console_`);
  return [
    { type: 'divider' },
    header('Due for review'),
    section(
      `:hourglass: ${items.length} document${items.length === 1 ? '' : 's'} past \`review_after\`:\n${lines.join('\n')}`,
    ),
  ];
}

function buildDownBlocks(items: DownFeedback[]): types.KnownBlock[] {
  if (items.length === 0) return [section('_No 👎 lately._')];
  return items.slice(0, 10).map((f) => {
    const reason = f.reason
      ? `\n> ${escapeMrkdwn(truncate(oneLine(f.reason), 400))}`
      : '\n> _no reason given_';
    const who = f.user ? ` · <@${f.user}>` : '';
    return section(`*${escapeMrkdwn(truncate(oneLine(f.question), 200))}*${reason}\n${age(f.at)}${who}`);
  });
}
