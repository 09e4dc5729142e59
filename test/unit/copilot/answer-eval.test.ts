import { describe, expect, it } from 'vitest';
import { type AnswerCase, hasFacts, scoreAnswers } from '../../../src/copilot/answer-eval.js';
import { namedTerms } from '../../../src/copilot/evidence.js';
import { bigramTokens } from '../../../src/retrieval/eval-baseline.js';

describe('answer eval scoring', () => {
  it('finds facts case- and markup-insensitively, with alternatives', () => {
    expect(hasFacts('Buyers may return within **30 Calendar Days**.', ['30 calendar days'])).toBe(true);
    expect(hasFacts('Within 30 days.', ['30 calendar days|30 days'])).toBe(true);
    expect(hasFacts('Within 3–5 business days.', ['3-5 business days'])).toBe(true);
    expect(hasFacts('Contact returns@shop.example.', ['30 days'])).toBe(false);
    expect(hasFacts('手续费 0.6%', ['0.6%', '$3'])).toBe(false);
  });

  it('counts fact hits, false escalations and escalated off-topic questions apart', async () => {
    const cases: AnswerCase[] = [
      { question: 'a', facts: ['30 days'] },
      { question: 'b', facts: ['$7.95'] },
      { question: 'c', facts: ['24 hours'] },
      { question: 'weather?', facts: [], offTopic: true },
      { question: 'poem?', facts: [], offTopic: true },
    ];
    const replies: Record<string, { escalated: boolean; text: string }> = {
      a: { escalated: false, text: 'Returns are accepted within 30 days.' },
      b: { escalated: false, text: 'Contact the returns desk.' },
      c: { escalated: true, text: '' },
      'weather?': { escalated: true, text: '' },
      'poem?': { escalated: false, text: 'Write a summary.' },
    };
    const scores = await scoreAnswers(
      cases,
      async (c) => replies[c.question] as { escalated: boolean; text: string },
    );
    expect(scores).toEqual({
      fact_hit_rate: 0.333,
      false_escalations: 1,
      offtopic_escalations: 1,
      offtopic: 2,
      answerable: 3,
    });
  });

  it('the bigram baseline cuts Chinese runs into overlapping pairs and keeps Latin words whole', () => {
    expect(bigramTokens('退款政策 Refund 30天')).toEqual(['退款', '款政', '政策', 'refund', '30', '天']);
  });
});

describe('names in a question (escalation evidence)', () => {
  it('a Chinese question with a number has no name; everyday caps are not names; codes still are', () => {
    expect(namedTerms('大促活动价至少要比过去30天最低价低多少？')).toEqual([]);
    expect(namedTerms('Is the HP-KET-200 kettle OK for UK plugs?')).toEqual(['HP-KET-200', 'UK']);
    expect(namedTerms('查件要等几天，单号 BGS1234567890')).toEqual(['BGS1234567890']);
  });
});
