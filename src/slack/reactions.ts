import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { errorSummary, slackErrorCode } from './slack-errors.js';

/** The "working" signal: 👀 on the asker's message while the copilot retrieves and writes. */
export const WORKING_REACTION = 'eyes';

/** Adds or removes 👀; a missing scope or a vanished message must never stop an answer. */
export async function setWorking(
  client: webApi.WebClient,
  logger: Logger,
  where: { channel: string; ts: string },
  on: boolean,
): Promise<boolean> {
  const args = { channel: where.channel, timestamp: where.ts, name: WORKING_REACTION };
  try {
    if (on) await client.reactions.add(args);
    else await client.reactions.remove(args);
    return true;
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === 'already_reacted') return true;
    if (code !== 'no_reaction') logger.debug({ err: errorSummary(err) }, 'working reaction failed');
    return false;
  }
}

/** 📤 on an asker's message that went to the teammates instead of being answered. */
export const FORWARDED_REACTION = 'outbox_tray';

/** Marks a message passed on to a handoff: the asker sees it was not ignored, without a reply. */
export async function markForwarded(
  client: webApi.WebClient,
  logger: Logger,
  where: { channel: string; ts: string },
): Promise<void> {
  try {
    await client.reactions.add({ channel: where.channel, timestamp: where.ts, name: FORWARDED_REACTION });
  } catch (err) {
    logger.debug({ err: errorSummary(err) }, 'forwarded reaction failed');
  }
}
