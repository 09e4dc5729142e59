import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ConversationService, Outcome } from '../../conversation/types.js';
import type { CopilotEvent } from '../../domain/copilot.js';
import { CopilotError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { CONVERSATION_ID, CONVERSATION_ID_RULE, newConversationId } from '../conversation-id.js';
import { clientAddressKey } from '../rate-limit.js';
import { formatSse, formatSseComment, openSse, writeSse } from '../sse.js';
import { jsonObject, parseBody, stringField } from '../validate.js';

export const MAX_MESSAGE_CHARS = 4000;
const HEARTBEAT_MS = 15_000;

const ChatBody = z.object(
  {
    message: z
      .string(stringField)
      .trim()
      .min(1, 'must not be empty')
      .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`),
    conversationId: z.string(stringField).regex(CONVERSATION_ID, CONVERSATION_ID_RULE).nullish(),
    space: z
      .string(stringField)
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be a space name: letters, digits, "_" or "-"')
      .nullish(),
  },
  jsonObject,
);

/**
 * POST /api/chat → text/event-stream. Each CopilotEvent becomes `event: <type>` with the rest of the
 * event as JSON data; `status` events are Slack's "working…" signal and are not sent.
 */
export function chatRoute(deps: {
  conversation: ConversationService;
  logger: Logger;
  heartbeatMs?: number;
}): RequestHandler {
  return async (req, res) => {
    const body = parseBody(ChatBody, req.body);
    const conversationId = body.conversationId ?? newConversationId();
    // A closed tab should stop the model (and its token bill), not just stop the writes.
    const abort = new AbortController();
    // Rate limit and space before the stream opens: a refusal is a plain status, not a 200 stream.
    const opened = await deps.conversation.open({
      conversation: { key: `web:${conversationId}`, id: conversationId, origin: { surface: 'web' } },
      message: body.message,
      space: { name: body.space, includePrivate: false },
      rateKey: clientAddressKey(req),
      signal: abort.signal,
    });
    if ('refused' in opened) throw refusedError(res, opened.refused);
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    openSse(res);
    const heartbeat = setInterval(
      () => writeSse(res, formatSseComment('ping')),
      deps.heartbeatMs ?? HEARTBEAT_MS,
    );
    const emit = (event: CopilotEvent) => {
      if (event.type === 'status' || abort.signal.aborted) return;
      const { type, ...data } = event;
      writeSse(res, formatSse(type, data));
    };
    try {
      await opened.turn.run(emit);
    } finally {
      clearInterval(heartbeat);
      if (!res.writableEnded) res.end();
    }
  };
}

/** A refusal as the HTTP error it is (429 with Retry-After, 400 for a space). */
export function refusedError(res: Parameters<RequestHandler>[1], refused: Outcome): CopilotError {
  const e = refused.error ?? { code: 'http:bad_request', message: 'The request was refused.' };
  if (e.retryAfterSeconds) res.setHeader('Retry-After', String(e.retryAfterSeconds));
  return new CopilotError(e.code, e.message, {
    status: e.status ?? 400,
    ...(e.hint ? { hint: e.hint } : {}),
  });
}
