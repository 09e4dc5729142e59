import type { webApi } from '@slack/bolt';
import type { HandoffTicket } from '../../domain/handoff.js';
import { CopilotError } from '../../errors.js';
import type { CardRef, HandoffNotifier } from '../../handoff/notifier.js';
import type { Logger } from '../../logger.js';
import { buildHandoffCard } from '../blocks/handoff-card.js';
import {
  buildForwardText,
  buildRelayFailedText,
  buildRelayText,
  buildReminderText,
  buildReplyNoteText,
} from '../blocks/handoff-messages.js';
import { errorSummary, slackErrorCode } from '../slack-errors.js';
import { createThreadLinks } from './thread-link.js';

export interface SlackHandoffNotifierDeps {
  client: webApi.WebClient;
  /** SLACK_HANDOFF_CHANNEL: where new cards go (a card keeps the channel it was posted in). */
  channel: string;
  logger: Logger;
  now?: () => number;
}

/**
 * The Slack side of the handoff loop, as a HandoffNotifier: the support card for every
 * ticket (Slack and web askers alike: the team works in Slack), its updates, reminders, the
 * asker's follow-ups in the card's thread, and teammates' replies in the asker's thread for
 * tickets that came from Slack (web askers get theirs from the web notifier). Every method throws
 * on failure: the service records it (a card that failed to post is retried by the sweep).
 */
export function createSlackHandoffNotifier(deps: SlackHandoffNotifierDeps): HandoffNotifier {
  const { client, logger } = deps;
  const now = deps.now ?? Date.now;
  const linkFor = createThreadLinks(client, logger);

  async function postCard(ticket: HandoffTicket): Promise<CardRef> {
    const card = buildHandoffCard(ticket, await linkFor(ticket));
    try {
      const res = await client.chat.postMessage({
        channel: deps.channel,
        text: card.text,
        blocks: card.blocks,
        unfurl_links: false,
      });
      if (!res.ts) throw new Error('Slack returned no ts for the card');
      return { channel: res.channel ?? deps.channel, ts: res.ts };
    } catch (err) {
      throw cardFailure(err, deps.channel);
    }
  }

  /** A message in the card's thread; tickets whose card never posted have nowhere to put it. */
  async function inCardThread(ticket: HandoffTicket, text: string, broadcast = false): Promise<void> {
    if (!ticket.card) return;
    await client.chat.postMessage({
      channel: ticket.card.channel,
      thread_ts: ticket.card.ts,
      text,
      unfurl_links: false,
      reply_broadcast: broadcast,
    });
  }

  return {
    async announce(ticket, { reminder }) {
      if (reminder && ticket.card) {
        // Also sent to the channel: a nudge hidden in a thread would go unseen.
        await inCardThread(ticket, buildReminderText(ticket, now()), true);
        return ticket.card;
      }
      return postCard(ticket);
    },

    async update(ticket) {
      if (!ticket.card) return;
      const card = buildHandoffCard(ticket, await linkFor(ticket));
      await client.chat.update({
        channel: ticket.card.channel,
        ts: ticket.card.ts,
        text: card.text,
        blocks: card.blocks,
      });
    },

    async relayToAsker(ticket, reply) {
      const { surface, channel, threadTs } = ticket.origin;
      if (surface === 'slack' && channel && threadTs) {
        await client.chat.postMessage({ channel, thread_ts: threadTs, text: buildRelayText(reply) });
      }
      // A reply typed in the card's thread is already there; one from the modal or the console
      // is copied in, so the thread tells the whole story. Only a note: never a relay failure.
      if (!reply.ts) {
        await inCardThread(ticket, buildReplyNoteText(reply)).catch((err: unknown) =>
          logger.warn(
            { err: errorSummary(err), handoffId: ticket.id },
            'reply note in the card thread failed',
          ),
        );
      }
    },

    async forward(ticket, message) {
      await inCardThread(ticket, buildForwardText(message, ticket));
    },

    async relayFailed(ticket, reply, error) {
      await inCardThread(ticket, buildRelayFailedText(reply, error));
    },
  };
}

/** A short, actionable reason: it is shown on the ticket in /console and logged. */
function cardFailure(err: unknown, channel: string): CopilotError {
  const code = slackErrorCode(err);
  const hint =
    code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived'
      ? ` Check SLACK_HANDOFF_CHANNEL (a channel id such as C0123456789) and invite the bot there (/invite @Copilot).`
      : '';
  const why = code ?? (err instanceof Error ? err.message : String(err));
  return new CopilotError(
    'slack:handoff_card',
    `Slack refused the handoff card in ${channel}: ${why}.${hint}`,
    {
      cause: err,
    },
  );
}
