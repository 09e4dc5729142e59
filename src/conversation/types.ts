import type { Decision, SourceRef, Usage } from '../domain/answers.js';
import type { ClarifyOption, CopilotEvent } from '../domain/copilot.js';
import type { HandoffOrigin, HandoffTicket } from '../domain/handoff.js';

/**
 * What one message came to, whatever the surface:
 * - `answer`: an answer (from the model, the cache or a saved human answer), or a notice standing
 *   in for one (withheld, refused by the content check);
 * - `clarify`: "which one do you mean?", with `clarify` options;
 * - `escalate`: handed to a teammate: a new ticket, a failed attempt at one (`ticket.id` null), or
 *   the message passed to the ticket already open (`ticket.forwarded`);
 * - `refused`: not answered before anything ran: over the rate limit, or no usable space;
 * - `error`: the answer failed in a way the asker is told (`error`), e.g. a question too long.
 */
export type OutcomeKind = 'answer' | 'clarify' | 'escalate' | 'refused' | 'error';

export interface Outcome {
  kind: OutcomeKind;
  /** Null when refused: nothing ran, no answer id was given. */
  answerId: string | null;
  /** The answer as kept (citations mapped, a withheld answer replaced by its notice). */
  text: string;
  /** Everything the asker was shown, as streamed (tokens after the ping filter). */
  streamed: string;
  sources: SourceRef[];
  decision: Decision;
  ticket?: { id: string | null; reason: string; forwarded?: boolean };
  clarify?: ClarifyOption[];
  /** `error` and `refused`: the code and a message fit for the asker (never a stack). */
  error?: { code: string; message: string; hint?: string; status?: number; retryAfterSeconds?: number };
  cached: boolean;
  usage: Usage | null;
}

/** Which conversation a message belongs to, as the surface knows it. */
export interface ConversationRef {
  /** Memory key: Slack `team:channel:thread_ts`, web `web:<id>`, CLI `cli:<id>`. */
  key: string;
  /** Echoed in `meta` events (web conversation id, Slack `channel:thread_ts`). */
  id: string;
  /** Where the asker is, for handoff tickets (Slack channel and thread, web, CLI). */
  origin: HandoffOrigin;
  /** The asker, when the surface knows them (Slack user id). */
  user?: string;
}

/**
 * Which knowledge space: Slack maps a channel (spaces.json), the web and the CLI name one (or
 * leave it out for the default). The web sees public spaces only.
 */
export type SpaceRequest =
  | { channel: { team: string; channel: string } }
  | { name: string | null | undefined; includePrivate: boolean };

export interface MessageRequest {
  conversation: ConversationRef;
  message: string;
  space: SpaceRequest;
  /** The rate-limit bucket (web: client address, Slack: team and user); null → not limited. */
  rateKey: string | null;
  /** Slack ts of the message: relays to an open ticket are deduplicated on it. */
  ts?: string;
  signal?: AbortSignal;
}

/** A message that passed the rate limit and the space check, ready to be answered or forwarded. */
export interface Turn {
  space: string;
  /** The ticket already open in this conversation: `run` forwards the message to it instead. */
  activeTicket: HandoffTicket | null;
  /** Answers (or forwards) the message, delivering events (tokens…) as they happen. Never throws. */
  run(onEvent?: (e: CopilotEvent) => void): Promise<Outcome>;
}

/** "Ask a human" about a conversation, optionally about one of its answers. */
export interface HumanRequest {
  conversation: ConversationRef;
  /** The answer the asker wants a teammate for; counts only if it belongs to this conversation. */
  answerId?: string | null;
  /** The question when there is no answer to go by. */
  question?: string | null;
  /** The space when there is no answer to go by. */
  space: SpaceRequest;
  /** A link to the asker's thread for the support card, asked for only when a ticket is opened. */
  link?: () => Promise<string | undefined>;
}

export type HumanOutcome =
  | { kind: 'opened' | 'existing'; ticket: HandoffTicket }
  | { kind: 'refused'; error: NonNullable<Outcome['error']> };

/**
 * The one place a message becomes an outcome: rate limit → space → handoff gate → pipeline, and
 * every handoff ticket. Slack, HTTP and the CLI only carry messages in and render outcomes.
 */
export interface ConversationService {
  /** Rate limit, then space: a refusal, or a turn to run (the gate has been looked up). */
  open(req: MessageRequest): Promise<{ refused: Outcome } | { turn: Turn }>;
  /** `open` and `run` in one: the outcome of one message. Never throws. */
  ask(req: MessageRequest, onEvent?: (e: CopilotEvent) => void): Promise<Outcome>;
  /** Opens a ticket (or finds the open one) for "Ask a human". */
  askHuman(req: HumanRequest): Promise<HumanOutcome>;
}
