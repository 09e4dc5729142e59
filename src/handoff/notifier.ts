import type { HandoffMessage, HandoffTicket } from '../domain/handoff.js';
import type { ConversationEventBus } from './events.js';

export interface CardRef {
  channel: string;
  ts: string;
}

/**
 * How the handoff service reaches people. One notifier per surface (web, Slack); the service
 * calls every notifier and each acts on what concerns it (e.g. `relayToAsker` only for tickets
 * whose `origin.surface` is its own). Methods throw on failure; the service records it.
 *
 * The Slack notifier (src/slack) is expected to:
 * - announce: post the card in SLACK_HANDOFF_CHANNEL (question, asker, `origin.link`, draft
 *   answer, sources; buttons `handoff_claim`, `handoff_reply`, `handoff_resolve`) and return
 *   its {channel, ts}; with `reminder` and `ticket.card` set, post a nudge in the card's thread.
 *   A throw leaves the ticket open with `cardError` set, and the reminder sweep retries.
 * - update: rewrite the card (`chat.update` on `ticket.card`) to show status and assignee.
 * - relayToAsker: post the reply in the asker's thread (origin.channel/threadTs), attributed.
 * - forward: post the asker's follow-up in the card's thread.
 */
export interface HandoffNotifier {
  /** Post the support card, or with `reminder` re-announce an unclaimed ticket. Returns the card, if it posts one. */
  announce(ticket: HandoffTicket, opts: { reminder: boolean }): Promise<CardRef | null>;
  /** The ticket changed (claimed, replied, resolved, cancelled): refresh what shows it. */
  update(ticket: HandoffTicket): Promise<void>;
  /** A teammate replied: deliver it where the asker is. */
  relayToAsker(ticket: HandoffTicket, reply: HandoffMessage): Promise<void>;
  /** The asker wrote again while the ticket is active: pass it to the teammates. */
  forward(ticket: HandoffTicket, message: HandoffMessage): Promise<void>;
  /** A reply never reached the asker (every retry failed): tell the teammates where they work. */
  relayFailed?(ticket: HandoffTicket, reply: HandoffMessage, error: string): Promise<void>;
}

/**
 * The web surface: the asker's page listens on GET /api/conversations/:id/events, so replies
 * and state changes of web tickets go to the conversation event bus. It posts no card: the
 * console lists tickets straight from the store.
 */
export function createWebNotifier(bus: ConversationEventBus): HandoffNotifier {
  const isWeb = (t: HandoffTicket) => t.origin.surface === 'web';
  return {
    async announce() {
      return null;
    },
    async update(t) {
      if (!isWeb(t)) return;
      await bus.publish(t.conversationKey, {
        type: 'handoff',
        handoffId: t.id,
        status: t.status,
        ...(t.assignee ? { assignee: t.assignee } : {}),
      });
    },
    async relayToAsker(t, reply) {
      if (!isWeb(t)) return;
      await bus.publish(t.conversationKey, {
        type: 'reply',
        handoffId: t.id,
        text: reply.text,
        by: reply.by,
        at: reply.at,
      });
    },
    async forward() {},
  };
}
