import { rateLimitedMessage } from '../copilot/rate-limit.js';
import { newAnswerId } from '../copilot/record.js';
import type { AnswerRecord, AnswerStore } from '../domain/answers.js';
import type { Copilot, CopilotEvent } from '../domain/copilot.js';
import type { HandoffPort, HandoffTicket } from '../domain/handoff.js';
import type { RateLimiter } from '../domain/rate-limit.js';
import { aboutAnswer, buildTicket } from '../domain/ticket.js';
import { CopilotError, userMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { detectLanguage } from '../text/language.js';
import { createPingFilter } from '../text/postprocess.js';
import { OutcomeBuilder, refusal } from './outcome.js';
import { resolveSpace, type SpaceDirectory } from './spaces.js';
import type { ConversationService, HumanOutcome, MessageRequest, Outcome, Turn } from './types.js';

const PASSED_ON = {
  en: "A teammate is on it; I've passed your message along.",
  zh: '同事正在处理，我已把你的消息转给他们。',
};

export interface ConversationDeps {
  copilot: Pick<Copilot, 'ask'>;
  /** Tickets: the pipeline's escalations go through the copilot; "Ask a human" comes here. */
  handoffs: Pick<HandoffPort, 'create' | 'activeFor'>;
  /**
   * Adds the asker's message to the open ticket (the teammates see it); false when the ticket
   * would not take it (closed in between). Absent → the message is only held back.
   */
  forward?: (ticket: HandoffTicket, req: MessageRequest) => Promise<boolean>;
  answers: Pick<AnswerStore, 'get'>;
  spaces: SpaceDirectory;
  /** Questions per rate key (RATE_LIMIT_PER_MINUTE); none when absent. */
  rateLimiter?: RateLimiter;
  /** New "Ask a human" tickets per conversation (HANDOFF_CREATE_PER_MINUTE); none when absent. */
  ticketLimiter?: RateLimiter;
  logger: Logger;
}

/**
 * The conversation service (docs/architecture.md, "Conversation service"). In this order: the
 * rate limit, the space, the handoff gate (an open ticket takes the message instead of the
 * pipeline), the pipeline. Text reaches every surface through one ping filter, and the outcome
 * is built from the events in one way.
 */
export function createConversationService(deps: ConversationDeps): ConversationService {
  const { logger } = deps;

  async function activeTicket(key: string): Promise<HandoffTicket | null> {
    try {
      return await deps.handoffs.activeFor(key);
    } catch (err) {
      // Better an answer than silence when the ticket store hiccups.
      logger.warn({ err, conversationKey: key }, 'handoff lookup failed; answering');
      return null;
    }
  }

  async function forward(ticket: HandoffTicket, req: MessageRequest, emit: (e: CopilotEvent) => void) {
    const forwarded = deps.forward
      ? await deps.forward(ticket, req).catch((err: unknown) => {
          logger.error({ err, handoffId: ticket.id }, 'could not forward a message to the handoff');
          return false;
        })
      : false;
    if (deps.forward && !forwarded)
      logger.warn({ handoffId: ticket.id }, 'the handoff did not take the message');
    const answerId = newAnswerId();
    emit({ type: 'meta', conversationId: req.conversation.id, answerId });
    emit({ type: 'token', text: PASSED_ON[detectLanguage(req.message)] });
    emit({ type: 'handoff', handoffId: ticket.id, reason: forwarded ? 'forwarded' : 'active' });
    emit({ type: 'done', answerId, decision: 'escalate', cached: false, usage: null });
  }

  function turnOf(req: MessageRequest, space: string, ticket: HandoffTicket | null): Turn {
    return {
      space,
      activeTicket: ticket,
      async run(onEvent) {
        const outcome = new OutcomeBuilder();
        const pings = createPingFilter();
        const deliver = (e: CopilotEvent) => {
          outcome.apply(e);
          onEvent?.(e);
        };
        // Tokens pass the one ping filter; anything held back is released before the next event.
        const emit = (e: CopilotEvent) => {
          if (e.type === 'token') {
            const text = pings.push(e.text);
            if (text) deliver({ type: 'token', text });
            return;
          }
          const rest = pings.end();
          if (rest) deliver({ type: 'token', text: rest });
          deliver(e);
        };
        let answer: string | undefined;
        try {
          if (ticket) await forward(ticket, req, emit);
          else
            answer = (
              await deps.copilot.ask(
                {
                  message: req.message,
                  conversationKey: req.conversation.key,
                  conversationId: req.conversation.id,
                  space,
                  ...(req.conversation.user ? { user: req.conversation.user } : {}),
                  origin: req.conversation.origin,
                  ...(req.signal ? { signal: req.signal } : {}),
                },
                emit,
              )
            ).answer;
        } catch (err) {
          // ask() promises not to throw for user-facing failures: this is a bug or an outage.
          if (!req.signal?.aborted) logger.error({ err }, 'the answer pipeline threw');
          if (!outcome.build().error) {
            deliver({
              type: 'error',
              code: err instanceof CopilotError ? err.code : 'copilot:failed',
              message: err instanceof CopilotError ? userMessage(err) : 'Something went wrong on our side.',
            });
          }
        }
        const rest = pings.end();
        if (rest) deliver({ type: 'token', text: rest });
        return outcome.build(answer);
      },
    };
  }

  async function open(req: MessageRequest): Promise<{ refused: Outcome } | { turn: Turn }> {
    if (req.rateKey !== null && deps.rateLimiter) {
      const d = await deps.rateLimiter.take(req.rateKey);
      if (!d.allowed) {
        return {
          refused: refusal({
            code: 'rate:limited',
            message: rateLimitedMessage(d.retryAfterSeconds),
            status: 429,
            retryAfterSeconds: d.retryAfterSeconds,
          }),
        };
      }
    }
    const where = await resolveSpace(deps.spaces, req.space);
    if ('refused' in where) return { refused: refusal(where.refused) };
    return { turn: turnOf(req, where.space, await activeTicket(req.conversation.key)) };
  }

  async function askHuman(req: Parameters<ConversationService['askHuman']>[0]): Promise<HumanOutcome> {
    const { conversation } = req;
    const found = req.answerId ? await deps.answers.get(req.answerId) : null;
    // An answer id from another conversation is ignored: ids must not open someone else's thread.
    const record: AnswerRecord | null = found?.conversationKey === conversation.key ? found : null;
    const about = aboutAnswer(record, req.question ?? undefined);
    if (!about) {
      return {
        kind: 'refused',
        error: {
          code: 'handoff:no_question',
          message: 'message is required (or the answerId of an answer in this conversation).',
          status: 400,
        },
      };
    }
    let space = record?.space;
    if (!space) {
      const where = await resolveSpace(deps.spaces, req.space);
      if ('refused' in where) return { kind: 'refused', error: where.refused };
      space = where.space;
    }
    const existing = await deps.handoffs.activeFor(conversation.key);
    if (existing) return { kind: 'existing', ticket: existing };
    if (deps.ticketLimiter) {
      // Asking again for an open ticket is free; opening ticket after ticket in one chat is not.
      const d = await deps.ticketLimiter.take(`handoff:conv:${conversation.key}`);
      if (!d.allowed) {
        return {
          kind: 'refused',
          error: {
            code: 'rate:limited',
            message: rateLimitedMessage(d.retryAfterSeconds),
            status: 429,
            retryAfterSeconds: d.retryAfterSeconds,
          },
        };
      }
    }
    const link = req.link ? await req.link().catch(() => undefined) : undefined;
    const ticket = await deps.handoffs.create(
      buildTicket(
        {
          space,
          conversationKey: conversation.key,
          conversationId: conversation.id,
          origin: { ...conversation.origin, ...(link ? { link } : {}) },
          ...(conversation.user ? { asker: conversation.user } : {}),
        },
        about,
        'asked',
      ),
    );
    return { kind: 'opened', ticket };
  }

  return {
    open,
    async ask(req, onEvent) {
      const opened = await open(req);
      if ('refused' in opened) return opened.refused;
      return opened.turn.run(onEvent);
    },
    askHuman,
  };
}

/** The spaces of a copilot's status, for a service built around a copilot (tests, CLIs). */
export function spacesOf(
  copilot: Pick<Copilot, 'status'>,
  forChannel: SpaceDirectory['forChannel'] = () => 'default',
): SpaceDirectory {
  return {
    forChannel,
    list: async () => (await copilot.status()).spaces.map((s) => ({ name: s.name, public: s.public })),
  };
}
