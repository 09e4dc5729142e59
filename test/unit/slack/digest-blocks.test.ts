import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../../src/insights/gap-desk.js';
import type { Gap } from '../../../src/insights/gaps.js';
import { buildDigestBlocks, decodeGapRef, encodeGapRef } from '../../../src/slack/blocks/digest.js';
import {
  buildGapAnswerModal,
  decodeGapMeta,
  encodeGapMeta,
  readGapAnswer,
} from '../../../src/slack/blocks/gap-modal.js';
import { checkLimits } from './limits-check.js';

const FROM = Date.parse('2026-11-24T00:00:00Z');
const TO = Date.parse('2026-11-30T09:00:00Z');

function gap(i: number, over: Partial<Gap> = {}): Gap {
  return {
    id: `g_${String(i).padStart(16, '0')}`,
    space: 'default',
    count: 10 - i,
    question: `Question ${i}?`,
    examples: [
      { answerId: `a${i}`, question: `Question ${i}?`, createdAt: TO, why: 'escalated' },
      { answerId: `b${i}`, question: `Wording ${i}?`, createdAt: TO, why: 'down' },
    ],
    why: { escalated: 1, no_answer: 0, down: 1 },
    passages: [],
    replies: [],
    lastAskedAt: TO,
    saved: false,
    memberIds: [`a${i}`, `b${i}`],
    ...over,
  };
}

function digest(gaps: Gap[], openGaps = gaps.length): Digest {
  return {
    from: FROM,
    to: TO,
    figures: { questions: 120, automatedRate: 0.8333, thumbsUp: 30, thumbsDown: 4, escalations: 9 },
    gaps,
    openGaps,
  };
}

const sections = (blocks: types.KnownBlock[]) =>
  blocks.filter((b): b is types.SectionBlock => b.type === 'section');

describe('digest blocks', () => {
  it('shows the figures, then one section per gap with a Draft answer button naming the gap', () => {
    const { text, blocks } = buildDigestBlocks(digest([gap(1), gap(2)], 7));
    checkLimits(blocks);
    expect(text).toBe(
      'Copilot weekly digest: 120 questions, 83 % automated, 30 👍 / 4 👎, 9 escalations, 7 knowledge gaps.',
    );
    const json = JSON.stringify(blocks);
    expect(json).toContain('2026-11-24 – 2026-11-30 (UTC)');
    expect(json).toContain('Knowledge gaps (top 2 of 7)');
    const withButtons = sections(blocks).filter((b) => b.accessory?.type === 'button');
    expect(withButtons).toHaveLength(2);
    const first = withButtons[0]?.accessory as types.Button;
    expect(first.action_id).toBe('gap_draft');
    expect(decodeGapRef(first.value)).toEqual({
      id: gap(1).id,
      space: 'default',
      from: FROM,
      to: TO,
      question: 'Question 1?',
    });
    expect(withButtons[0]?.text?.text).toContain('*9×* “Question 1?”');
    expect(withButtons[0]?.text?.text).toContain('_also asked as_ “Wording 1?”');
  });

  it('says so when there are no gaps; names spaces only when it matters', () => {
    expect(JSON.stringify(buildDigestBlocks(digest([])).blocks)).toContain(
      'No unanswered questions this week',
    );
    const one = JSON.stringify(buildDigestBlocks(digest([gap(1)])).blocks);
    expect(one).not.toContain('space `default`');
    const two = JSON.stringify(buildDigestBlocks(digest([gap(1), gap(2, { space: 'apparel' })])).blocks);
    expect(two).toContain('space `apparel`');
  });

  it('users’ questions cannot ping or hide links, and long ones stay within the limits', () => {
    const hostile = `<!channel> see <https://evil.example|the docs> ${'x'.repeat(5000)}`;
    const { blocks } = buildDigestBlocks(
      digest([
        gap(1, {
          question: hostile,
          examples: [{ answerId: 'a', question: hostile, createdAt: TO, why: 'down' }],
        }),
      ]),
    );
    checkLimits(blocks);
    // What Slack renders (the button value is data, never shown).
    const shown = sections(blocks)
      .map((b) => b.text?.text ?? '')
      .join('\n');
    expect(shown).toContain('see &lt;https://evil.example|the docs&gt;');
    expect(shown).not.toContain('<!channel>');
    expect(shown).not.toContain('<https://evil.example|');
    const button = sections(blocks).find((b) => b.accessory)?.accessory as types.Button;
    expect((button.value ?? '').length).toBeLessThanOrEqual(2000);
    expect(decodeGapRef(button.value)?.id).toBe(gap(1).id);
  });

  it('a button value that is not a gap is refused', () => {
    const ref = { id: 'g_1', space: 'apparel', from: FROM, to: TO, question: 'Q?' };
    expect(decodeGapRef(encodeGapRef(ref))).toEqual(ref);
    for (const v of [undefined, '', 'nope', '{"i":1}', '{"i":"g","s":"d","f":"x","t":1}'])
      expect(decodeGapRef(v)).toBeNull();
  });
});

describe('gap answer modal', () => {
  const meta = {
    ref: { id: 'g_1', space: 'default', from: FROM, to: TO },
    channel: 'CDESK',
    threadTs: '1.2',
  };

  it('prefills question and draft, keeps gap and thread in private_metadata, reads the submission', () => {
    const view = buildGapAnswerModal({
      meta,
      question: 'Q?',
      draft: 'The draft.',
      note: 'From a reply.',
      count: 3,
    });
    expect(view.callback_id).toBe('gap_answer_view');
    expect(decodeGapMeta(view.private_metadata as string)).toEqual(meta);
    const json = JSON.stringify(view.blocks);
    expect(json).toContain('"initial_value":"Q?"');
    expect(json).toContain('"initial_value":"The draft."');
    expect(json).toContain('Asked 3× this period. From a reply.');
    expect(
      readGapAnswer({
        values: {
          gap_question: { gap_question_input: { type: 'plain_text_input', value: ' Q2? ' } },
          gap_answer: { gap_answer_input: { type: 'plain_text_input', value: ' A. ' } },
        },
      } as never),
    ).toEqual({ question: 'Q2?', text: 'A.' });
    expect(decodeGapMeta(encodeGapMeta(meta))).toEqual(meta);
    expect(decodeGapMeta('not json')).toBeNull();
  });

  it('no draft: an empty answer box; while drafting: no inputs and no submit', () => {
    const empty = buildGapAnswerModal({ meta, question: 'Q?', draft: '', note: 'No draft.', count: 1 });
    expect(JSON.stringify(empty.blocks)).not.toContain('"initial_value":""');
    const loading = buildGapAnswerModal({
      meta,
      question: 'Q?',
      draft: '',
      note: '',
      count: 0,
      loading: true,
    });
    expect(loading.submit).toBeUndefined();
    expect(JSON.stringify(loading.blocks)).toContain('Drafting an answer');
  });
});
