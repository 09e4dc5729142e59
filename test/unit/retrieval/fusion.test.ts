import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from '../../../src/retrieval/fusion.js';

describe('reciprocal rank fusion', () => {
  it('puts an item ranked well in both lists first', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
    ]);
    expect(fused[0]?.id).toBe('b');
  });

  it('keeps every input item exactly once, sorted by score', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }), { maxLength: 4 }),
        (lists) => {
          const fused = reciprocalRankFusion(lists);
          const all = new Set(lists.flat());
          expect(fused.map((f) => f.id).sort((a, b) => a - b)).toEqual([...all].sort((a, b) => a - b));
          for (let i = 1; i < fused.length; i++)
            expect(fused[i - 1]!.score).toBeGreaterThanOrEqual(fused[i]!.score);
        },
      ),
    );
  });

  it('is monotone: moving an item up in one list never lowers its fused score', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { minLength: 2, maxLength: 20 }),
        fc.nat(),
        (list, seed) => {
          const i = 1 + (seed % (list.length - 1));
          const moved = [...list];
          [moved[i - 1], moved[i]] = [moved[i] as number, moved[i - 1] as number];
          const id = list[i] as number;
          const before = reciprocalRankFusion([list]).find((f) => f.id === id)!.score;
          const after = reciprocalRankFusion([moved]).find((f) => f.id === id)!.score;
          expect(after).toBeGreaterThan(before);
        },
      ),
    );
  });
});
