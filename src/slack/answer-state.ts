import type { types } from '@slack/bolt';
import type { Decision, SourceRef } from '../domain/answers.js';
import type { ClarifyOption, CopilotEvent } from '../domain/copilot.js';
import { buildAnswerBlocks } from './blocks/answer.js';
import { buildClarifyBlocks } from './blocks/clarify.js';
import { oneLine, truncate } from './text.js';

/**
 * What one answer's events add up to, for the closing message: the answer id for the feedback
 * buttons, sources, clarify options, handoff and error. Pure; the stream carries the tokens.
 */
export class AnswerState {
  answerId: string | undefined;
  sources: SourceRef[] = [];
  clarify: ClarifyOption[] = [];
  decision: Decision = 'answer';
  handoff: { handoffId: string | null; reason: string } | undefined;
  error: { code: string; message: string } | undefined;
  /** The start of the streamed text, for the notification preview. */
  preview = '';
  tokens = 0;

  apply(e: CopilotEvent): void {
    switch (e.type) {
      case 'meta':
        this.answerId = e.answerId;
        break;
      case 'token':
        this.tokens += 1;
        if (this.preview.length < 300) this.preview += e.text;
        break;
      case 'sources':
        this.sources = e.sources;
        break;
      case 'clarify':
        this.clarify = e.options;
        this.decision = 'clarify';
        break;
      case 'handoff':
        this.handoff = { handoffId: e.handoffId, reason: e.reason };
        break;
      case 'done':
        this.answerId = e.answerId || this.answerId;
        this.decision = e.decision;
        break;
      case 'error':
        this.error = { code: e.code, message: e.message };
        break;
      case 'status':
        break;
    }
  }

  /** The copilot threw instead of emitting `error` (it should not): treat it the same way. */
  fail(): void {
    this.error ??= { code: 'slack:internal', message: 'Something went wrong on our side.' };
  }

  /** Text to add after the streamed tokens, so no answer ends silently. */
  closingText(): string {
    const lead = this.tokens > 0 ? '\n\n' : '';
    if (this.error) {
      // First line only: whatever the pipeline put in the message, a stack trace never reaches Slack.
      const firstLine = this.error.message.split('\n')[0] ?? '';
      const message = truncate(oneLine(firstLine) || 'Something went wrong.', 300);
      return `${lead}:warning: ${message} You can ask a teammate with the button below.`;
    }
    if (this.tokens > 0 || this.clarify.length > 0) return '';
    if (this.decision === 'escalate') return "I couldn't find this in the knowledge base.";
    return "I don't have an answer for that yet.";
  }

  finalBlocks(question: string): types.KnownBlock[] {
    const handedOff = Boolean(this.handoff?.handoffId);
    if (this.clarify.length > 0 && !this.error) {
      // A clarifying question is not an answer to rate: offer the options and a human.
      return [
        ...buildClarifyBlocks(this.clarify),
        ...buildAnswerBlocks({ sources: [], decision: 'clarify', question, handedOff }),
      ];
    }
    return buildAnswerBlocks({
      ...(this.answerId ? { answerId: this.answerId } : {}),
      sources: this.sources,
      decision: this.decision,
      question,
      handedOff,
    });
  }

  notificationText(): string {
    const text = oneLine(this.preview);
    if (text) return truncate(text, 150);
    if (this.error) return 'Sorry, I could not finish this answer.';
    return this.clarify.length > 0 ? 'Which one do you mean?' : 'Answer';
  }
}
