import type { HandoffPort, HandoffStatus, HandoffTicket, NewHandoff } from '../../src/domain/handoff.js';

/**
 * A minimal HandoffPort for the Slack tests (the handoff module's real store replaces it later).
 * Tickets are kept in `tickets` so tests can look and `setStatus` can move them along.
 */
export class InMemoryHandoffs implements HandoffPort {
  readonly tickets: HandoffTicket[] = [];

  async create(input: NewHandoff): Promise<HandoffTicket> {
    const at = Date.now();
    const ticket: HandoffTicket = {
      ...input,
      id: `h_${this.tickets.length + 1}`,
      sources: input.sources ?? [],
      status: 'open',
      createdAt: at,
      updatedAt: at,
      history: [{ at, actor: input.asker ?? 'copilot', action: 'created', note: input.reason }],
    };
    this.tickets.push(ticket);
    return structuredClone(ticket);
  }

  async activeFor(conversationKey: string): Promise<HandoffTicket | null> {
    const t = this.tickets.find(
      (x) => x.conversationKey === conversationKey && (x.status === 'open' || x.status === 'claimed'),
    );
    return t ? structuredClone(t) : null;
  }

  async get(id: string): Promise<HandoffTicket | null> {
    const t = this.tickets.find((x) => x.id === id);
    return t ? structuredClone(t) : null;
  }

  async list(filter: { status?: HandoffStatus[] } = {}): Promise<HandoffTicket[]> {
    return this.tickets
      .filter((t) => !filter.status || filter.status.includes(t.status))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((t) => structuredClone(t));
  }

  setStatus(id: string, status: HandoffStatus): void {
    const t = this.tickets.find((x) => x.id === id);
    if (t) t.status = status;
  }
}
