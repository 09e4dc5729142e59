import type { AnswerCache, Turn } from '../../domain/answers.js';
import { answerCacheKey, historyDigest } from '../../memory/cache-key.js';
import type { Ending, Run } from '../run.js';

/**
 * The answer-cache key. The history shapes both the standalone question and the prompt, so it is
 * part of the key; the validity epoch changes when a dated passage starts or stops being citable,
 * so a cached answer never outlives the passage it cites (nor hides one that has become valid).
 */
export function cacheKeyFor(run: Run, standalone: string, history: Turn[], now: number): string {
  const space = run.input.space;
  const version = `${run.view.version}@${run.view.validityEpoch(space, now)}`;
  return answerCacheKey(space, version, standalone, historyDigest(history));
}

/** A cached answer, replayed as it was given; null on a miss. */
export async function cacheStep(
  run: Run,
  cache: Pick<AnswerCache, 'get'>,
  key: string,
): Promise<Ending | null> {
  const cached = await cache.get(key);
  if (!cached) return null;
  const { record } = run;
  record.via = 'cache';
  record.sources = cached.sources;
  run.say(cached.answer);
  run.emit({ type: 'sources', sources: cached.sources });
  record.complete = true;
  return { decision: cached.decision, keep: 'turns', cached: true };
}
