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
  /** Open streams one client (address, as for rate limits) may hold on this process (default 6). */
  maxStreamsPerClient?: number;
  /** A stream is closed after this long (default 30 min); EventSource reconnects with Last-Event-ID. */
  maxLifetimeMs?: number;
}

const tooManyStreams = () =>
  new CopilotError('http:too_many_streams', 'Too many open conversation streams from this address.', {
    status: 429,
    hint: 'Close other chat tabs, then reload this page.',
  });

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
  const maxStreams = deps.maxStreamsPerClient ?? 6;
  const lifetimeMs = deps.maxLifetimeMs ?? 30 * 60_000;
  // Open streams per client address on this process. An entry exists only while its count is > 0,
  // so the map is bounded by the clients connected right now.
  const open = new Map<string, number>();
  return async (req, res) => {
    const id = String(req.params.id ?? '');
    if (!CONVERSATION_ID.test(id)) {
      throw new CopilotError('http:bad_request', `conversation id ${CONVERSATION_ID_RULE}.`, {
        status: 400,
      });
    }
    const key = `web:${id}`;
    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const held = open.get(client) ?? 0;
    if (held >= maxStreams) {
      res.setHeader('Retry-After', '60');
      throw tooManyStreams();
    }
    open.set(client, held + 1);
    openSse(res);
    // Subscribe before replaying: an event in between may come twice (the page dedupes), never zero times.
    const off = deps.bus.subscribe(key, (e) => writeSse(res, frame(e)));
    const heartbeat = setInterval(() => writeSse(res, formatSseComment('ping')), deps.heartbeatMs ?? 15_000);
    // A stream never outlives its lifetime: the page's EventSource reconnects (and replays what it
    // missed), while a forgotten or hostile connection gives its slot back.
    const expiry = setTimeout(() => {
      writeSse(res, formatSseComment('lifetime reached, reconnect'));
      res.end();
    }, lifetimeMs);
    res.on('close', () => {
      off();
      clearInterval(heartbeat);
      clearTimeout(expiry);
      const n = (open.get(client) ?? 1) - 1;
      if (n > 0) open.set(client, n);
      else open.delete(client);
    });
    writeSse(res, formatSseComment('listening'));
    const since = Number(req.get('last-event-id'));
    if (deps.replaySince && Number.isFinite(since) && since > 0) {
      for (const e of await deps.replaySince(key, since).catch(() => [])) writeSse(res, frame(e));
    }
  };
}
