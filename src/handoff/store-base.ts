import type {
  HandoffEvent,
  HandoffMessage,
  HandoffStatus,
  HandoffStore,
  HandoffTicket,
  NewHandoff,
  Transition,
} from '../domain/handoff.js';
import * as T from './transitions.js';

/**
 * The transitions every HandoffStore offers, expressed once: each is a pure step from
 * transitions.ts handed to `apply`, which the concrete store makes atomic.
 */
export abstract class TransitionalHandoffStore implements HandoffStore {
  abstract open(input: NewHandoff): Promise<{ ticket: HandoffTicket; created: boolean }>;
  abstract get(id: string): Promise<HandoffTicket | null>;
  abstract list(filter?: { status?: HandoffStatus[] }): Promise<HandoffTicket[]>;
  abstract listFor(conversationKey: string): Promise<HandoffTicket[]>;
  abstract byCard(channel: string, ts: string): Promise<HandoffTicket | null>;
  /** Reads the ticket, runs the step and stores its result, atomically with respect to other replicas. */
  protected abstract apply(id: string, step: T.Step): Promise<Transition>;

  async create(input: NewHandoff): Promise<HandoffTicket> {
    return (await this.open(input)).ticket;
  }

  async activeFor(conversationKey: string): Promise<HandoffTicket | null> {
    return (await this.listFor(conversationKey)).find(T.isActive) ?? null;
  }

  claim(id: string, agent: string) {
    return this.apply(id, T.claim(agent));
  }
  reply(id: string, agent: string, text: string, ts?: string, via?: 'slack') {
    return this.apply(id, T.reply(agent, text, ts, via));
  }
  resolve(id: string, agent: string) {
    return this.apply(id, T.resolve(agent));
  }
  cancel(id: string, actor: string, note?: string) {
    return this.apply(id, T.cancel(actor, note));
  }
  forwarded(id: string, message: Omit<HandoffMessage, 'role' | 'at'>) {
    return this.apply(id, T.forwarded(message));
  }
  markCardPosted(id: string, card: { channel: string; ts: string }) {
    return this.apply(id, T.cardPosted(card));
  }
  markCardFailed(id: string, error: string) {
    return this.apply(id, T.cardFailed(error));
  }
  markCardRetry(id: string, at: number, expected: number | undefined) {
    return this.apply(id, T.cardRetry(at, expected));
  }
  markReminded(id: string, at: number, expected: number | undefined) {
    return this.apply(id, T.reminded(at, expected));
  }
  markAnswerSaved(id: string, agent: string, file: string) {
    return this.apply(id, T.answerSaved(agent, file));
  }
  markRelayFailed(id: string, error: string) {
    return this.apply(id, T.relayFailed(error));
  }
  markRelayed(id: string) {
    return this.apply(id, T.relayed());
  }
  note(id: string, event: Omit<HandoffEvent, 'at'>) {
    return this.apply(id, T.note(event));
  }
}

export function notFound(id: string): Transition {
  return { ok: false, code: 'not_found', message: `No handoff ticket ${id}.` };
}
