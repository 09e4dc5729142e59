import type { Logger } from '../logger.js';
import { createSafetyMatcher, type SafetyMatch, type SafetyMatcher } from './matcher.js';
import type { ModerationClient } from './moderation.js';
import type { SafetyRule } from './rules.js';
import { createSafetyStreamGuard, type SafetyStreamGuard } from './stream-guard.js';

export interface SafetyBlock {
  at: string;
  stage: 'question' | 'answer';
  space: string;
  /** `file.txt:12` for a list rule, `moderation:<categories>` for the endpoint. */
  rule: string;
  kind: 'keyword' | 'regex' | 'moderation';
  answerId: string;
}

export interface SafetyCheck {
  /** Checks a question (lists, then the moderation endpoint when configured). */
  checkQuestion(text: string, signal?: AbortSignal): Promise<SafetyMatch | null>;
  /** A fresh streaming guard for one answer. */
  answerGuard(): SafetyStreamGuard;
  /** Whole-answer check after streaming: lists (for regex matches longer than the window), then moderation. */
  checkAnswer(text: string, signal?: AbortSignal): Promise<SafetyMatch | null>;
  record(block: Omit<SafetyBlock, 'at'>): void;
  /** The latest blocks, newest first (admins: GET /admin/safety, App Home). */
  recent(limit?: number): SafetyBlock[];
  readonly onQuestionBlocked: 'refuse' | 'handoff';
  readonly ruleCount: number;
}

export interface SafetyOptions {
  rules: readonly SafetyRule[];
  moderation?: ModerationClient;
  onQuestionBlocked?: 'refuse' | 'handoff';
  logger?: Logger;
  /** Called on every block (prom counter). */
  onBlock?: (block: SafetyBlock) => void;
  keep?: number;
}

export function createSafetyCheck(opts: SafetyOptions): SafetyCheck {
  const matcher: SafetyMatcher = createSafetyMatcher(opts.rules);
  const keep = opts.keep ?? 200;
  const log: SafetyBlock[] = [];
  const moderate = async (text: string, signal?: AbortSignal): Promise<SafetyMatch | null> => {
    if (!opts.moderation) return null;
    try {
      const v = await opts.moderation.check(text, signal);
      if (!v.flagged) return null;
      const cats = v.categories.join(',') || 'flagged';
      return { rule: { id: `moderation:${cats}`, kind: 'regex', pattern: cats }, matched: '' };
    } catch (err) {
      opts.logger?.warn({ err: (err as Error).message }, 'moderation endpoint failed; lists still apply');
      return null;
    }
  };
  return {
    onQuestionBlocked: opts.onQuestionBlocked ?? 'refuse',
    ruleCount: matcher.size,
    async checkQuestion(text, signal) {
      return matcher.check(text) ?? (await moderate(text, signal));
    },
    answerGuard: () => createSafetyStreamGuard(matcher),
    checkAnswer: async (text, signal) => matcher.check(text) ?? (await moderate(text, signal)),
    record(block) {
      const full = { at: new Date().toISOString(), ...block };
      log.unshift(full);
      if (log.length > keep) log.length = keep;
      opts.onBlock?.(full);
    },
    recent: (limit = 50) => log.slice(0, limit),
  };
}

export function blockKind(m: SafetyMatch): SafetyBlock['kind'] {
  return m.rule.id.startsWith('moderation:') ? 'moderation' : m.rule.kind;
}

export { createSafetyMatcher, normalizeForSafety, type SafetyMatch } from './matcher.js';
export { createModerationClient } from './moderation.js';
export { loadRules, parseRules, type SafetyRule } from './rules.js';
export { createSafetyStreamGuard } from './stream-guard.js';
