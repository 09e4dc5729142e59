import type { Decision, SourceRef, Usage } from '../domain/answers.js';
import type { ClarifyOption, CopilotEvent } from '../domain/copilot.js';
import type { Outcome, OutcomeKind } from './types.js';

/** Error codes that mean "not answered, nothing ran" rather than "failed". */
const REFUSALS = new Set(['rate:limited', 'space:unknown', 'space:required', 'space:none']);

/**
 * The one way an answer's events add up to an outcome (Slack's closing message, the CLI's JSON
 * and the service's return value all read it). Pure.
 */
export class OutcomeBuilder {
  private answerId: string | null = null;
  private text = '';
  private sources: SourceRef[] = [];
  private clarify: ClarifyOption[] = [];
  private decision: Decision = 'answer';
  private ticket: Outcome['ticket'];
  private error: Outcome['error'];
  private cached = false;
  private usage: Usage | null = null;

  apply(e: CopilotEvent): void {
    switch (e.type) {
      case 'meta':
        this.answerId = e.answerId;
        break;
      case 'token':
        this.text += e.text;
        break;
      case 'sources':
        this.sources = e.sources;
        break;
      case 'clarify':
        this.clarify = e.options;
        this.decision = 'clarify';
        break;
      case 'handoff':
        this.ticket = {
          id: e.handoffId,
          reason: e.reason,
          ...(e.reason === 'forwarded' || e.reason === 'active'
            ? { forwarded: e.reason === 'forwarded' }
            : {}),
        };
        break;
      case 'done':
        this.answerId = e.answerId || this.answerId;
        this.decision = e.decision;
        this.cached = e.cached;
        this.usage = e.usage;
        break;
      case 'error':
        this.error = { code: e.code, message: e.message };
        break;
      case 'status':
        break;
    }
  }

  /** The outcome so far; `answer` is the final text when the pipeline returned one. */
  build(answer?: string): Outcome {
    return {
      kind: this.kind(),
      answerId: this.answerId,
      text: answer ?? this.text,
      streamed: this.text,
      sources: this.sources,
      decision: this.decision,
      ...(this.ticket ? { ticket: this.ticket } : {}),
      ...(this.clarify.length ? { clarify: this.clarify } : {}),
      ...(this.error ? { error: this.error } : {}),
      cached: this.cached,
      usage: this.usage,
    };
  }

  private kind(): OutcomeKind {
    if (this.error) return REFUSALS.has(this.error.code) ? 'refused' : 'error';
    if (this.clarify.length) return 'clarify';
    if (this.decision === 'escalate' || this.ticket) return 'escalate';
    return 'answer';
  }
}

/** A refusal before anything ran (rate limit, space). */
export function refusal(error: NonNullable<Outcome['error']>): Outcome {
  return {
    kind: 'refused',
    answerId: null,
    text: '',
    streamed: '',
    sources: [],
    decision: 'answer',
    error,
    cached: false,
    usage: null,
  };
}
