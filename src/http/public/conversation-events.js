/**
 * Listens for what teammates do in this conversation (GET /api/conversations/:id/events): their
 * replies and the ticket's state. EventSource reconnects by itself and sends the last event id,
 * so the server replays replies missed meanwhile; replies are deduplicated here in case one
 * arrives both live and replayed.
 *
 * @param {string} conversationId
 * @param {{
 *   onReply: (reply: { handoffId: string, text: string, by: string, at: number }) => void,
 *   onStatus: (change: { handoffId: string, status: string, assignee?: string }) => void,
 * }} handlers
 */
export function watchConversation(conversationId, handlers) {
  const source = new EventSource(`/api/conversations/${encodeURIComponent(conversationId)}/events`);
  const seen = new Set();
  /** @param {MessageEvent} e */
  const parse = (e) => {
    try {
      return JSON.parse(e.data);
    } catch {
      return null;
    }
  };
  source.addEventListener('reply', (e) => {
    const data = parse(/** @type {MessageEvent} */ (e));
    if (!data || typeof data.text !== 'string') return;
    const key = `${data.handoffId}:${data.at}`;
    if (seen.has(key)) return;
    seen.add(key);
    handlers.onReply(data);
  });
  source.addEventListener('handoff', (e) => {
    const data = parse(/** @type {MessageEvent} */ (e));
    if (data && typeof data.status === 'string') handlers.onStatus(data);
  });
  return {
    conversationId,
    close: () => source.close(),
  };
}
