import type { SearchHit } from '../../retrieval/types.js';
import { decide } from '../decide.js';
import type { CopilotDeps } from '../deps.js';
import { gatherEvidence } from '../evidence.js';
import { say } from '../messages.js';
import type { Ending, Run } from '../run.js';
import { dedupePerSource } from '../sources.js';
import { escalate } from './escalate.js';

/**
 * Answer, clarify or escalate (decide.ts), on the best passages (at most `perSource` per file,
 * `topK` in all). Escalate opens a ticket; clarify offers the options. Otherwise the passages go
 * on to the generate step.
 */
export async function decideStep(
  run: Run,
  deps: Pick<CopilotDeps, 'handoffs' | 'observer' | 'logger'> & {
    minScore: number;
    perSource: number;
    topK: number;
  },
  question: string,
  standalone: string,
  hits: SearchHit[],
): Promise<{ top: SearchHit[] } | { ending: Ending }> {
  const top = dedupePerSource(hits, deps.perSource, deps.topK);
  const evidence = gatherEvidence(question, top, run.view.vocabulary(run.input.space));
  const decision = decide(standalone, top, { minScore: deps.minScore, evidence });
  run.record.retrievalTopScore = decision.topScore;
  if (decision.decision === 'escalate') {
    await escalate(run, deps, 'escalate', 'escalate');
    return { ending: { decision: 'escalate', keep: 'turns' } };
  }
  if (decision.decision === 'clarify' && decision.options) {
    run.say(say('clarify', run.language));
    run.emit({ type: 'clarify', options: decision.options });
    run.record.complete = true;
    return { ending: { decision: 'clarify', keep: 'turns' } };
  }
  return { top };
}
