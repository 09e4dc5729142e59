import type { HandoffReason } from '../../domain/handoff.js';
import { buildTicket } from '../../domain/ticket.js';
import type { CopilotDeps } from '../deps.js';
import { type MessageKey, say } from '../messages.js';
import type { Run } from '../run.js';

export type EscalateDeps = Pick<CopilotDeps, 'handoffs' | 'observer' | 'logger'>;

/**
 * Hands the question to a teammate: opens a ticket (the one ticket builder), tells the asker and
 * emits `handoff`. A ticket that cannot be made is never silently dropped: the asker is told.
 */
export async function escalate(
  run: Run,
  deps: EscalateDeps,
  reason: HandoffReason,
  key: MessageKey,
  draft?: string,
): Promise<void> {
  const { input, record } = run;
  record.decision = 'escalate';
  record.escalationReason = reason;
  try {
    const ticket = await deps.handoffs.create(
      buildTicket(
        {
          space: input.space,
          conversationKey: input.conversationKey,
          conversationId: input.conversationId,
          origin: input.origin ?? { surface: 'web' },
          ...(input.user ? { asker: input.user } : {}),
        },
        {
          question: record.standaloneQuestion,
          ...(draft ? { draftAnswer: draft } : {}),
          sources: record.sources,
          answerId: record.id,
        },
        reason,
      ),
    );
    deps.observer?.handoff?.(reason);
    run.say(say(key, run.language));
    run.emit({ type: 'handoff', handoffId: ticket.id, reason });
  } catch (err) {
    deps.logger.error({ err, answerId: record.id }, 'could not create a handoff ticket');
    run.say(say('failure_no_ticket', run.language));
    run.emit({ type: 'handoff', handoffId: null, reason });
  }
}
