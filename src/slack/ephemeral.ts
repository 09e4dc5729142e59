import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { errorSummary } from './slack-errors.js';
import { stripPings } from './text.js';

/** A short private note to one user (thanks, refusals, "that failed, try again"). Never throws. */
export async function tellUser(
  client: webApi.WebClient,
  logger: Logger,
  to: { channel: string | undefined; user: string; threadTs?: string | undefined },
  text: string,
): Promise<void> {
  if (!to.channel) return;
  try {
    await client.chat.postEphemeral({
      channel: to.channel,
      user: to.user,
      text: stripPings(text),
      ...(to.threadTs ? { thread_ts: to.threadTs } : {}),
    });
  } catch (err) {
    logger.warn({ err: errorSummary(err) }, 'ephemeral message failed');
  }
}
