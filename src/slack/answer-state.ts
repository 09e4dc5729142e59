import type { types } from '@slack/bolt';
import { OutcomeBuilder } from '../conversation/outcome.js';
import type { Outcome } from '../conversation/types.js';
import type { CopilotEvent } from '../domain/copilot.js';
import { buildAnswerBlocks } from './blocks/answer.js';
import { buildClarifyBlocks } from './blocks/clarify.js';
import { oneLine, truncate } from './text.js';

/**
 * The closing message of one answer, rendered from its outcome (the conversation service builds
 * it from the events): the answer id for the feedback buttons, sources, clarify options, handoff
 * and error. Pure; the stream carries the tokens.
 */
export class AnswerState {
  private readonly events = new OutcomeBuilder();
  private outcome: Outcome | null = null;
  private failed: Outcome['error'];

  /** Renders this outcome (what `turn.run` returned). */
  use(outcome: Outcome): void {
    this.outcome = outcome;
  }

  /** Builds the outcome from events instead (same rules: the conversation's OutcomeBuilder). */
  apply(e: CopilotEvent): void {
    this.outcome = null;
    this.events.apply(e);
  }

  /** The answer threw instead of ending with an outcome (it should not): treat it as an error. */
  fail(): void {
    this.failed = { code: 'slack:internal', message: 'Something went wrong on our side.' };
  }

  private get o(): Outcome {
    return this.outcome ?? this.events.build();
  }

  get answerId(): string | undefined {
    return this.o.answerId ?? undefined;
  }

  get decision(): Outcome['decision'] {
    return this.o.decision;
  }

  get error(): Outcome['error'] {
    return this.o.error ?? this.failed;
  }

  /** Text to add after the streamed tokens, so no answer ends silently. */
  closingText(): string {
    const o = this.o;
    const lead = o.streamed ? '\n\n' : '';
    const error = this.error;
    if (error) {
      // First line only: whatever the pipeline put in the message, a stack trace never reaches Slack.
      const firstLine = error.message.split('\n')[0] ?? '';
      const message = truncate(oneLine(firstLine) || 'Something went wrong.', 300);
      return `${lead}:warning: ${message} You can ask a teammate with the button below.`;
    }
    if (o.streamed || o.clarify?.length) return '';
    if (o.decision === 'escalate') return "I couldn't find this in the knowledge base.";
    return "I don't have an answer for that yet.";
  }

  finalBlocks(question: string): types.KnownBlock[] {
    const o = this.o;
    const handedOff = Boolean(o.ticket?.id);
    if (o.clarify?.length && !this.error) {
      // A clarifying question is not an answer to rate: offer the options and a human.
      return [
        ...buildClarifyBlocks(o.clarify),
        ...buildAnswerBlocks({ sources: [], decision: 'clarify', question, handedOff }),
      ];
    }
    return buildAnswerBlocks({
      ...(o.answerId ? { answerId: o.answerId } : {}),
      sources: o.sources,
      decision: o.decision,
      question,
      handedOff,
    });
  }

  notificationText(): string {
    const text = oneLine(this.o.streamed.slice(0, 2000));
    if (text) return truncate(text, 150);
    if (this.error) return 'Sorry, I could not finish this answer.';
    return this.o.clarify?.length ? 'Which one do you mean?' : 'Answer';
  }
}
