import type { AnswerRecord, SourceRef } from './answers.js';
import type { HandoffOrigin, HandoffReason, NewHandoff } from './handoff.js';

/** Where a ticket's asker is: the conversation, its space and the surface it came from. */
export interface TicketPlace {
  space: string;
  conversationKey: string;
  conversationId: string;
  origin: HandoffOrigin;
  asker?: string;
}

/** What the teammate is asked: the question, and what the bot had so far. */
export interface TicketAbout {
  question: string;
  draftAnswer?: string;
  sources?: SourceRef[];
  answerId?: string;
}

/**
 * The one builder of handoff tickets (the pipeline's escalations and every "Ask a human", from
 * Slack, the web and the CLI). Pure.
 */
export function buildTicket(place: TicketPlace, about: TicketAbout, reason: HandoffReason): NewHandoff {
  const draft = about.draftAnswer?.trim();
  return {
    space: place.space,
    conversationKey: place.conversationKey,
    conversationId: place.conversationId,
    origin: place.origin,
    ...(place.asker ? { asker: place.asker } : {}),
    question: about.question,
    ...(draft ? { draftAnswer: about.draftAnswer as string } : {}),
    sources: about.sources ?? [],
    ...(about.answerId ? { answerId: about.answerId } : {}),
    reason,
  };
}

/**
 * What an "Ask a human" about an earlier answer tells the teammate: the standalone question (it
 * reads without the thread), the answer as a draft only when it was an answer (not a clarifying
 * question, not a "could not find it"), its sources and id. Without a record: the typed question.
 */
export function aboutAnswer(record: AnswerRecord | null, typed: string | undefined): TicketAbout | null {
  const question = record?.standaloneQuestion || record?.question || typed?.trim();
  if (!question) return null;
  if (!record) return { question };
  return {
    question,
    ...(record.decision === 'answer' && record.answer ? { draftAnswer: record.answer } : {}),
    sources: record.sources,
    answerId: record.id,
  };
}
