import type { AnswerGenerator } from '../domain/llm.js';
import { CopilotError } from '../errors.js';
import type { Logger } from '../logger.js';
import { buildGapDraftPrompt } from '../prompts/gap-draft.js';
import { detectLanguage } from '../text/language.js';
import { isNoAnswer, stripPings } from '../text/postprocess.js';
import type { Gap } from './gaps.js';

/** Where a draft came from: the model, the teammates' replies, or nowhere (write one). */
export type DraftSource = 'model' | 'replies' | 'none';

export interface GapDraft {
  text: string;
  source: DraftSource;
  /** One line for the admin: what the draft is based on and what to check. */
  note: string;
}

export interface GapDraftDeps {
  /** The configured model; absent when none is (LLM_PROVIDER=offline). */
  generator?: AnswerGenerator;
  /** Templates.gapDraft. */
  template: string;
  logger: Logger;
}

/** Replies used when composing a draft without a model. */
const MAX_COMPOSED = 3;
/** The offline extractor's model name: a fallback chain that ended there did not draft anything. */
const EXTRACTIVE = 'extractive';

/**
 * A draft answer for a gap, for an admin to edit and save: the model's when one is configured
 * (from the teammates' replies and the retrieved passages), otherwise the teammates' replies
 * themselves, otherwise nothing and an honest note saying so. A failing model falls back to the
 * replies; the admin is told.
 */
export async function draftGapAnswer(gap: Gap, deps: GapDraftDeps): Promise<GapDraft> {
  let modelNote = '';
  if (deps.generator) {
    try {
      const text = await modelDraft(gap, deps.generator, deps.template);
      if (text) {
        return {
          text,
          source: 'model',
          note: `Drafted by ${deps.generator.model} from ${describe(gap)}. Check every fact before saving.`,
        };
      }
      modelNote = 'The model found nothing to draft from. ';
    } catch (err) {
      const code = err instanceof CopilotError ? err.code : 'llm:failed';
      deps.logger.warn({ gapId: gap.id, code }, 'gap draft: the model failed; using teammates’ replies');
      modelNote = 'The model could not draft this just now. ';
    }
  }
  if (gap.replies.length > 0) {
    const picked = gap.replies.slice(0, MAX_COMPOSED);
    return {
      text: picked.map((r) => r.text.trim()).join('\n\n'),
      source: 'replies',
      note: `${modelNote}Composed from ${picked.length === 1 ? 'a teammate’s reply' : `${picked.length} teammates’ replies`} to these questions (newest first). Edit it into one answer before saving.`,
    };
  }
  return {
    text: '',
    source: 'none',
    note: `${modelNote}No draft: ${deps.generator ? '' : 'no model is configured and '}no teammate has answered these questions yet. Write the answer.`,
  };
}

async function modelDraft(gap: Gap, generator: AnswerGenerator, template: string): Promise<string> {
  const language = detectLanguage(gap.question);
  const passages = gap.passages.map((p) => ({ title: p.title, source: p.source, text: p.snippet }));
  const { messages } = buildGapDraftPrompt({
    template,
    language,
    question: gap.question,
    examples: gap.examples.map((e) => e.question),
    replies: gap.replies.map((r) => ({ by: r.by, text: r.text })),
    passages,
  });
  const result = await generator.generate(
    {
      question: gap.question,
      language,
      passages: passages.map((p, i) => ({ n: i + 1, ...p })),
      history: [],
      messages,
    },
    () => {},
  );
  // Every model failed and the chain fell back to the extractor: that is not a draft.
  if (result.model === EXTRACTIVE) throw new CopilotError('llm:failed', 'No model drafted the answer.');
  const text = stripPings(result.text).trim();
  return isNoAnswer(text) ? '' : text;
}

function describe(gap: Gap): string {
  const parts = [
    gap.replies.length ? `${gap.replies.length} teammate repl${gap.replies.length === 1 ? 'y' : 'ies'}` : '',
    gap.passages.length
      ? `${gap.passages.length} retrieved passage${gap.passages.length === 1 ? '' : 's'}`
      : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' and ') : 'the question alone';
}
