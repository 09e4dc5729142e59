import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Copilot, CopilotEvent } from '../../domain/copilot.js';
import { CopilotError, userMessage } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { CONVERSATION_ID, CONVERSATION_ID_RULE, newConversationId } from '../conversation-id.js';
import { requestLogger } from '../request-context.js';
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
 * Picks the space before the stream opens, so an unknown space is a plain 400 rather than an
 * error event inside a 200 stream. Unknown names are not listed back: some spaces are private.
 */
async function resolveSpace(copilot: Copilot, requested: string | null | undefined): Promise<string> {
  // Private spaces are only reachable from Slack channels mapped to them: unknown to the web.
  const names = (await copilot.status()).spaces.filter((s) => s.public).map((s) => s.name);
  if (requested) {
    const match =
      names.find((n) => n === requested) ?? names.find((n) => n.toLowerCase() === requested.toLowerCase());
    if (match) return match;
    throw new CopilotError('space:unknown', `space "${requested}" is not a known space.`, {
      status: 400,
      hint: 'Leave it out to use the default space.',
    });
  }
  if (names.includes('default') || names.length === 0) return 'default';
  if (names.length === 1) return names[0] as string;
  throw new CopilotError('http:bad_request', 'space is required: this copilot serves several spaces.', {
    status: 400,
  });
}

/**
 * POST /api/chat → text/event-stream. Each CopilotEvent becomes `event: <type>` with the rest of the
 * event as JSON data; `status` events are Slack's "working…" signal and are not sent.
 */
export function chatRoute(deps: { copilot: Copilot; logger: Logger; heartbeatMs?: number }): RequestHandler {
  return async (req, res) => {
    const body = parseBody(ChatBody, req.body);
    const space = await resolveSpace(deps.copilot, body.space);
    const conversationId = body.conversationId ?? newConversationId();
    const log = requestLogger(res, deps.logger);

    // A closed tab should stop the model (and its token bill), not just stop the writes.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    openSse(res);
    const heartbeat = setInterval(
      () => writeSse(res, formatSseComment('ping')),
      deps.heartbeatMs ?? HEARTBEAT_MS,
    );
    let ended = false;
    const emit = (event: CopilotEvent) => {
      if (event.type === 'status' || abort.signal.aborted) return;
      const { type, ...data } = event;
      writeSse(res, formatSse(type, data));
      if (type === 'error') ended = true;
    };

    try {
      await deps.copilot.ask(
        {
          message: body.message,
          conversationId,
          conversationKey: `web:${conversationId}`,
          space,
          origin: { surface: 'web' },
          signal: abort.signal,
        },
        emit,
      );
    } catch (err) {
      // ask() promises not to throw for user-facing failures, so this is a bug or an outage:
      // log the cause, give the user a short message and a way forward.
      if (!abort.signal.aborted) log.error({ err }, 'copilot.ask threw');
      if (!ended) {
        const code = err instanceof CopilotError ? err.code : 'copilot:failed';
        const message =
          err instanceof CopilotError
            ? userMessage(err)
            : 'Something went wrong on our side. You can ask a human.';
        writeSse(res, formatSse('error', { code, message }));
      }
    } finally {
      clearInterval(heartbeat);
      if (!res.writableEnded) res.end();
    }
  };
}
