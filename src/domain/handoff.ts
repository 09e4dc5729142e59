import type { SourceRef } from './answers.js';

/** State machine: open → claimed → resolved, or open|claimed → cancelled. */
export type HandoffStatus = 'open' | 'claimed' | 'resolved' | 'cancelled';

export const ACTIVE_STATUSES: readonly HandoffStatus[] = ['open', 'claimed'];

export type HandoffReason =
  | 'escalate' // nothing relevant enough in the knowledge
  | 'no_answer' // the model said NO_ANSWER
  | 'failure' // model or retrieval failure
  | 'asked' // the user clicked "ask a human" / copilot_ask_human
  | 'requested' // the user asked for a human in words
  | 'safety'; // the question tripped the content safety check (SAFETY_ON_QUESTION=handoff)

export interface HandoffOrigin {
  surface: 'slack' | 'web' | 'cli';
  team?: string;
  channel?: string;
  threadTs?: string;
  /** Permalink to the asker's thread, when known. */
  link?: string;
}

export interface HandoffEvent {
  at: number;
  actor: string;
  action:
    | 'created'
    | 'claimed'
    | 'replied'
    | 'resolved'
    | 'cancelled'
    | 'reminded'
    | 'card_posted'
    | 'card_failed'
    | 'card_retry'
    | 'forwarded'
    | 'relay_failed'
    | 'relayed'
    | 'answer_saved'
    | 'save_failed';
  note?: string;
}

/** One message of the ticket's conversation: the asker's follow-ups and the teammates' replies. */
export interface HandoffMessage {
  role: 'asker' | 'agent';
  by: string;
  text: string;
  at: number;
  /** Slack ts of the message, when it came from (or went to) Slack: dedup of relays. */
  ts?: string;
  /**
   * 'slack' when a Slack user typed it in Slack (card thread, reply modal). Anything else (console,
   * web) is foreign text: Slack surfaces neutralize its markup before posting it.
   */
  via?: 'slack';
}

export interface HandoffTicket {
  id: string;
  space: string;
  conversationKey: string;
  conversationId: string;
  origin: HandoffOrigin;
  asker?: string;
  question: string;
  draftAnswer?: string;
  sources: SourceRef[];
  answerId?: string;
  reason: HandoffReason;
  status: HandoffStatus;
  assignee?: string;
  /** Where the support card lives (Slack channel + ts), once posted. */
  card?: { channel: string; ts: string };
  /** Why the last card post failed; cleared once a card is posted. The sweep retries meanwhile. */
  cardError?: string;
  /** When the last card post was attempted (CAS field of the retry sweep). */
  cardAttemptAt?: number;
  createdAt: number;
  updatedAt: number;
  lastRemindedAt?: number;
  /** Replies and the asker's forwarded follow-ups, oldest first. Absent on tickets from older code. */
  messages?: HandoffMessage[];
  /** Why the last reply could not be delivered to the asker (after retries); cleared by a delivered one. */
  relayError?: string;
  /** The knowledge file the reply was saved to (relative to KNOWLEDGE_DIR). */
  savedAnswer?: string;
  history: HandoffEvent[];
}

/** What a new ticket is made from: the ticket's own fields, sources optional. */
export type NewHandoff = Pick<
  HandoffTicket,
  | 'space'
  | 'conversationKey'
  | 'conversationId'
  | 'origin'
  | 'asker'
  | 'question'
  | 'draftAnswer'
  | 'answerId'
  | 'reason'
> & { sources?: SourceRef[] };

/**
 * What the answer pipeline and the surfaces need from the handoff module. The full module
 * (store with atomic transitions, cards, relay, reminders, save-to-knowledge) implements it.
 */
export interface HandoffPort {
  create(input: NewHandoff): Promise<HandoffTicket>;
  /** The open or claimed ticket of a conversation, if any (the bot stays silent meanwhile). */
  activeFor(conversationKey: string): Promise<HandoffTicket | null>;
  get(id: string): Promise<HandoffTicket | null>;
  list(filter?: { status?: HandoffStatus[] }): Promise<HandoffTicket[]>;
}

/** Outcome of a state change. `conflict` carries the current ticket (e.g. who claimed it). */
export type Transition =
  | { ok: true; ticket: HandoffTicket }
  | { ok: false; code: 'not_found'; message: string }
  | { ok: false; code: 'conflict'; message: string; ticket: HandoffTicket };

/**
 * Persistence with atomic transitions: each method is a compare-and-set on the whole
 * ticket, so two replicas can never both claim, and every change appends to `history`.
 */
export interface HandoffStore extends HandoffPort {
  /**
   * Opens a ticket unless the conversation has an active one, atomically (across replicas with
   * Redis): `created` says which. `create` is the same, without saying.
   */
  open(input: NewHandoff): Promise<{ ticket: HandoffTicket; created: boolean }>;
  /** Every ticket of a conversation, newest first (replay of replies to a reconnecting page). */
  listFor(conversationKey: string): Promise<HandoffTicket[]>;
  /** The ticket whose support card is this message (a reply typed in the card's thread). */
  byCard(channel: string, ts: string): Promise<HandoffTicket | null>;
  /** open → claimed. Conflict when someone else has it (the ticket names them) or it is closed. */
  claim(id: string, agent: string): Promise<Transition>;
  /** Adds an agent reply; an open ticket is claimed by the replier. Conflict when another agent has it. */
  reply(id: string, agent: string, text: string, ts?: string, via?: 'slack'): Promise<Transition>;
  /** open|claimed → resolved. */
  resolve(id: string, agent: string): Promise<Transition>;
  /** open|claimed → cancelled. */
  cancel(id: string, actor: string, note?: string): Promise<Transition>;
  /** Adds the asker's follow-up message (sent while the ticket is active). */
  forwarded(id: string, message: Omit<HandoffMessage, 'role' | 'at'>): Promise<Transition>;
  markCardPosted(id: string, card: { channel: string; ts: string }): Promise<Transition>;
  markCardFailed(id: string, error: string): Promise<Transition>;
  /** CAS on `cardAttemptAt`: only one replica retries a failed card post per interval. */
  markCardRetry(id: string, at: number, expected: number | undefined): Promise<Transition>;
  /** CAS on `lastRemindedAt`: only one replica re-announces a ticket per interval. */
  markReminded(id: string, at: number, expected: number | undefined): Promise<Transition>;
  markAnswerSaved(id: string, agent: string, file: string): Promise<Transition>;
  /** A reply could not be delivered to the asker after every retry (`relayError`, history). */
  markRelayFailed(id: string, error: string): Promise<Transition>;
  /** A reply reached the asker: clears `relayError` (no change when there is none). */
  markRelayed(id: string): Promise<Transition>;
  /** Appends a history entry without changing state (relay or save failures). */
  note(id: string, event: Omit<HandoffEvent, 'at'>): Promise<Transition>;
}
