import { newAnswerId, newAnswerRecord } from '../copilot/record.js';
import type { AnswerRecord } from '../domain/answers.js';
import type { AskInput, Copilot, CopilotEvent } from '../domain/copilot.js';
import type { Logger } from '../logger.js';
import { detectLanguage } from '../text/language.js';
import type { HandoffService } from './service.js';

const PASSED_ON = {
  en: "A teammate is on it; I've passed your message along.",
  zh: '同事正在处理，我已把你的消息转给他们。',
};

/**
 * While a conversation has an open or claimed ticket the bot stays silent there: the
 * asker's new message goes to the ticket (and the teammates) instead of the pipeline. After
 * the ticket is resolved the copilot answers again. The pipeline itself stays unaware of it.
 */
export function withHandoffGate(
  copilot: Copilot,
  handoffs: Pick<HandoffService, 'activeFor' | 'forward'>,
  logger: Logger,
): Copilot {
  return {
    ...copilot,
    async ask(input: AskInput, emit: (e: CopilotEvent) => void): Promise<AnswerRecord> {
      const ticket = await handoffs.activeFor(input.conversationKey).catch((err: unknown) => {
        // Better an answer than silence when the ticket store hiccups.
        logger.warn({ err, conversationKey: input.conversationKey }, 'handoff lookup failed; answering');
        return null;
      });
      if (!ticket) return copilot.ask(input, emit);
      const forwarded = await handoffs
        .forward(ticket.id, { by: input.user ?? 'asker', text: input.message })
        .catch((err: unknown) => {
          logger.error({ err, handoffId: ticket.id }, 'could not forward a message to the handoff');
          return null;
        });
      const answerId = newAnswerId();
      const text = PASSED_ON[detectLanguage(input.message)];
      emit({ type: 'meta', conversationId: input.conversationId, answerId });
      emit({ type: 'token', text });
      emit({ type: 'handoff', handoffId: ticket.id, reason: forwarded?.ok ? 'forwarded' : 'active' });
      emit({ type: 'done', answerId, decision: 'escalate', cached: false, usage: null });
      return {
        ...newAnswerRecord(input, answerId, ''),
        answer: text,
        decision: 'escalate',
        escalationReason: 'handoff_active',
        complete: true,
      };
    },
  };
}
