import fs from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import type { AnswerStore, SourceRef } from '../domain/answers.js';
import type { HandoffTicket } from '../domain/handoff.js';
import { CopilotError } from '../errors.js';
import type { AnswerSaver, SavedAnswer } from '../handoff/save-answer.js';
import type { Reindexer } from '../ingest/reindex-types.js';
import { SPACE_NAME } from '../ingest/scan.js';
import type { InsightsStore } from './types.js';

export interface ReviewDeps {
  insights: InsightsStore;
  answers: AnswerStore;
  saver: AnswerSaver;
  reindexer: Reindexer;
  knowledgeDir: string;
}

export interface ReviewItem {
  answerId: string;
  space: string;
  createdAt: number;
  question: string;
  answer: string;
  reason: string;
  sources: SourceRef[];
  reviewed: boolean;
}

/** 👎 answers of [from, to] for a space ('*' = all), newest first; unreviewed first. */
export async function reviewQueue(
  deps: ReviewDeps,
  opts: { space: string; from: number; to: number; limit?: number },
): Promise<ReviewItem[]> {
  const limit = opts.limit ?? 200;
  const spaces = opts.space === '*' ? await deps.insights.spaces() : [opts.space];
  const ids = (
    await Promise.all(spaces.map((s) => deps.insights.list(s, opts.from, opts.to, limit, 'down')))
  ).flat();
  const records = await Promise.all(ids.map((id) => deps.answers.get(id)));
  const reviewed = await deps.insights.reviewed(ids);
  const items: ReviewItem[] = [];
  records.forEach((r, i) => {
    // The asker may have changed a 👎 to 👍 since: only current 👎 are queued.
    if (r?.feedback?.rating !== 'down') return;
    items.push({
      answerId: r.id,
      space: r.space,
      createdAt: r.createdAt,
      question: r.question,
      answer: r.answer,
      reason: r.feedback.reason ?? '',
      sources: r.sources,
      reviewed: Boolean(reviewed[i]),
    });
  });
  return items
    .sort((a, b) => Number(a.reviewed) - Number(b.reviewed) || b.createdAt - a.createdAt)
    .slice(0, limit);
}

/** The saver files answers per ticket; a reviewed answer (or gap) gets a ticket-shaped stand-in. */
function pseudoTicket(id: string, space: string, question: string, sources: SourceRef[]): HandoffTicket {
  const at = Date.now();
  return {
    id,
    space,
    conversationKey: `review:${id}`,
    conversationId: id,
    origin: 'web',
    question,
    sources,
    reason: 'no_answer',
    status: 'resolved',
    createdAt: at,
    updatedAt: at,
    history: [],
  } as unknown as HandoffTicket;
}

/** Saves the right answer to a 👎 answer as knowledge (PII scrub, versions, reindex), marks it reviewed. */
export async function saveReview(
  deps: ReviewDeps,
  input: { answerId: string; text: string; agent: string; question?: string },
): Promise<SavedAnswer> {
  const record = await deps.answers.get(input.answerId);
  if (!record) {
    throw new CopilotError('insights:not_found', 'That answer is unknown or has expired.', { status: 404 });
  }
  const question = input.question?.trim() || record.standaloneQuestion || record.question;
  const saved = await deps.saver.save({
    ticket: pseudoTicket(`r_${record.id}`, record.space, question, record.sources),
    text: input.text,
    agent: input.agent,
  });
  await deps.insights.markReviewed(record.id);
  return saved;
}

/** Saves an answer for a question of a space (gaps, digest modal). */
export async function saveQuestionAnswer(
  deps: Pick<ReviewDeps, 'saver'>,
  input: { id: string; space: string; question: string; text: string; agent: string },
): Promise<SavedAnswer> {
  return deps.saver.save({
    ticket: pseudoTicket(input.id, input.space, input.question, []),
    text: input.text,
    agent: input.agent,
  });
}

export interface SavedAnswerFile {
  file: string;
  space: string;
  question: string;
  answer: string;
  answeredBy: string;
  answeredAt: string;
  id: string;
}

/** `<folder>/answers/<name>.md` with plain folder names only (no `..`, no dot files). */
function checkFile(knowledgeDir: string, file: string): { abs: string } {
  const m = /^((?:[\w-]+\/)*[\w-]+)\/answers\/([\w-][\w.-]*\.md)$/.exec(file);
  if (!m || (m[1] as string).split('/').some((seg) => !SPACE_NAME.test(seg))) {
    throw new CopilotError('insights:bad_file', 'Not a saved answer file.', { status: 400 });
  }
  return { abs: path.join(knowledgeDir, file) };
}

/** Every `answers` folder under the knowledge dir (a space's folder may be nested). */
async function answerFolders(knowledgeDir: string, rel = '', depth = 0): Promise<string[]> {
  const entries = await fs.readdir(path.join(knowledgeDir, rel), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const sub = rel ? `${rel}/${e.name}` : e.name;
    if (e.name === 'answers' && rel) out.push(sub);
    else if (depth < 4) out.push(...(await answerFolders(knowledgeDir, sub, depth + 1)));
  }
  return out;
}

/** Saved answers of every space (`<space folder>/answers/*.md`). */
export async function listSavedAnswers(knowledgeDir: string): Promise<SavedAnswerFile[]> {
  const out: SavedAnswerFile[] = [];
  for (const rel of (await answerFolders(knowledgeDir)).sort()) {
    const names = await fs.readdir(path.join(knowledgeDir, rel)).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.md') && !n.startsWith('.')).sort()) {
      const parsed = matter(await fs.readFile(path.join(knowledgeDir, rel, name), 'utf8'));
      out.push({
        file: `${rel}/${name}`,
        space: String(parsed.data.space ?? rel.split('/')[0]),
        question: String(parsed.data.question ?? ''),
        answer: parsed.content.trim(),
        answeredBy: String(parsed.data.answered_by ?? ''),
        answeredAt: parsed.data.answered_at ? String(parsed.data.answered_at) : '',
        id: String(parsed.data.handoff ?? name.replace(/\.md$/, '')),
      });
    }
  }
  return out;
}

/** Replaces a saved answer's text (old text kept as a version by the saver, then reindex). */
export async function editSavedAnswer(
  deps: Pick<ReviewDeps, 'saver' | 'knowledgeDir'>,
  input: { file: string; text: string; agent: string },
): Promise<SavedAnswer> {
  const { abs } = checkFile(deps.knowledgeDir, input.file);
  const raw = await fs.readFile(abs, 'utf8').catch(() => {
    throw new CopilotError('insights:not_found', 'That saved answer does not exist.', { status: 404 });
  });
  const data = matter(raw).data;
  return saveQuestionAnswer(deps, {
    id: String(data.handoff ?? path.basename(abs, '.md')),
    space: String(data.space ?? input.file.split('/')[0]),
    question: String(data.question ?? ''),
    text: input.text,
    agent: input.agent,
  });
}

/** Deletes a saved answer and reindexes, so the copilot stops using it. */
export async function deleteSavedAnswer(
  deps: Pick<ReviewDeps, 'reindexer' | 'knowledgeDir'>,
  input: { file: string; agent: string },
): Promise<void> {
  const { abs } = checkFile(deps.knowledgeDir, input.file);
  try {
    await fs.rm(abs);
  } catch {
    throw new CopilotError('insights:not_found', 'That saved answer does not exist.', { status: 404 });
  }
  await deps.reindexer.wait(deps.reindexer.request('saved_answer', input.agent).id);
}
