import { createHash } from 'node:crypto';
import type { AnswerRecord, AnswerStore } from '../domain/answers.js';
import type { HandoffTicket } from '../domain/handoff.js';
import { scrubPii } from '../text/pii.js';
import { clusterByMeaning, cosine } from './cluster.js';
import { periodRecords } from './export.js';
import type { InsightsStore } from './types.js';

/**
 * Knowledge gaps: the questions of a period the copilot did not handle well (escalated to a
 * human, the model found no answer in the passages, or the asker gave 👎), grouped by meaning
 * with the configured embedder, so an admin sees "23 people asked about lithium batteries" rather
 * than 23 lines. Each gap carries what is needed to write the missing answer: examples, the
 * passages that were retrieved (and were not enough), and what teammates replied on the tickets.
 */

/** Why a record is a gap: handed to a human, the passages held no answer, or rated 👎. */
export type GapWhy = 'escalated' | 'no_answer' | 'down';

export interface GapQuestion {
  answerId: string;
  question: string;
  createdAt: number;
  why: GapWhy;
  /** The 👎 reason, when given. */
  reason?: string;
}

export interface GapPassage {
  source: string;
  title: string;
  snippet: string;
  url?: string;
  /** How many of the gap's questions retrieved it. */
  hits: number;
}

export interface GapReply {
  by: string;
  text: string;
  at: number;
  ticketId: string;
}

export interface Gap {
  /** Stable hash of the member answer ids: the same questions give the same id. */
  id: string;
  space: string;
  /** Questions in the gap (every asking counts, repeats included). */
  count: number;
  /** The most central question: the one the saved answer is filed under. */
  question: string;
  /** Up to five distinct questions, the central one first. */
  examples: GapQuestion[];
  why: Record<GapWhy, number>;
  passages: GapPassage[];
  /** Teammates' replies on the handoff tickets of these questions, newest first. */
  replies: GapReply[];
  lastAskedAt: number;
  /** Every member was answered since (saved as knowledge from here or the review queue). */
  saved: boolean;
  /** Answer ids of the members (for marking them reviewed when an answer is saved). */
  memberIds: string[];
}

export interface GapsResult {
  space: string;
  from: number;
  to: number;
  /** Gap records in the period (before the cap). */
  considered: number;
  /** Distinct questions clustered (at most MAX_POINTS per space). */
  clustered: number;
  gaps: Gap[];
}

/** Tickets of a conversation (the handoff desk's `listFor`). */
export interface TicketLookup {
  listFor(conversationKey: string): Promise<HandoffTicket[]>;
}

export interface GapsDeps {
  insights: InsightsStore;
  answers: AnswerStore;
  embedder: { embedDocuments(texts: string[]): Promise<number[][]> };
  tickets?: TicketLookup;
  /** Cosine distance up to which groups merge (average linkage). */
  maxDistance: number;
}

/** Distinct questions clustered per space: AGNES is cubic, 500 points take about half a second. */
export const MAX_POINTS = 500;
const MAX_EXAMPLES = 5;
const MAX_PASSAGES = 5;
const MAX_REPLIES = 5;
/** A gap's questions whose tickets are read for teammates' replies (newest first). */
const MAX_TICKET_LOOKUPS = 20;

/** Why this record is a knowledge gap, or null. Safety refusals and bare "human" requests are not. */
export function gapWhy(r: AnswerRecord): GapWhy | null {
  if (r.feedback?.rating === 'down') return 'down';
  if (r.decision !== 'escalate') return null;
  if (r.escalationReason === 'safety') return null;
  // "human" / "转人工" alone: the record's question is the request, not a question to answer.
  if (r.escalationReason === 'requested' && r.standaloneQuestion === r.question) return null;
  return r.escalationReason === 'no_answer' ? 'no_answer' : 'escalated';
}

/** The question a record stands for (a follow-up condensed into a standalone question). */
function questionOf(r: AnswerRecord): string {
  return (r.standaloneQuestion || r.question).trim();
}

/** Same question modulo case, spacing and punctuation: one point for clustering. */
export function normaliseQuestion(q: string): string {
  return q
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function gapId(memberIds: string[]): string {
  const h = createHash('sha256');
  for (const id of [...memberIds].sort()) h.update(`${id}\n`);
  return `g_${h.digest('hex').slice(0, 16)}`;
}

/** Gaps of [from, to] for one space ('*' = each space on its own), biggest first. */
export async function findGaps(
  deps: GapsDeps,
  opts: { space: string; from: number; to: number },
): Promise<GapsResult> {
  const records = await periodRecords(deps, opts);
  const bySpace = new Map<string, Array<{ r: AnswerRecord; why: GapWhy }>>();
  let considered = 0;
  for (const r of records) {
    const why = gapWhy(r);
    if (!why || !questionOf(r)) continue;
    considered++;
    const list = bySpace.get(r.space) ?? [];
    list.push({ r, why });
    bySpace.set(r.space, list);
  }
  const gaps: Gap[] = [];
  let clustered = 0;
  for (const [space, items] of [...bySpace].sort(([a], [b]) => a.localeCompare(b))) {
    const found = await clusterSpace(deps, space, items);
    clustered += found.points;
    gaps.push(...found.gaps);
  }
  gaps.sort((a, b) => b.count - a.count || b.lastAskedAt - a.lastAskedAt);
  return { space: opts.space, from: opts.from, to: opts.to, considered, clustered, gaps };
}

async function clusterSpace(
  deps: GapsDeps,
  space: string,
  items: Array<{ r: AnswerRecord; why: GapWhy }>,
): Promise<{ gaps: Gap[]; points: number }> {
  // One point per distinct question, newest first; beyond the cap the oldest questions wait.
  const points = new Map<string, { text: string; members: Array<{ r: AnswerRecord; why: GapWhy }> }>();
  for (const item of [...items].sort((a, b) => b.r.createdAt - a.r.createdAt)) {
    const key = normaliseQuestion(questionOf(item.r)) || questionOf(item.r);
    const p = points.get(key);
    if (p) p.members.push(item);
    else if (points.size < MAX_POINTS) points.set(key, { text: questionOf(item.r), members: [item] });
  }
  const list = [...points.values()];
  if (list.length === 0) return { gaps: [], points: 0 };
  const vectors = await deps.embedder.embedDocuments(list.map((p) => p.text));
  const groups = clusterByMeaning(vectors, deps.maxDistance);
  const memberIds = groups.map((g) =>
    g.flatMap((i) => (list[i] as (typeof list)[number]).members.map((m) => m.r.id)),
  );
  const reviewed = await deps.insights.reviewed(memberIds.flat());
  let offset = 0;
  const gaps: Gap[] = [];
  for (const [gi, group] of groups.entries()) {
    const ids = memberIds[gi] as string[];
    const allReviewed = ids.every((_, k) => reviewed[offset + k]);
    offset += ids.length;
    // The medoid: the question closest on average to the others (ties: asked most, then newest).
    const score = new Map(
      group.map((i) => [
        i,
        group.reduce((s, j) => s + (i === j ? 0 : cosine(vectors[i] as number[], vectors[j] as number[])), 0),
      ]),
    );
    const asked = (i: number) => (list[i] as (typeof list)[number]).members.length;
    const central = [...group].sort(
      (a, b) => (score.get(b) as number) - (score.get(a) as number) || asked(b) - asked(a) || a - b,
    );
    const members = group.flatMap((i) => (list[i] as (typeof list)[number]).members);
    const examples = central.slice(0, MAX_EXAMPLES).map((i) => {
      const m = (list[i] as (typeof list)[number]).members[0] as { r: AnswerRecord; why: GapWhy };
      return {
        answerId: m.r.id,
        question: scrubPii(questionOf(m.r)),
        createdAt: m.r.createdAt,
        why: m.why,
        ...(m.r.feedback?.rating === 'down' && m.r.feedback.reason
          ? { reason: scrubPii(m.r.feedback.reason) }
          : {}),
      };
    });
    const why: Record<GapWhy, number> = { escalated: 0, no_answer: 0, down: 0 };
    for (const m of members) why[m.why]++;
    gaps.push({
      id: gapId(ids),
      space,
      count: members.length,
      question: (examples[0] as GapQuestion).question,
      examples,
      why,
      passages: passagesOf(members.map((m) => m.r)),
      replies: await repliesOf(
        deps.tickets,
        members.map((m) => m.r),
      ),
      lastAskedAt: Math.max(...members.map((m) => m.r.createdAt)),
      saved: allReviewed,
      memberIds: ids,
    });
  }
  return { gaps, points: list.length };
}

/** The passages the gap's questions retrieved, most often first (the records' cited sources). */
function passagesOf(records: AnswerRecord[]): GapPassage[] {
  const byChunk = new Map<string, GapPassage>();
  for (const r of records) {
    for (const s of r.sources) {
      const key = s.chunkId || `${s.source}#${s.snippet.slice(0, 40)}`;
      const p = byChunk.get(key);
      if (p) p.hits++;
      else {
        byChunk.set(key, {
          source: s.source,
          title: s.title,
          snippet: s.snippet,
          ...(s.url ? { url: s.url } : {}),
          hits: 1,
        });
      }
    }
  }
  return [...byChunk.values()].sort((a, b) => b.hits - a.hits).slice(0, MAX_PASSAGES);
}

/** Teammates' replies on the tickets opened for these questions (matched by answer id or question). */
async function repliesOf(tickets: TicketLookup | undefined, records: AnswerRecord[]): Promise<GapReply[]> {
  if (!tickets) return [];
  const recent = [...records].sort((a, b) => b.createdAt - a.createdAt).slice(0, MAX_TICKET_LOOKUPS);
  const all: GapReply[] = [];
  const byConversation = new Map<string, AnswerRecord[]>();
  for (const r of recent)
    byConversation.set(r.conversationKey, [...(byConversation.get(r.conversationKey) ?? []), r]);
  const lists = await Promise.all(
    [...byConversation.keys()].map((key) => tickets.listFor(key).catch(() => [] as HandoffTicket[])),
  );
  [...byConversation.values()].forEach((rs, i) => {
    for (const t of lists[i] ?? []) {
      const mine = rs.some((r) => t.answerId === r.id || t.question.trim() === questionOf(r));
      if (!mine) continue;
      for (const m of t.messages ?? []) {
        const text = m.text.trim();
        if (m.role === 'agent' && text) all.push({ by: m.by, text, at: m.at, ticketId: t.id });
      }
    }
  });
  // Newest first; a text said twice counts once, at its latest.
  const seen = new Set<string>();
  const out: GapReply[] = [];
  for (const r of all.sort((a, b) => b.at - a.at)) {
    if (seen.has(r.text)) continue;
    seen.add(r.text);
    out.push({ ...r, text: scrubPii(r.text) });
  }
  return out.slice(0, MAX_REPLIES);
}
