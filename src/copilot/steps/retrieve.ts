import { isCopilotError } from '../../errors.js';
import type { SearchHit } from '../../retrieval/types.js';
import type { CopilotDeps } from '../deps.js';
import type { Ending, Run } from '../run.js';
import { escalate } from './escalate.js';

/**
 * Hybrid search for the standalone question in the asker's space (expired passages left out by
 * the index). A failing index hands the question to a teammate; an unknown space is the caller's
 * error and is rethrown.
 */
export async function retrieveStep(
  run: Run,
  deps: Pick<CopilotDeps, 'handoffs' | 'observer' | 'logger'> & { k: number },
  standalone: string,
  now: number,
  since: number,
): Promise<{ hits: SearchHit[] } | { ending: Ending }> {
  let hits: SearchHit[];
  try {
    hits = await run.view.search(standalone, run.input.space, deps.k, {
      queryVector: await run.embed(standalone),
      now,
    });
  } catch (err) {
    if (isCopilotError(err, 'space:unknown')) throw err;
    deps.logger.error({ err, answerId: run.record.id }, 'retrieval failed');
    await escalate(run, deps, 'failure', 'failure');
    return { ending: { decision: 'escalate', keep: 'record' } };
  }
  run.record.timings.retrievalMs = Date.now() - since;
  return { hits };
}
