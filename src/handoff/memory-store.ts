import type { HandoffStatus, HandoffTicket, NewHandoff, Transition } from '../domain/handoff.js';
import { notFound, TransitionalHandoffStore } from './store-base.js';
import { isActive, newTicket, type Step } from './transitions.js';

export interface InProcessHandoffStoreOptions {
  /** Most tickets kept (HANDOFF_MAX_TICKETS, default 5000): closed ones go first, oldest first. */
  maxTickets?: number;
  now?: () => number;
}

/**
 * In-process handoff tickets (no Redis). Each transition reads, steps and writes without an
 * await in between, so single-threaded JS makes it atomic; the Redis store uses compare-and-set.
 * Copies go in and out so callers can never mutate stored tickets. The store is bounded: past
 * `maxTickets`, resolved and cancelled tickets are evicted oldest first, and only when none is
 * left the oldest active one (a flood must not grow memory without end).
 */
export class InProcessHandoffStore extends TransitionalHandoffStore {
  private readonly tickets = new Map<string, HandoffTicket>();
  private readonly now: () => number;
  private readonly maxTickets: number;

  constructor(opts: InProcessHandoffStoreOptions = {}) {
    super();
    this.now = opts.now ?? Date.now;
    this.maxTickets = opts.maxTickets ?? 5000;
  }

  /** One active ticket per conversation: with one open already, that one is returned (atomically). */
  async open(input: NewHandoff): Promise<{ ticket: HandoffTicket; created: boolean }> {
    for (const t of this.tickets.values()) {
      if (t.conversationKey === input.conversationKey && isActive(t))
        return { ticket: structuredClone(t), created: false };
    }
    const ticket = newTicket(input, this.now());
    this.tickets.set(ticket.id, ticket);
    this.evict();
    return { ticket: structuredClone(ticket), created: true };
  }

  get size(): number {
    return this.tickets.size;
  }

  private evict(): void {
    if (this.tickets.size <= this.maxTickets) return;
    const byAge = (a: HandoffTicket, b: HandoffTicket) => a.updatedAt - b.updatedAt;
    const all = [...this.tickets.values()];
    const victims = [...all.filter((t) => !isActive(t)).sort(byAge), ...all.filter(isActive).sort(byAge)];
    for (const t of victims.slice(0, this.tickets.size - this.maxTickets)) this.tickets.delete(t.id);
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
