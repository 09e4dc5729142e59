import type { AnswerCache, AnswerRecord, AnswerStore, ConversationStore } from '../domain/answers.js';
import type { CopilotStatus } from '../domain/copilot.js';
import type { HandoffPort, HandoffReason } from '../domain/handoff.js';
import type { AnswerGenerator } from '../domain/llm.js';
import type { Budget } from '../llm/budget.js';
import type { Logger } from '../logger.js';
import type { Templates } from '../prompts/templates.js';
import type { KnowledgeRetriever } from '../retrieval/knowledge.js';
import type { Embedder } from '../retrieval/types.js';
import type { Safety } from '../safety/service.js';

export interface CopilotSettings {
  answerMinScore: number;
  annotationMinScore: number;
  promptTokenBudget: number;
  memoryTokenBudget: number;
  memoryTurns: number;
  cacheTtlSeconds: number;
  topK: number;
  perSource: number;
}

/** Hooks for metrics (src/http/metrics wires prom-client to them). All optional. */
export interface CopilotObserver {
  answered?(record: AnswerRecord, info: { cached: boolean; annotation: boolean }): void;
  feedback?(rating: 'up' | 'down'): void;
  handoff?(reason: HandoffReason): void;
}

export interface CopilotDeps {
  /** The served index through the narrow retrieval port (`indexRetriever(holder)`). */
  retriever: KnowledgeRetriever;
  embedder: Embedder;
  generator: AnswerGenerator;
  /** The generator for a space that names its own model in spaces.json; default `generator`. */
  generatorFor?: (space: string) => AnswerGenerator;
  memory: ConversationStore;
  answers: AnswerStore;
  cache: AnswerCache;
  handoffs: HandoffPort;
  templates: Templates;
  settings: CopilotSettings;
  modes: CopilotStatus['modes'];
  logger: Logger;
  observer?: CopilotObserver;
  ready?: () => boolean;
  /** Private spaces are hidden from the web (spaces.json); default: all public. */
  isPublic?: (space: string) => boolean;
  /** Content safety check on questions and streamed answers (src/safety); none when absent. */
  safety?: Safety;
  /** Clock for valid_from / valid_until (epoch ms); default Date.now. */
  now?: () => number;
  /** Daily model budgets per space and user (src/llm/budget.ts); past one, `overBudget` answers. */
  budget?: Budget | null;
  /** What answers once a budget is spent: the offline extractive generator. */
  overBudget?: AnswerGenerator;
}

export const DEFAULT_SETTINGS: Omit<CopilotSettings, 'answerMinScore' | 'annotationMinScore'> = {
  promptTokenBudget: 6000,
  memoryTokenBudget: 1200,
  memoryTurns: 20,
  cacheTtlSeconds: 24 * 3600,
  topK: 6,
  perSource: 3,
};
