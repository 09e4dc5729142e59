import type { RequestHandler } from 'express';
import { CopilotError } from '../../errors.js';
import type { ConversationEvent, ConversationEventBus } from '../../handoff/events.js';
import { CONVERSATION_ID, CONVERSATION_ID_RULE } from '../conversation-id.js';
import { formatSse, formatSseComment, openSse, writeSse } from '../sse.js';

export interface ConversationEventsDeps {
  bus: ConversationEventBus;
  /**
   * Events after `sinceMs` (a reconnecting EventSource sends the last id it saw as Last-Event-ID),
   * so a reply made while the connection was down is not lost.
   */
  replaySince?: (conversationKey: string, sinceMs: number) => Promise<ConversationEvent[]>;
  heartbeatMs?: number;
}

/** The SSE `id:` of an event: its time, which is what Last-Event-ID brings back. */
function eventId(e: ConversationEvent): number | null {
  return e.type === 'reply' ? e.at : null;
}

function frame(e: ConversationEvent): string {
  const { type, ...data } = e;
  const id = eventId(e);
  return `${id !== null ? `id: ${id}\n` : ''}${formatSse(type, data)}`;
}

/**
 * GET /api/conversations/:id/events → text/event-stream of `reply` {handoffId, text, by, at} and
 * `handoff` {handoffId, status, assignee?} for the web conversation `id`. The conversation id is
 * the capability (128 random bits the page got in `meta`), as it is for POST /api/chat.
 */
export function conversationEventsRoute(deps: ConversationEventsDeps): RequestHandler {
  return async (req, res) => {
    const id = String(req.params.id ?? '');
    if (!CONVERSATION_ID.test(id)) {
      throw new CopilotError('http:bad_request', `conversation id ${CONVERSATION_ID_RULE}.`, {
        status: 400,
      });
    }
    const key = `web:${id}`;
    openSse(res);
    // Subscribe before replaying: an event in between may come twice (the page dedupes), never zero times.
    const off = deps.bus.subscribe(key, (e) => writeSse(res, frame(e)));
    const heartbeat = setInterval(() => writeSse(res, formatSseComment('ping')), deps.heartbeatMs ?? 15_000);
    res.on('close', () => {
      off();
      clearInterval(heartbeat);
    });
    writeSse(res, formatSseComment('listening'));
    const since = Number(req.get('last-event-id'));
    if (deps.replaySince && Number.isFinite(since) && since > 0) {
      for (const e of await deps.replaySince(key, since).catch(() => [])) writeSse(res, frame(e));
    }
  };
}
