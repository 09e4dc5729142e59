import { randomBytes } from 'node:crypto';

/**
 * A web conversation id is a bearer capability: whoever holds it can read the teammates' replies
 * on `/api/conversations/:id/events`. Server-issued ids carry 128 random bits; an id chosen by a
 * client is accepted only when it is long enough to be as hard to guess (22–64 characters of
 * base64url, what `newConversationId` makes).
 */
export const MIN_CONVERSATION_ID_CHARS = 22;
export const CONVERSATION_ID = /^[A-Za-z0-9_-]{22,64}$/;
export const CONVERSATION_ID_RULE = `must be ${MIN_CONVERSATION_ID_CHARS}-64 characters: letters, digits, "_" or "-" (an id from the server, or 128 random bits)`;

export function newConversationId(): string {
  return randomBytes(16).toString('base64url');
}
