import { stringify } from 'csv-stringify/sync';
import type { AnswerRecord, AnswerStore } from '../domain/answers.js';
import { scrubPii } from '../text/pii.js';
import type { InsightsStore } from './types.js';

export type ExportFormat = 'csv' | 'jsonl';
/** `answers`: one row per answer record; `conversations`: one row per conversation with its turns. */
export type ExportKind = 'answers' | 'conversations';

/** One flat row per answer record; what both formats carry. */
export interface ExportRow {
  id: string;
  createdAt: string;
  space: string;
  conversationKey: string;
  user: string;
  question: string;
  answer: string;
  decision: string;
  via: string;
  escalationReason: string;
  topScore: number | null;
  feedback: string;
  feedbackReason: string;
  tokens: number;
  costUsd: number;
  firstTokenMs: number | null;
  sources: string;
}

export const EXPORT_COLUMNS: Array<keyof ExportRow> = [
  'id',
  'createdAt',
  'space',
  'conversationKey',
  'user',
  'question',
  'answer',
  'decision',
  'via',
  'escalationReason',
  'topScore',
  'feedback',
  'feedbackReason',
  'tokens',
  'costUsd',
  'firstTokenMs',
  'sources',
];

export function toRow(r: AnswerRecord, raw: boolean): ExportRow {
  const text = (s: string | undefined) => (raw ? (s ?? '') : scrubPii(s ?? ''));
  return {
    id: r.id,
    createdAt: new Date(r.createdAt).toISOString(),
    space: r.space,
    conversationKey: r.conversationKey,
    // User ids identify a person: left out unless raw.
    user: raw ? (r.user ?? '') : '',
    question: text(r.question),
    answer: text(r.answer),
    decision: r.decision,
    via: r.via,
    escalationReason: r.escalationReason ?? '',
    topScore: r.retrievalTopScore ?? null,
    feedback: r.feedback?.rating ?? '',
    feedbackReason: text(r.feedback?.reason),
    tokens: r.usage?.totalTokens ?? 0,
    costUsd: r.usage?.costUsd ?? 0,
    firstTokenMs: r.timings.firstTokenMs ?? null,
    sources: r.sources.map((s) => s.source).join(' | '),
  };
}

/** Answer records of [from, to] for one space ('*' = all), oldest first. */
export async function periodRecords(
  deps: { insights: InsightsStore; answers: AnswerStore },
  opts: { space: string; from: number; to: number; limit?: number },
): Promise<AnswerRecord[]> {
  const limit = opts.limit ?? 100_000;
  const spaces = opts.space === '*' ? await deps.insights.spaces() : [opts.space];
  const ids = (await Promise.all(spaces.map((s) => deps.insights.list(s, opts.from, opts.to, limit)))).flat();
  const out: AnswerRecord[] = [];
  for (let i = 0; i < ids.length; i += 200) {
    const got = await Promise.all(ids.slice(i, i + 200).map((id) => deps.answers.get(id)));
    for (const r of got) if (r) out.push(r);
  }
  return out.sort((a, b) => a.createdAt - b.createdAt);
}

export function formatExport(records: AnswerRecord[], format: ExportFormat, raw: boolean): string {
  const rows = records.map((r) => toRow(r, raw));
  if (format === 'jsonl') return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  return stringify(rows, { header: true, columns: EXPORT_COLUMNS });
}

/** One conversation of the period: its turns (question, answer, outcome, feedback) oldest first. */
export interface ConversationRow {
  conversationKey: string;
  space: string;
  user: string;
  startedAt: string;
  endedAt: string;
  turns: Array<{
    at: string;
    answerId: string;
    question: string;
    answer: string;
    decision: string;
    feedback: string;
  }>;
}

export const CONVERSATION_COLUMNS = [
  'conversationKey',
  'space',
  'user',
  'startedAt',
  'endedAt',
  'turnCount',
  'transcript',
];

export function toConversations(records: AnswerRecord[], raw: boolean): ConversationRow[] {
  const byKey = new Map<string, ConversationRow>();
  for (const r of [...records].sort((a, b) => a.createdAt - b.createdAt)) {
    const row = toRow(r, raw);
    const at = row.createdAt;
    let c = byKey.get(r.conversationKey);
    if (!c) {
      c = {
        conversationKey: r.conversationKey,
        space: r.space,
        user: row.user,
        startedAt: at,
        endedAt: at,
        turns: [],
      };
      byKey.set(r.conversationKey, c);
    }
    c.endedAt = at;
    c.turns.push({
      at,
      answerId: r.id,
      question: row.question,
      answer: row.answer,
      decision: row.decision,
      feedback: row.feedback,
    });
  }
  return [...byKey.values()];
}

/** A readable transcript for the CSV cell: "Q: … / A: … [decision, feedback]" per turn. */
function transcript(c: ConversationRow): string {
  return c.turns
    .map((t) => `Q: ${t.question}\nA: ${t.answer}\n[${t.decision}${t.feedback ? `, ${t.feedback}` : ''}]`)
    .join('\n\n');
}

export function formatExportOf(
  kind: ExportKind,
  records: AnswerRecord[],
  format: ExportFormat,
  raw: boolean,
): string {
  if (kind === 'answers') return formatExport(records, format, raw);
  const rows = toConversations(records, raw);
  if (format === 'jsonl') return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  return stringify(
    rows.map((c) => ({ ...c, turnCount: c.turns.length, transcript: transcript(c) })),
    { header: true, columns: CONVERSATION_COLUMNS },
  );
}
