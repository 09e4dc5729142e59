import type { AnswerRecord } from '../domain/answers.js';
import type { AskInput, Copilot, CopilotEvent } from '../domain/copilot.js';
import { templateFragments } from '../llm/leak-guard.js';
import { detectLanguage } from '../text/language.js';
import { AnnotationMatcher } from './annotations.js';
import type { CopilotDeps } from './deps.js';
import { checkQuestion, wantsHuman } from './input.js';
import { newAnswerId, newAnswerRecord } from './record.js';
import { finish, type Run, startRun } from './run.js';
import { annotationStep } from './steps/annotation.js';
import { cacheKeyFor, cacheStep } from './steps/cache.js';
import { decideStep } from './steps/decide.js';
import { generateStep } from './steps/generate.js';
import { retrieveStep } from './steps/retrieve.js';
import { failed, humanRequested, rejectInput, requireSpace, screenQuestion } from './steps/screen.js';

export type { CopilotDeps, CopilotObserver, CopilotSettings } from './deps.js';
export { DEFAULT_SETTINGS } from './deps.js';

/** The answer pipeline (walks in docs/architecture.md). Imports nothing from Slack or HTTP. */
export function createCopilot(deps: CopilotDeps): Copilot {
  const { settings, logger } = deps;
  const annotations = new AnnotationMatcher(deps.embedder);
  // What an answer must never repeat (see leak-guard.ts): the rules and the fixed prompt text.
  const secrets = [
    ...Object.values(deps.templates.system),
    ...templateFragments(deps.templates.user),
    ...templateFragments(deps.templates.condense),
  ];
  const finishing = { ...deps, cacheTtlSeconds: settings.cacheTtlSeconds };
  const end = (run: Run, ending: Parameters<typeof finish>[2]) => finish(run, finishing, ending);

  /** The decision tree of one answer; each step is in ./steps/, the writing is in `finish`. */
  async function ask(input: AskInput, emit: (e: CopilotEvent) => void): Promise<AnswerRecord> {
    const view = deps.retriever.pin();
    const record = newAnswerRecord(input, newAnswerId(), view.version);
    emit({ type: 'meta', conversationId: input.conversationId, answerId: record.id });
    const checked = checkQuestion(input.message);
    const language = detectLanguage(checked.ok ? checked.text : input.message);
    const run = startRun(input, record, view, language, emit, (text) => deps.embedder.embedQuery(text));
    if (!checked.ok) return end(run, rejectInput(run, checked.reason));
    const question = checked.text;
    record.question = question;
    record.standaloneQuestion = question;
    // Debug only, and the logger scrubs PII and secrets from it (src/text/log-scrub.ts).
    logger.debug(
      { answerId: record.id, conversationKey: input.conversationKey, space: input.space, question },
      'question received',
    );
    try {
      if (wantsHuman(question)) return end(run, await humanRequested(run, deps));
      const blocked = await screenQuestion(run, deps, question);
      if (blocked) return end(run, blocked);

      emit({ type: 'status', stage: 'retrieving' });
      const since = Date.now();
      const history = await deps.memory.recent(input.conversationKey, settings.memoryTurns);
      requireSpace(run);
      const generator = deps.generatorFor?.(input.space) ?? deps.generator;

      const asked = await annotationStep(
        run,
        { annotations, minScore: settings.annotationMinScore, logger },
        { question, history, generator },
      );
      if (asked.ending) return end(run, asked.ending);
      const { standalone } = asked;

      const now = deps.now?.() ?? Date.now();
      const cacheKey = cacheKeyFor(run, standalone, history, now);
      const cached = await cacheStep(run, deps.cache, cacheKey);
      if (cached) return end(run, cached);

      const found = await retrieveStep(run, { ...deps, k: settings.topK * 3 }, standalone, now, since);
      if ('ending' in found) return end(run, found.ending);

      const decided = await decideStep(
        run,
        { ...deps, minScore: settings.answerMinScore, perSource: settings.perSource, topK: settings.topK },
        question,
        standalone,
        found.hits,
      );
      if ('ending' in decided) return end(run, decided.ending);

      const generate = {
        ...deps,
        secrets,
        promptTokenBudget: settings.promptTokenBudget,
        memoryTokenBudget: settings.memoryTokenBudget,
      };
      return end(
        run,
        await generateStep(run, generate, { standalone, history, top: decided.top, generator, cacheKey }),
      );
    } catch (err) {
      return end(run, failed(run, deps, err));
    }
  }

  return {
    ask,
    async feedback(answerId, feedback) {
      const updated = await deps.answers.setFeedback(answerId, feedback);
      if (updated) deps.observer?.feedback?.(feedback.rating);
      return updated;
    },
    async status() {
      const view = deps.retriever.pin();
      return {
        indexVersion: view.version,
        spaces: view.spaces().map((name) => ({
          name,
          ...view.stats(name),
          public: deps.isPublic ? deps.isPublic(name) : true,
        })),
        modes: deps.modes,
        ready: deps.ready ? deps.ready() : true,
      };
    },
  };
}
