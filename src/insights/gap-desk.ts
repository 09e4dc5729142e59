import type { AnswerStore } from '../domain/answers.js';
import type { AnswerGenerator } from '../domain/llm.js';
import { CopilotError } from '../errors.js';
import type { AnswerSaver, SavedAnswer } from '../handoff/save-answer.js';
import type { Logger } from '../logger.js';
import { lastDays } from './buckets.js';
import { dashboard } from './dashboard.js';
import { draftGapAnswer, type GapDraft } from './gap-draft.js';
import { findGaps, type Gap, type GapsResult, normaliseQuestion, type TicketLookup } from './gaps.js';
import { saveQuestionAnswer } from './review.js';
import type { InsightsStore } from './types.js';

/** Which gap: its id in the list of one space and period (a list is recomputed, never stored). */
export interface GapRef {
  space: string;
  from: number;
  to: number;
  id: string;
  /** The gap's question as listed: finds the gap again when a new asking changed its id. */
  question?: string;
}

/** The week in figures, for the Slack digest. */
export interface Digest {
  from: number;
  to: number;
  figures: {
    questions: number;
    /** Answered, saved answers and cache hits over questions; null without questions. */
    automatedRate: number | null;
    thumbsUp: number;
    thumbsDown: number;
    escalations: number;
  };
  /** The biggest gaps not answered yet. */
  gaps: Gap[];
  /** Every gap of the week not answered yet (the digest shows the top few). */
  openGaps: number;
}

/**
 * Knowledge gaps for the console and Slack: list a period's gaps, draft an answer to one, save
 * the edited answer as knowledge through the handoff desk's saver (PII scrub, versions, reindex
 * of that file), and the weekly digest.
 */
export interface GapDesk {
  /** `model` when a model drafts, `replies` when drafts are the teammates' replies. */
  readonly drafting: 'model' | 'replies';
  /** Gaps of a period: `days` back from now (UTC days, as the dashboard counts them). */
  period(days: number, now?: number): { from: number; to: number };
  list(opts: { space: string; from: number; to: number }): Promise<GapsResult>;
  find(ref: GapRef): Promise<Gap | null>;
  draft(gap: Gap): Promise<GapDraft>;
  /**
   * Saves an answer for the gap's question; its questions are then marked reviewed (they leave
   * the 👎 review queue and show as saved). Without `ref`'s gap (it changed) the answer is still saved.
   */
  save(input: { ref: GapRef; question: string; text: string; agent: string }): Promise<SavedAnswer>;
  digest(opts?: { now?: number; top?: number }): Promise<Digest>;
}

export interface GapDeskDeps {
  insights: InsightsStore;
  answers: AnswerStore;
  embedder: { embedDocuments(texts: string[]): Promise<number[][]> };
  tickets?: TicketLookup;
  saver: AnswerSaver;
  /** The configured model; absent with LLM_PROVIDER=offline. */
  generator?: AnswerGenerator;
  /** Templates.gapDraft. */
  draftTemplate: string;
  maxDistance: number;
  logger: Logger;
}

export const DIGEST_DAYS = 7;

export function createGapDesk(deps: GapDeskDeps): GapDesk {
  const list = (opts: { space: string; from: number; to: number }) =>
    findGaps(
      {
        insights: deps.insights,
        answers: deps.answers,
        embedder: deps.embedder,
        maxDistance: deps.maxDistance,
        ...(deps.tickets ? { tickets: deps.tickets } : {}),
      },
      opts,
    );

  const period = (days: number, now = Date.now()) => ({
    from: Date.parse(`${lastDays(days, now)[0]}T00:00:00Z`),
    to: now,
  });

  async function find(ref: GapRef): Promise<Gap | null> {
    const { gaps } = await list({ space: ref.space, from: ref.from, to: ref.to });
    const exact = gaps.find((g) => g.id === ref.id);
    if (exact || !ref.question) return exact ?? null;
    // Someone asked again since the list was shown: the gap is the one holding its question.
    const wanted = normaliseQuestion(ref.question);
    return gaps.find((g) => g.examples.some((e) => normaliseQuestion(e.question) === wanted)) ?? null;
  }

  return {
    drafting: deps.generator ? 'model' : 'replies',
    period,
    list,
    find,
    draft: (gap) =>
      draftGapAnswer(gap, {
        ...(deps.generator ? { generator: deps.generator } : {}),
        template: deps.draftTemplate,
        logger: deps.logger,
      }),
    async save({ ref, question, text, agent }) {
      if (!question.trim()) {
        throw new CopilotError('insights:bad_request', 'The question to file the answer under is empty.', {
          status: 400,
        });
      }
      const saved = await saveQuestionAnswer(
        { saver: deps.saver },
        { id: ref.id, space: ref.space, question: question.trim(), text, agent },
      );
      const gap = await find(ref).catch((err: unknown) => {
        deps.logger.warn({ err: (err as Error).message, gapId: ref.id }, 'saved gap not found again');
        return null;
      });
      if (gap) await Promise.all(gap.memberIds.map((id) => deps.insights.markReviewed(id)));
      deps.logger.info({ gapId: ref.id, file: saved.file, members: gap?.count ?? 0 }, 'gap answered');
      return saved;
    },
    async digest(opts = {}) {
      const now = opts.now ?? Date.now();
      const board = await dashboard(deps.insights, { space: '*', period: DIGEST_DAYS, now });
      const { from, to } = period(DIGEST_DAYS, now);
      const open = (await list({ space: '*', from, to })).gaps.filter((g) => !g.saved);
      return {
        from,
        to,
        figures: {
          questions: board.totals.questions,
          automatedRate: board.totals.automatedRate,
          thumbsUp: board.totals.thumbsUp,
          thumbsDown: board.totals.thumbsDown,
          escalations: board.totals.byCategory.escalated,
        },
        gaps: open.slice(0, opts.top ?? 5),
        openGaps: open.length,
      };
    },
  };
}
