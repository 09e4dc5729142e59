import type { webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { errorSummary } from '../slack-errors.js';

export interface DeskAccessDeps {
  client: webApi.WebClient;
  /** SLACK_HANDOFF_CHANNEL: its members are the support team. */
  channel: string | undefined;
  isAdmin: (userId: string) => boolean;
  logger: Logger;
  /** How long the channel's member list is trusted (default 60 s). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Who may see every open handoff and the recent 👎 reasons in Slack (App Home, `/copilot
 * handoffs`): SLACK_ADMIN_USERS and members of SLACK_HANDOFF_CHANNEL. The member list comes
 * from `conversations.members` (every page), cached briefly so an App Home open costs no API
 * call most of the time. When Slack cannot say, the answer is "no" (others see only their own).
 */
export function createDeskAccess(deps: DeskAccessDeps): (userId: string) => Promise<boolean> {
  const ttlMs = deps.ttlMs ?? 60_000;
  const now = deps.now ?? Date.now;
  let cached: { members: Set<string>; at: number } | null = null;
  let loading: Promise<Set<string> | null> | null = null;

  async function load(channel: string): Promise<Set<string> | null> {
    try {
      const members = new Set<string>();
      let cursor: string | undefined;
      do {
        const res = await deps.client.conversations.members({
          channel,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const m of res.members ?? []) members.add(m);
        cursor = res.response_metadata?.next_cursor || undefined;
      } while (cursor);
      cached = { members, at: now() };
      return members;
    } catch (err) {
      deps.logger.warn({ err: errorSummary(err), channel }, 'could not read the handoff channel members');
      return null;
    } finally {
      loading = null;
    }
  }

  return async (userId) => {
    if (deps.isAdmin(userId)) return true;
    const channel = deps.channel;
    if (!channel) return false;
    if (cached && now() - cached.at < ttlMs) return cached.members.has(userId);
    loading ??= load(channel);
    const members = await loading;
    return members?.has(userId) ?? false;
  };
}
