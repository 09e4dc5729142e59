import type {
  AnswerCache,
  AnswerRecord,
  AnswerStore,
  ConversationStore,
  SourceRef,
  Usage,
} from '../domain/answers.js';
import type { AskInput, Copilot, CopilotEvent, CopilotStatus } from '../domain/copilot.js';
import type { HandoffPort, HandoffReason } from '../domain/handoff.js';
import type { AnswerGenerator, Language } from '../domain/llm.js';
import { CopilotError, isCopilotError } from '../errors.js';
import type { Budget } from '../llm/budget.js';
import { createLeakGuard, leaksProtectedText, templateFragments } from '../llm/leak-guard.js';
import { estimateCost } from '../llm/pricing.js';
import type { Logger } from '../logger.js';
import { answerCacheKey, historyDigest } from '../memory/cache-key.js';
import { buildAnswerPrompt } from '../prompts/builder.js';
import type { Templates } from '../prompts/templates.js';
import type { LoadedIndex } from '../retrieval/index-reader.js';
import type { Embedder, SearchHit } from '../retrieval/types.js';
import type { Safety } from '../safety/service.js';
import { detectLanguage } from '../text/language.js';
import { createAnswerStreamFilter, isNoAnswer, mapCitations, stripPings } from '../text/postprocess.js';
import { AnnotationMatcher, annotationText } from './annotations.js';
import { decide } from './decide.js';
import { gatherEvidence } from './evidence.js';
import { checkQuestion, helpText, wantsHuman } from './input.js';
import { attribution, type MessageKey, say } from './messages.js';
import { newAnswerId, newAnswerRecord } from './record.js';
import { citedSources, dedupePerSource, toSourceRefs } from './sources.js';

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
  index: { current(): LoadedIndex };
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

/** The answer pipeline (walks in docs/architecture.md). Imports nothing from Slack or HTTP. */
export function createCopilot(deps: CopilotDeps): Copilot {
  const annotations = new AnnotationMatcher(deps.embedder);
  const { settings, logger } = deps;
  // What an answer must never repeat (see leak-guard.ts): the rules and the fixed prompt text.
  const secrets = [
    ...Object.values(deps.templates.system),
    ...templateFragments(deps.templates.user),
    ...templateFragments(deps.templates.condense),
  ];

  async function ask(input: AskInput, emit: (e: CopilotEvent) => void): Promise<AnswerRecord> {
    const answerId = newAnswerId();
    const index = deps.index.current();
    const record = newAnswerRecord(input, answerId, index.version);
    const started = record.createdAt;
    emit({ type: 'meta', conversationId: input.conversationId, answerId });
    const checked = checkQuestion(input.message);
    const language: Language = detectLanguage(checked.ok ? checked.text : input.message);
    const say_ = (text: string) => {
      record.answer += text;
      emit({ type: 'token', text });
    };
    const finish = (decision: AnswerRecord['decision'], cached: boolean, usage: Usage | null) => {
      record.decision = decision;
      record.timings.totalMs = Date.now() - started;
      emit({ type: 'done', answerId, decision, cached, usage });
    };
    /** Replaces a streamed answer that must not stand with a notice; cites nothing, not cached. */
    const withhold = async (key: MessageKey, usage: Usage | null): Promise<AnswerRecord> => {
      const notice = say(key, language);
      say_(record.answer ? `\n\n${notice}` : notice);
      record.answer = notice;
      record.sources = [];
      emit({ type: 'sources', sources: [] });
      record.complete = true;
      finish('answer', false, usage);
      await remember(record, input, true);
      return record;
    };
    const handoff = async (reason: HandoffReason, key: MessageKey, draft?: string) => {
      record.decision = 'escalate';
      record.escalationReason = reason;
      try {
        const ticket = await deps.handoffs.create({
          space: input.space,
          conversationKey: input.conversationKey,
          conversationId: input.conversationId,
          origin: input.origin ?? { surface: 'web' },
          ...(input.user ? { asker: input.user } : {}),
          question: record.standaloneQuestion,
          ...(draft ? { draftAnswer: draft } : {}),
          sources: record.sources,
          answerId,
          reason,
        });
        deps.observer?.handoff?.(reason);
        say_(say(key, language));
        emit({ type: 'handoff', handoffId: ticket.id, reason });
      } catch (err) {
        // Never silently dropped: the asker is told plainly that it failed.
        logger.error({ err, answerId }, 'could not create a handoff ticket');
        say_(say('failure_no_ticket', language));
        emit({ type: 'handoff', handoffId: null, reason });
      }
    };

    if (!checked.ok) {
      if (checked.reason === 'empty') say_(helpText(language));
      else emit({ type: 'error', code: 'input:too_long', message: say('too_long', language) });
      finish('answer', false, null);
      return record;
    }
    const question = checked.text;
    record.question = question;
    // Debug only, and the logger scrubs PII and secrets from it (src/text/log-scrub.ts).
    logger.debug(
      { answerId, conversationKey: input.conversationKey, space: input.space, question },
      'question received',
    );
    record.standaloneQuestion = question;
    const gen = deps.generatorFor?.(input.space) ?? deps.generator;
    try {
      if (wantsHuman(question)) {
        const history = await deps.memory.recent(input.conversationKey, 4);
        const lastUser = [...history].reverse().find((t) => t.role === 'user');
        if (lastUser) record.standaloneQuestion = lastUser.text;
        await handoff('requested', 'requested');
        finish('escalate', false, null);
        await remember(record, input, true);
        return record;
      }
      const blocked = deps.safety ? await deps.safety.checkQuestion(question) : null;
      if (blocked && deps.safety) {
        deps.safety.recordBlock({
          where: 'question',
          ruleId: blocked.rule.id,
          list: blocked.rule.list,
          match: blocked.match,
          space: input.space,
          answerId,
        });
        if (deps.safety.onBlockedQuestion === 'handoff') {
          await handoff('safety', 'safety_handoff');
          finish('escalate', false, null);
        } else {
          say_(say('safety_refused', language));
          record.complete = true;
          finish('answer', false, null);
        }
        // The blocked text is not kept in memory, where it would reach the next prompt.
        return record;
      }
      emit({ type: 'status', stage: 'retrieving' });
      const t0 = Date.now();
      const history = await deps.memory.recent(input.conversationKey, settings.memoryTurns);
      if (!index.spaces().includes(input.space)) {
        throw new CopilotError('space:unknown', `Unknown space "${input.space}".`, { status: 400 });
      }
      // A saved human answer matching the question as typed needs no condensing (no model call).
      // Each text is embedded once per ask, whether annotations, retrieval or both need it.
      const vectors = new Map<string, Promise<number[]>>();
      const embed = (text: string) => {
        const known = vectors.get(text);
        if (known) return known;
        const v = deps.embedder.embedQuery(text);
        vectors.set(text, v);
        return v;
      };
      let note = await annotations.match(index, input.space, question, settings.annotationMinScore, embed);
      const standalone =
        note || !history.length
          ? question
          : await gen.condense(question, history, language, input.signal).catch((err: unknown) => {
              logger.warn({ err, answerId }, 'condense failed; using the question as asked');
              return question;
            });
      record.standaloneQuestion = standalone;
      if (!note && standalone !== question) {
        note = await annotations.match(index, input.space, standalone, settings.annotationMinScore, embed);
      }
      if (note) {
        const text = `${annotationText(index, note.chunk)}\n\n${attribution(language, note.answeredBy, note.answeredAt)}`;
        record.via = 'annotation';
        record.sources = [annotationRef(note.chunk)];
        say_(text);
        emit({ type: 'sources', sources: record.sources });
        record.complete = true;
        finish('answer', false, null);
        await remember(record, input, true, { cached: false, annotation: true });
        return record;
      }

      // The history shapes both the standalone question and the prompt: it is part of the key.
      // The validity epoch changes when a dated passage starts or stops being citable, so a cached
      // answer never outlives the passage it cites (nor hides one that has become valid).
      const now = deps.now?.() ?? Date.now();
      const version = `${index.version}@${index.validityEpoch(input.space, now)}`;
      const cacheKey = answerCacheKey(input.space, version, standalone, historyDigest(history));
      const cached = await deps.cache.get(cacheKey);
      if (cached) {
        record.via = 'cache';
        record.sources = cached.sources;
        say_(cached.answer);
        emit({ type: 'sources', sources: cached.sources });
        record.complete = true;
        finish(cached.decision, true, null);
        await remember(record, input, true, { cached: true, annotation: false });
        return record;
      }

      let hits: SearchHit[];
      try {
        hits = await index.search(standalone, {
          space: input.space,
          k: settings.topK * 3,
          queryVector: await embed(standalone),
          now,
        });
      } catch (err) {
        if (isCopilotError(err, 'space:unknown')) throw err;
        logger.error({ err, answerId }, 'retrieval failed');
        await handoff('failure', 'failure');
        finish('escalate', false, null);
        await remember(record, input, false);
        return record;
      }
      record.timings.retrievalMs = Date.now() - t0;
      const top = dedupePerSource(hits, settings.perSource, settings.topK);
      const evidence = gatherEvidence(question, top, index.space(input.space));
      const decision = decide(standalone, top, { minScore: settings.answerMinScore, evidence });
      record.retrievalTopScore = decision.topScore;
      if (decision.decision === 'escalate') {
        await handoff('escalate', 'escalate');
        finish('escalate', false, null);
        await remember(record, input, true);
        return record;
      }
      if (decision.decision === 'clarify' && decision.options) {
        say_(say('clarify', language));
        emit({ type: 'clarify', options: decision.options });
        record.complete = true;
        finish('clarify', false, null);
        await remember(record, input, true);
        return record;
      }

      const prompt = buildAnswerPrompt({
        templates: deps.templates,
        question: standalone,
        language,
        passages: top.map((h) => ({ title: h.chunk.title, source: h.chunk.source, text: h.chunk.text })),
        history,
        tokenBudget: settings.promptTokenBudget,
        memoryTokenBudget: settings.memoryTokenBudget,
      });
      const refs = toSourceRefs(prompt.passages, top);
      record.sources = refs;
      record.timings.overheadMs = Date.now() - started;
      emit({ type: 'status', stage: 'generating' });
      const filter = createAnswerStreamFilter();
      const guard = createLeakGuard(secrets);
      const safetyGuard = deps.safety?.guard();
      const checked = (text: string) => (safetyGuard ? safetyGuard.push(text) : text);
      const stream = (text: string) => {
        if (!text) return;
        record.timings.firstTokenMs ??= Date.now() - started;
        say_(text);
      };
      let result: Awaited<ReturnType<AnswerGenerator['generate']>>;
      // Past a daily budget the model is not asked: the extractive answer, marked, says why.
      const budgetScope = { space: input.space, ...(input.user ? { user: input.user } : {}) };
      const spent =
        deps.budget && deps.overBudget && gen.id !== 'offline'
          ? await deps.budget.exceeded(budgetScope)
          : null;
      const answerer = spent && deps.overBudget ? deps.overBudget : gen;
      try {
        result = await answerer.generate(
          {
            question: standalone,
            language,
            passages: prompt.passages,
            history,
            messages: prompt.messages,
            ...(input.signal ? { signal: input.signal } : {}),
          },
          (piece) => stream(checked(guard.push(filter.push(piece)))),
        );
        stream(checked(guard.push(filter.end())));
        stream(checked(guard.end()));
        if (safetyGuard) stream(safetyGuard.end());
        if (spent && !isNoAnswer(result.text)) {
          const note = say(spent === 'space' ? 'budget_space' : 'budget_user', language);
          stream(note);
          result = { ...result, text: result.text + note };
        }
      } catch (err) {
        if (input.signal?.aborted) {
          // The asker left (page closed): nobody to tell, and no failure to hand to a teammate.
          logger.info({ answerId }, 'answer cancelled by the asker');
          finish('answer', false, null);
          await remember(record, input, false);
          return record;
        }
        logger.error({ err: summarize(err), answerId }, 'answer generation failed');
        const draft = record.answer.trim();
        if (record.answer) say_('\n\n');
        await handoff('failure', 'failure', draft || undefined);
        finish('escalate', false, null);
        await remember(record, input, false);
        return record;
      }
      const usage = result.usage
        ? { ...result.usage, costUsd: estimateCost(result.model ?? gen.model, result.usage) }
        : null;
      if (usage) record.usage = usage;
      if (usage && deps.budget && !spent)
        await deps.budget.spend(budgetScope, usage.totalTokens, usage.costUsd);
      record.via = answerer.id === 'offline' || result.model === 'extractive' ? 'offline' : 'llm';
      if (isNoAnswer(result.text)) {
        record.answer = '';
        await handoff('no_answer', 'no_answer');
        finish('escalate', false, usage);
        await remember(record, input, true);
        return record;
      }
      if (guard.tripped || leaksProtectedText(result.text, secrets)) {
        // The model was talked into reciting its instructions. Nothing of the leak was shown
        // (the guard held it back); replace the answer, cite nothing, and do not cache it.
        logger.warn({ answerId }, 'answer withheld: the model repeated its system prompt');
        return withhold('withheld', usage);
      }
      const unsafe = safetyGuard?.hit ?? (deps.safety ? await deps.safety.checkAnswer(result.text) : null);
      if (unsafe && deps.safety) {
        // Nothing of the match was shown (the guard held it back); withhold the rest, cite nothing,
        // do not cache it.
        deps.safety.recordBlock({
          where: 'answer',
          ruleId: unsafe.rule.id,
          list: unsafe.rule.list,
          match: unsafe.match,
          space: input.space,
          answerId,
        });
        return withhold('safety_withheld', usage);
      }
      const mapped = mapCitations(stripPings(result.text), prompt.passages);
      record.answer = mapped.text;
      record.sources = citedSources(refs, mapped.cited);
      emit({ type: 'sources', sources: record.sources });
      record.complete = true;
      finish('answer', false, usage);
      await deps.cache
        .set(
          cacheKey,
          { answer: record.answer, sources: record.sources, decision: 'answer', answerId },
          settings.cacheTtlSeconds,
        )
        .catch((err: unknown) => logger.warn({ err: summarize(err) }, 'answer cache write failed'));
      await remember(record, input, true);
      return record;
    } catch (err) {
      const known = isCopilotError(err) ? err : null;
      if (!known) logger.error({ err, answerId }, 'unexpected failure while answering');
      emit({
        type: 'error',
        code: known?.code ?? 'internal:error',
        message: known
          ? `${known.message}${known.hint ? ` ${known.hint}` : ''}`
          : say('failure_no_ticket', language),
      });
      finish(record.decision, false, null);
      return record;
    }
  }

  /** Step 11: store the answer record and append both turns to memory, once, at the end. */
  async function remember(
    record: AnswerRecord,
    input: AskInput,
    appendTurns: boolean,
    info = { cached: false, annotation: false },
  ): Promise<void> {
    record.timings.totalMs = Date.now() - record.createdAt;
    deps.observer?.answered?.(record, info);
    try {
      await deps.answers.save(record);
    } catch (err) {
      logger.error({ err: summarize(err), answerId: record.id }, 'could not store the answer record');
    }
    if (!appendTurns) return;
    const at = Date.now();
    try {
      await deps.memory.append(input.conversationKey, [
        { role: 'user', text: record.question, at: record.createdAt },
        { role: 'assistant', text: record.answer, at, answerId: record.id },
      ]);
    } catch (err) {
      logger.warn({ err: summarize(err) }, 'could not append to conversation memory');
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
      const index = deps.index.current();
      return {
        indexVersion: index.version,
        spaces: index.spaces().map((name) => ({
          name,
          documents: index.space(name)?.documentCount() ?? 0,
          chunks: index.space(name)?.size ?? 0,
          public: deps.isPublic ? deps.isPublic(name) : true,
        })),
        modes: deps.modes,
        ready: deps.ready ? deps.ready() : true,
      };
    },
  };
}

function annotationRef(chunk: {
  source: string;
  title: string;
  space: string;
  id: string;
  text: string;
}): SourceRef {
  return {
    n: 1,
    source: chunk.source,
    title: chunk.title,
    space: chunk.space,
    chunkId: chunk.id,
    snippet: chunk.text.slice(0, 240),
  };
}

/** Log-safe error summary (no request bodies or headers). */
function summarize(err: unknown): { code?: string; message: string } {
  if (err instanceof CopilotError) return { code: err.code, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}
