import { notFound, TransitionalHandoffStore } from './store-base.js';
import { newTicket, type Step } from './transitions.js';
import type { HandoffStatus, HandoffTicket, NewHandoff, Transition } from './types.js';

/**
 * In-process handoff tickets (no Redis). Each transition reads, steps and writes without an
 * await in between, so single-threaded JS makes it atomic; the Redis store uses compare-and-set.
 * Copies go in and out so callers can never mutate stored tickets.
 */
export class InProcessHandoffStore extends TransitionalHandoffStore {
  private readonly tickets = new Map<string, HandoffTicket>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  async create(input: NewHandoff): Promise<HandoffTicket> {
    const ticket = newTicket(input, this.now());
    this.tickets.set(ticket.id, ticket);
    return structuredClone(ticket);
  }

  async get(id: string): Promise<HandoffTicket | null> {
    const t = this.tickets.get(id);
    return t ? structuredClone(t) : null;
  }

  async list(filter: { status?: HandoffStatus[] } = {}): Promise<HandoffTicket[]> {
    return newestFirst(
      [...this.tickets.values()].filter((t) => !filter.status || filter.status.includes(t.status)),
    );
  }

  async listFor(conversationKey: string): Promise<HandoffTicket[]> {
    return newestFirst([...this.tickets.values()].filter((t) => t.conversationKey === conversationKey));
  }

  async byCard(channel: string, ts: string): Promise<HandoffTicket | null> {
    for (const t of this.tickets.values()) {
      if (t.card?.channel === channel && t.card.ts === ts) return structuredClone(t);
    }
    return null;
  }

  protected async apply(id: string, step: Step): Promise<Transition> {
    const current = this.tickets.get(id);
    if (!current) return notFound(id);
    const result = step(structuredClone(current), this.now());
    if (result.ok) this.tickets.set(id, structuredClone(result.ticket));
    return result;
  }
}

function newestFirst(tickets: HandoffTicket[]): HandoffTicket[] {
  return tickets.sort((a, b) => b.createdAt - a.createdAt).map((t) => structuredClone(t));
}
