import { escapeMrkdwn, oneLine, truncate } from '../text.js';

/** Slack user ids (U…, W… on Enterprise Grid). Anything else is a name typed in the web console. */
const SLACK_USER = /^[UW][A-Z0-9]+$/;

export function isSlackUserId(who: string | undefined): who is string {
  return typeof who === 'string' && SLACK_USER.test(who);
}

/**
 * A person in mrkdwn: a Slack mention for Slack users, the bold name for console agents (they
 * type a name, not an id) and web askers, so `<@alice>` never shows up as a broken mention.
 */
export function person(who: string | undefined, fallback = 'someone'): string {
  if (isSlackUserId(who)) return `<@${who}>`;
  const name = oneLine(who ?? '');
  return name ? `*${escapeMrkdwn(truncate(name, 64))}*` : fallback;
}
