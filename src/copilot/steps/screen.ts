import { CopilotError, isCopilotError } from '../../errors.js';
import type { CopilotDeps } from '../deps.js';
import { helpText } from '../input.js';
import { say } from '../messages.js';
import type { Ending, Run } from '../run.js';
import { escalate } from './escalate.js';

/** An empty or over-long message: the help text, or an `input:too_long` error. Nothing is stored. */
export function rejectInput(run: Run, reason: 'empty' | 'too_long'): Ending {
  if (reason === 'empty') run.say(helpText(run.language));
  else run.emit({ type: 'error', code: 'input:too_long', message: say('too_long', run.language) });
  return { decision: 'answer', keep: 'nothing' };
}

/** "human" / "转人工": a ticket for the last real question of the conversation, if there is one. */
export async function humanRequested(
  run: Run,
  deps: Pick<CopilotDeps, 'memory' | 'handoffs' | 'observer' | 'logger'>,
): Promise<Ending> {
  const history = await deps.memory.recent(run.input.conversationKey, 4);
  const lastUser = [...history].reverse().find((t) => t.role === 'user');
  if (lastUser) run.record.standaloneQuestion = lastUser.text;
  await escalate(run, deps, 'requested', 'requested');
  return { decision: 'escalate', keep: 'turns' };
}

/**
 * The content safety check of the question: null when it passes. A blocked question is refused
 * or handed to a teammate (SAFETY_ON_QUESTION) and never kept in memory, where it would reach
 * the next prompt.
 */
export async function screenQuestion(
  run: Run,
  deps: Pick<CopilotDeps, 'safety' | 'handoffs' | 'observer' | 'logger'>,
  question: string,
): Promise<Ending | null> {
  const safety = deps.safety;
  const blocked = safety ? await safety.checkQuestion(question) : null;
  if (!blocked || !safety) return null;
  safety.recordBlock({
    where: 'question',
    ruleId: blocked.rule.id,
    list: blocked.rule.list,
    match: blocked.match,
    space: run.input.space,
    answerId: run.record.id,
  });
  if (safety.onBlockedQuestion === 'handoff') {
    await escalate(run, deps, 'safety', 'safety_handoff');
    return { decision: 'escalate', keep: 'nothing' };
  }
  run.say(say('safety_refused', run.language));
  run.record.complete = true;
  return { decision: 'answer', keep: 'nothing' };
}

/** A space this index version does not have is the caller's mistake: `space:unknown`. */
export function requireSpace(run: Run): void {
  if (!run.view.spaces().includes(run.input.space)) {
    throw new CopilotError('space:unknown', `Unknown space "${run.input.space}".`, { status: 400 });
  }
}

/**
 * Anything a step threw: an `error` event the asker can read (a CopilotError's message and hint,
 * otherwise a plain "no ticket" apology); the cause is logged. Nothing is stored.
 */
export function failed(run: Run, deps: Pick<CopilotDeps, 'logger'>, err: unknown): Ending {
  const known = isCopilotError(err) ? err : null;
  if (!known) deps.logger.error({ err, answerId: run.record.id }, 'unexpected failure while answering');
  run.emit({
    type: 'error',
    code: known?.code ?? 'internal:error',
    message: known
      ? `${known.message}${known.hint ? ` ${known.hint}` : ''}`
      : say('failure_no_ticket', run.language),
  });
  return { decision: run.record.decision, keep: 'nothing' };
}
