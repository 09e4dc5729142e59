import type { Turn, Usage } from '../../domain/answers.js';
import type { AnswerGenerator, GenerateResult } from '../../domain/llm.js';
import { createLeakGuard, leaksProtectedText } from '../../llm/leak-guard.js';
import { estimateCost } from '../../llm/pricing.js';
import { buildAnswerPrompt } from '../../prompts/builder.js';
import type { SearchHit } from '../../retrieval/types.js';
import { createAnswerStreamFilter, isNoAnswer, mapCitations, stripPings } from '../../text/postprocess.js';
import type { CopilotDeps } from '../deps.js';
import { type MessageKey, say } from '../messages.js';
import { type Ending, type Run, summarize } from '../run.js';
import { citedSources, toSourceRefs } from '../sources.js';
import { escalate } from './escalate.js';

export type GenerateDeps = Pick<
  CopilotDeps,
  'templates' | 'safety' | 'budget' | 'overBudget' | 'handoffs' | 'observer' | 'logger'
> & {
  /** What an answer must never repeat: the rules and the fixed prompt text (leak-guard.ts). */
  secrets: string[];
  promptTokenBudget: number;
  memoryTokenBudget: number;
};

export interface GenerateInput {
  standalone: string;
  history: Turn[];
  top: SearchHit[];
  generator: AnswerGenerator;
  /** Where a complete answer is cached. */
  cacheKey: string;
}

/**
 * Prompt → budget check → stream from the generator through the ping filter, the leak guard, the
 * safety guard and the citation mapper. A failure, a NO_ANSWER, a leak or an unsafe answer ends
 * differently (handoff or withheld); a clean answer is cited and cached.
 */
export async function generateStep(run: Run, deps: GenerateDeps, g: GenerateInput): Promise<Ending> {
  const { input, record, language } = run;
  const started = record.createdAt;
  const prompt = buildAnswerPrompt({
    templates: deps.templates,
    question: g.standalone,
    language,
    passages: g.top.map((h) => ({ title: h.chunk.title, source: h.chunk.source, text: h.chunk.text })),
    history: g.history,
    tokenBudget: deps.promptTokenBudget,
    memoryTokenBudget: deps.memoryTokenBudget,
  });
  const refs = toSourceRefs(prompt.passages, g.top);
  record.sources = refs;
  record.timings.overheadMs = Date.now() - started;
  run.emit({ type: 'status', stage: 'generating' });
  const filter = createAnswerStreamFilter();
  const guard = createLeakGuard(deps.secrets);
  const safetyGuard = deps.safety?.guard();
  const checked = (text: string) => (safetyGuard ? safetyGuard.push(text) : text);
  const stream = (text: string) => {
    if (!text) return;
    record.timings.firstTokenMs ??= Date.now() - started;
    run.say(text);
  };
  // Past a daily budget the model is not asked: the extractive answer, marked, says why.
  const budgetScope = { space: input.space, ...(input.user ? { user: input.user } : {}) };
  const spent =
    deps.budget && deps.overBudget && g.generator.id !== 'offline'
      ? await deps.budget.exceeded(budgetScope)
      : null;
  const answerer = spent && deps.overBudget ? deps.overBudget : g.generator;
  let result: GenerateResult;
  try {
    result = await answerer.generate(
      {
        question: g.standalone,
        language,
        passages: prompt.passages,
        history: g.history,
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
      deps.logger.info({ answerId: record.id }, 'answer cancelled by the asker');
      return { decision: 'answer', keep: 'record' };
    }
    deps.logger.error({ err: summarize(err), answerId: record.id }, 'answer generation failed');
    const draft = record.answer.trim();
    if (record.answer) run.say('\n\n');
    await escalate(run, deps, 'failure', 'failure', draft || undefined);
    return { decision: 'escalate', keep: 'record' };
  }
  const usage = result.usage
    ? { ...result.usage, costUsd: estimateCost(result.model ?? g.generator.model, result.usage) }
    : null;
  if (usage) record.usage = usage;
  if (usage && deps.budget && !spent) await deps.budget.spend(budgetScope, usage.totalTokens, usage.costUsd);
  record.via = answerer.id === 'offline' || result.model === 'extractive' ? 'offline' : 'llm';
  if (isNoAnswer(result.text)) {
    record.answer = '';
    await escalate(run, deps, 'no_answer', 'no_answer');
    return { decision: 'escalate', keep: 'turns', usage };
  }
  if (guard.tripped || leaksProtectedText(result.text, deps.secrets)) {
    // The model was talked into reciting its instructions. Nothing of the leak was shown (the
    // guard held it back); replace the answer, cite nothing, and do not cache it.
    deps.logger.warn({ answerId: record.id }, 'answer withheld: the model repeated its system prompt');
    return withhold(run, 'withheld', usage);
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
      answerId: record.id,
    });
    return withhold(run, 'safety_withheld', usage);
  }
  const mapped = mapCitations(stripPings(result.text), prompt.passages);
  record.answer = mapped.text;
  record.sources = citedSources(refs, mapped.cited);
  run.emit({ type: 'sources', sources: record.sources });
  record.complete = true;
  return { decision: 'answer', keep: 'turns', usage, cacheKey: g.cacheKey };
}

/** Replaces a streamed answer that must not stand with a notice; cites nothing, not cached. */
export function withhold(run: Run, key: MessageKey, usage: Usage | null): Ending {
  const { record } = run;
  const notice = say(key, run.language);
  run.say(record.answer ? `\n\n${notice}` : notice);
  record.answer = notice;
  record.sources = [];
  run.emit({ type: 'sources', sources: [] });
  record.complete = true;
  return { decision: 'answer', keep: 'turns', usage };
}
