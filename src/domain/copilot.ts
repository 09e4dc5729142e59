import type { AnswerRecord, Decision, Feedback, SourceRef, Usage } from './answers.js';

/** Events of one answer, in order. The SSE API sends them as-is (event name = type). */
export type CopilotEvent =
  | { type: 'meta'; conversationId: string; answerId: string }
  /** Progress signal for surfaces that show "working…" (Slack). Not sent over SSE. */
  | { type: 'status'; stage: 'retrieving' | 'generating' }
  | { type: 'token'; text: string }
  | { type: 'sources'; sources: SourceRef[] }
  | { type: 'clarify'; options: ClarifyOption[] }
  | { type: 'handoff'; handoffId: string | null; reason: string }
  | { type: 'done'; answerId: string; decision: Decision; cached: boolean; usage: Usage | null }
  | { type: 'error'; code: string; message: string };

export interface ClarifyOption {
  /** The question to ask if this option is chosen (standalone). */
  question: string;
  label: string;
  source: string;
}

export interface AskInput {
  message: string;
  /** Memory key: Slack `team:channel:thread_ts`, web `web:<conversationId>`. */
  conversationKey: string;
  /** Echoed in the meta event (web conversation id / Slack thread). */
  conversationId: string;
  space: string;
  user?: string;
  /** Where the asker is, for handoff tickets (Slack channel/thread or web). */
  origin?: { surface: 'slack' | 'web' | 'cli'; channel?: string; threadTs?: string; team?: string };
  signal?: AbortSignal;
}

export interface Copilot {
  /** Answer one message, emitting events as they happen. Never throws for user-facing failures. */
  ask(input: AskInput, emit: (e: CopilotEvent) => void): Promise<AnswerRecord>;
  feedback(answerId: string, feedback: Feedback): Promise<AnswerRecord | null>;
  status(): Promise<CopilotStatus>;
}

export interface CopilotStatus {
  indexVersion: string;
  spaces: Array<{ name: string; documents: number; chunks: number; public: boolean }>;
  modes: { llm: string; embeddings: string; memory: 'redis' | 'in-process'; slack: string };
  ready: boolean;
}
