import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { AnswerRecord } from '../../../src/domain/answers.js';
import { formatExportOf, toConversations } from '../../../src/insights/export.js';

const rec = (
  id: string,
  conversationKey: string,
  at: number,
  over: Partial<AnswerRecord> = {},
): AnswerRecord => ({
  id,
  conversationKey,
  space: 'default',
  user: 'U1',
  question: `question ${id}`,
  standaloneQuestion: `question ${id}`,
  answer: `answer ${id}`,
  decision: 'answer',
  via: 'offline',
  complete: true,
  sources: [],
  indexVersion: 'v1',
  timings: { totalMs: 10 },
  createdAt: at,
  ...over,
});

describe('conversation export', () => {
  // Given out of order: turns are grouped per conversation and ordered by time.
  const records = [
    rec('a2', 'web:c1', 2_000, { feedback: { rating: 'down', reason: 'wrong', at: 2_500 } }),
    rec('b1', 'web:c2', 1_500, { question: 'mail me: jane@example.com', decision: 'escalate' }),
    rec('a1', 'web:c1', 1_000),
  ];

  it('groups answer records into conversations with their turns, oldest first', () => {
    const convs = toConversations(records, false);
    expect(convs.map((c) => [c.conversationKey, c.turns.map((t) => t.answerId)])).toEqual([
      ['web:c1', ['a1', 'a2']],
      ['web:c2', ['b1']],
    ]);
    const c1 = convs[0];
    expect(c1?.startedAt).toBe(new Date(1_000).toISOString());
    expect(c1?.endedAt).toBe(new Date(2_000).toISOString());
    expect(c1?.turns[1]?.feedback).toBe('down');
    expect(c1?.user).toBe(''); // user ids only in a raw export
    expect(toConversations(records, true)[0]?.user).toBe('U1');
  });

  it('CSV and JSONL carry the same conversations; PII scrubbed unless raw', () => {
    const jsonl = formatExportOf('conversations', records, 'jsonl', false)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const csv = parse(formatExportOf('conversations', records, 'csv', false), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(csv.map((r) => [r.conversationKey, r.turnCount])).toEqual(
      jsonl.map((c) => [c.conversationKey, String(c.turns.length)]),
    );
    expect(csv[0]?.transcript).toBe(
      'Q: question a1\nA: answer a1\n[answer]\n\nQ: question a2\nA: answer a2\n[answer, down]',
    );
    expect(JSON.stringify(jsonl)).not.toContain('jane@example.com');
    expect(formatExportOf('conversations', records, 'jsonl', true)).toContain('jane@example.com');
    expect(formatExportOf('conversations', [], 'jsonl', false)).toBe('');
  });
});
