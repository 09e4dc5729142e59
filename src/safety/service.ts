import type { Logger } from '../logger.js';
import { createSafetyGuard, type SafetyGuard, type SafetyHit, SafetyMatcher } from './matcher.js';
import type { ModerationClient } from './moderation.js';
import { loadSafetyRules, type SafetyRule } from './rules.js';

export interface SafetyBlock {
  at: string;
  where: 'question' | 'answer';
  ruleId: string;
  list: string;
  /** The matched words (a rule hit, not the whole message: questions may hold personal data). */
  match: string;
  space: string;
  answerId: string;
}

/** The content safety check the pipeline runs on every question and every streamed answer. */
export interface Safety {
  readonly rules: number;
  checkQuestion(text: string): Promise<SafetyHit | null>;
  /** A guard for one streamed answer (the lists); `checkAnswer` adds the moderation endpoint. */
  guard(): SafetyGuard;
  checkAnswer(text: string): Promise<SafetyHit | null>;
  /** What to do with a blocked question. */
  readonly onBlockedQuestion: 'refuse' | 'handoff';
  recordBlock(block: Omit<SafetyBlock, 'at'>): void;
  /** Newest first, at most `RECENT_BLOCKS`. */
  recent(): SafetyBlock[];
}

export const RECENT_BLOCKS = 200;

export function createSafety(opts: {
  rules: readonly SafetyRule[];
  moderation?: ModerationClient;
  onBlockedQuestion?: 'refuse' | 'handoff';
  logger: Logger;
  /** Counts each block (prom-client counter by where and list). */
  counted?: (block: SafetyBlock) => void;
}): Safety {
  const matcher = new SafetyMatcher(opts.rules);
  const blocks: SafetyBlock[] = [];
  return {
    rules: matcher.size,
    onBlockedQuestion: opts.onBlockedQuestion ?? 'refuse',
    async checkQuestion(text) {
      return matcher.check(text) ?? (opts.moderation ? await opts.moderation.check(text) : null);
    },
    guard: () => createSafetyGuard(matcher),
    async checkAnswer(text) {
      return opts.moderation ? opts.moderation.check(text) : null;
    },
    recordBlock(b) {
      const block = { at: new Date().toISOString(), ...b, match: b.match.slice(0, 80) };
      blocks.unshift(block);
      if (blocks.length > RECENT_BLOCKS) blocks.length = RECENT_BLOCKS;
      opts.counted?.(block);
      opts.logger.warn(
        { where: block.where, rule: block.ruleId, answerId: block.answerId },
        'safety check blocked',
      );
    },
    recent: () => [...blocks],
  };
}

/** From a folder of lists (KNOWLEDGE_DIR/safety by default). */
export function safetyFromDir(dir: string, rest: Omit<Parameters<typeof createSafety>[0], 'rules'>): Safety {
  return createSafety({ ...rest, rules: loadSafetyRules(dir) });
}
