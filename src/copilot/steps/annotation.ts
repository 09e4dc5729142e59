import type { SourceRef, Turn } from '../../domain/answers.js';
import type { AnswerGenerator } from '../../domain/llm.js';
import type { Logger } from '../../logger.js';
import { type AnnotationMatcher, annotationText } from '../annotations.js';
import { attribution } from '../messages.js';
import type { Ending, Run } from '../run.js';

export interface AnnotationStepDeps {
  annotations: Pick<AnnotationMatcher, 'match'>;
  minScore: number;
  logger: Logger;
}

/**
 * Resolves what is being asked and answers it from a saved human answer when one matches:
 * the question as typed is matched first (no model call); otherwise a follow-up is condensed into
 * a standalone question, which is matched too. Returns the standalone question for the next steps,
 * or the ending when a saved answer was given (attributed, cited, no model call).
 */
export async function annotationStep(
  run: Run,
  deps: AnnotationStepDeps,
  asked: { question: string; history: Turn[]; generator: Pick<AnswerGenerator, 'condense'> },
): Promise<{ standalone: string; ending?: Ending }> {
  const { input, record, view, language } = run;
  const { question, history } = asked;
  const match = (text: string) => deps.annotations.match(view, input.space, text, deps.minScore, run.embed);
  let note = await match(question);
  const standalone =
    note || !history.length
      ? question
      : await asked.generator.condense(question, history, language, input.signal).catch((err: unknown) => {
          deps.logger.warn({ err, answerId: record.id }, 'condense failed; using the question as asked');
          return question;
        });
  record.standaloneQuestion = standalone;
  if (!note && standalone !== question) note = await match(standalone);
  if (!note) return { standalone };
  record.via = 'annotation';
  record.sources = [annotationRef(note.chunk)];
  run.say(
    `${annotationText(view, note.chunk)}\n\n${attribution(language, note.answeredBy, note.answeredAt)}`,
  );
  run.emit({ type: 'sources', sources: record.sources });
  record.complete = true;
  return { standalone, ending: { decision: 'answer', keep: 'turns' } };
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
