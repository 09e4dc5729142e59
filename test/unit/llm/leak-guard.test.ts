import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createLeakGuard,
  leaksProtectedText,
  MIN_LEAK,
  templateFragments,
} from '../../../src/llm/leak-guard.js';
import { loadTemplates } from '../../../src/prompts/templates.js';

const templates = loadTemplates();
const SECRETS = [
  templates.system.en,
  templates.system.zh,
  ...templateFragments(templates.user),
  ...templateFragments(templates.condense),
];

/** Feeds `pieces` through a fresh guard; what the user would have seen, and whether it tripped. */
function run(pieces: string[]) {
  const guard = createLeakGuard(SECRETS);
  let shown = '';
  for (const p of pieces) shown += guard.push(p);
  shown += guard.end();
  return { shown, tripped: guard.tripped };
}

/** Splits a text into random pieces, like a model's tokens. */
const piecesOf = (text: string) =>
  fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 400 }).map((sizes) => {
    const out: string[] = [];
    let i = 0;
    for (const n of sizes) {
      if (i >= text.length) break;
      out.push(text.slice(i, i + n));
      i += n;
    }
    if (i < text.length) out.push(text.slice(i));
    return out;
  });

const answerLike = fc.stringMatching(/^[A-Za-z0-9 ,.[\]\n]{0,300}$/);

describe('leak guard', () => {
  it('passes an ordinary answer through unchanged, however it is split', () => {
    const answer =
      'Customers can return items within 30 days of delivery [1]. The passages say refunds take 5 days [2].';
    fc.assert(
      fc.property(piecesOf(answer), (pieces) => {
        expect(run(pieces)).toEqual({ shown: answer, tripped: false });
      }),
      { numRuns: 200 },
    );
  });

  it('never shows a leak span of the system prompt, whatever surrounds it and however it is split', () => {
    const en = templates.system.en;
    fc.assert(
      fc.property(
        answerLike,
        answerLike,
        fc.integer({ min: 0, max: en.length - MIN_LEAK }),
        fc.integer({ min: MIN_LEAK, max: 400 }),
        fc.boolean(),
        (before, after, start, len, shout) => {
          let leak = en.slice(start, start + len);
          if (shout) leak = leak.toUpperCase().replace(/\n/g, '\n\n  ');
          const text = `${before}${leak}${after}`;
          fc.pre(leak.replace(/\s+/g, ' ').length >= MIN_LEAK);
          const { shown, tripped } = run([text]);
          expect(tripped).toBe(true);
          expect(leaksProtectedText(shown, SECRETS)).toBe(false);
          expect(shown.length).toBeLessThan(before.length + MIN_LEAK);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('catches the Chinese rules too, and the fixed text of the user template', () => {
    expect(run([templates.system.zh.slice(20, 60)]).tripped).toBe(true);
    expect(
      run(['Sure: using only the passages above, citing them as [n]. If they do not contain']).tripped,
    ).toBe(true);
  });

  it('a short quote of a rule is not a leak', () => {
    expect(run(['I answer only from the numbered passages.'])).toEqual({
      shown: 'I answer only from the numbered passages.',
      tripped: false,
    });
  });
});
