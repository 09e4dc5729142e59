import { randomUUID } from 'node:crypto';
import {
  ACTIVE_STATUSES,
  type HandoffEvent,
  type HandoffMessage,
  type HandoffTicket,
  type NewHandoff,
  type Transition,
} from '../domain/handoff.js';

/**
 * The ticket state machine as pure functions: (current ticket, now) → next ticket or a conflict.
 * Both stores run the same steps; they differ only in how they make read-step-write atomic
 * (in-process: no await in between; Redis: compare-and-set on the stored JSON, retried).
 */
export type Step = (ticket: HandoffTicket, now: number) => Transition;

export function newTicket(input: NewHandoff, at: number): HandoffTicket {
  return {
    id: `h_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    ...input,
    sources: input.sources ?? [],
    status: 'open',
    createdAt: at,
    updatedAt: at,
    messages: [],
    history: [{ at, actor: input.asker ?? 'copilot', action: 'created', note: input.reason }],
  };
}

export const isActive = (t: HandoffTicket): boolean => ACTIVE_STATUSES.includes(t.status);

function next(t: HandoffTicket, now: number, event: Omit<HandoffEvent, 'at'>, patch: Partial<HandoffTicket>) {
  const ticket: HandoffTicket = {
    ...t,
    ...patch,
    updatedAt: now,
    history: [...t.history, { at: now, ...event }],
  };
  return { ok: true as const, ticket };
}

function conflict(ticket: HandoffTicket, message: string): Transition {
  return { ok: false, code: 'conflict', message, ticket };
}

function closed(t: HandoffTicket): Transition {
  return conflict(t, `This ticket is already ${t.status}${t.assignee ? ` (by ${t.assignee})` : ''}.`);
}

export const claim =
  (agent: string): Step =>
  (t, now) => {
    if (!isActive(t)) return closed(t);
    if (t.status === 'claimed') {
      // Claiming twice is harmless for the owner (double click); anyone else is told who has it.
      return t.assignee === agent
        ? { ok: true, ticket: t }
        : conflict(t, `${t.assignee} has already claimed this.`);
    }
    return next(t, now, { actor: agent, action: 'claimed' }, { status: 'claimed', assignee: agent });
  };

export const reply =
  (agent: string, text: string, ts?: string, via?: 'slack'): Step =>
  (t, now) => {
    if (!isActive(t)) return closed(t);
    if (t.status === 'claimed' && t.assignee !== agent)
      return conflict(t, `${t.assignee} is answering this.`);
    const message: HandoffMessage = {
      role: 'agent',
      by: agent,
      text,
      at: now,
      ...(ts ? { ts } : {}),
      ...(via ? { via } : {}),
    };
    // Replying to an open ticket claims it: whoever answers owns the follow-ups.
    return next(
      t,
      now,
      { actor: agent, action: 'replied' },
      { status: 'claimed', assignee: agent, messages: [...(t.messages ?? []), message] },
    );
  };

export const resolve =
  (agent: string): Step =>
  (t, now) => {
    if (t.status === 'resolved') return { ok: true, ticket: t };
    if (!isActive(t)) return closed(t);
    return next(t, now, { actor: agent, action: 'resolved' }, { status: 'resolved' });
  };

export const cancel =
  (actor: string, note?: string): Step =>
  (t, now) => {
    if (!isActive(t)) return closed(t);
    return next(t, now, { actor, action: 'cancelled', ...(note ? { note } : {}) }, { status: 'cancelled' });
  };

export const forwarded =
  (message: Omit<HandoffMessage, 'role' | 'at'>): Step =>
  (t, now) => {
    if (!isActive(t)) return closed(t);
    const m: HandoffMessage = { ...message, role: 'asker', at: now };
    return next(t, now, { actor: message.by, action: 'forwarded' }, { messages: [...(t.messages ?? []), m] });
  };

export const cardPosted =
  (card: { channel: string; ts: string }): Step =>
  (t, now) => {
    const { cardError: _cleared, ...rest } = t;
    return next(
      rest,
      now,
      { actor: 'copilot', action: 'card_posted', note: `${card.channel} ${card.ts}` },
      { card },
    );
  };

export const cardFailed =
  (error: string): Step =>
  (t, now) =>
    next(t, now, { actor: 'copilot', action: 'card_failed', note: error }, { cardError: error });

/** CAS on cardAttemptAt: the caller read `expected`; if another replica moved it, it is theirs. */
export const cardRetry =
  (at: number, expected: number | undefined): Step =>
  (t, now) => {
    if (t.cardAttemptAt !== expected) return conflict(t, 'Another replica is retrying this card.');
    if (t.card || !t.cardError || !isActive(t)) return conflict(t, 'Nothing to retry.');
    return next(t, now, { actor: 'copilot', action: 'card_retry' }, { cardAttemptAt: at });
  };

export const reminded =
  (at: number, expected: number | undefined): Step =>
  (t, now) => {
    if (t.lastRemindedAt !== expected) return conflict(t, 'Another replica reminded first.');
    if (t.status !== 'open') return conflict(t, 'Only unclaimed tickets are reminded.');
    return next(t, now, { actor: 'copilot', action: 'reminded' }, { lastRemindedAt: at });
  };

export const answerSaved =
  (agent: string, file: string): Step =>
  (t, now) =>
    next(t, now, { actor: agent, action: 'answer_saved', note: file }, { savedAnswer: file });

export const note =
  (event: Omit<HandoffEvent, 'at'>): Step =>
  (t, now) =>
    next(t, now, event, {});

export const relayFailed =
  (error: string): Step =>
  (t, now) =>
    next(t, now, { actor: 'copilot', action: 'relay_failed', note: error }, { relayError: error });

export const relayed = (): Step => (t, now) => {
  if (t.relayError === undefined) return { ok: true, ticket: t };
  const { relayError: _cleared, ...rest } = t;
  return next(rest, now, { actor: 'copilot', action: 'relayed' }, {});
};
