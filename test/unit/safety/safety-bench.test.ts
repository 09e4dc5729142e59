import { describe, expect, it } from 'vitest';
import { safetyBench } from '../../../src/bench/safety-bench.js';

// Sanity of the bench at a small size (the figures come from `npm run bench`, never from tests).
describe('safety bench', () => {
  it('reports every figure, and both the guard and the baseline catch planted patterns', () => {
    const r = safetyBench({ patterns: 400, answers: 40, naiveAnswers: 4, answerChars: 600 });
    expect(r.caught).toEqual([true, true, true, true, true, true]);
    expect(r.safety_patterns).toBe(400);
    expect(r.safety_tokens_per_answer).toBeGreaterThan(100);
    for (const k of ['safety_p50_ms', 'safety_p99_ms', 'safety_cpu_p99_ms', 'safety_naive_p99_ms'] as const)
      expect(r[k]).toBeGreaterThan(0);
  });
});
