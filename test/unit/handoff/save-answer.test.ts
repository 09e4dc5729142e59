import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../../src/domain/handoff.js';
import { createAnswerSaver } from '../../../src/handoff/save-answer.js';
import type { Reindexer, ReindexJob } from '../../../src/ingest/reindex-types.js';
import { tmpDir } from '../../helpers/tmp.js';

/** A reindexer that only records requests and finishes at once. */
function recordingReindexer(status: ReindexJob['status'] = 'succeeded') {
  const requests: string[] = [];
  const job = (id: string): ReindexJob => ({
    id,
    trigger: 'saved_answer',
    status,
    progress: { phase: 'done', done: 1, total: 1, percent: 100 },
    coalesced: 0,
    createdAt: 0,
    ...(status === 'failed' ? { error: { code: 'index:failed', message: 'disk full' } } : {}),
  });
  const reindexer: Reindexer = {
    request: (trigger, by) => {
      requests.push(`${trigger}:${by}`);
      return job(`rj_${requests.length}`);
    },
    get: () => null,
    wait: async (id) => job(id),
    onUpdate: () => () => {},
  };
  return { reindexer, requests };
}

const ticket = (over: Partial<HandoffTicket> = {}): HandoffTicket => ({
  id: 'h_abc',
  space: 'default',
  conversationKey: 'web:c',
  conversationId: 'c',
  origin: { surface: 'web' },
  question: 'What is the fee for jane@x.io on order 2024?',
  sources: [],
  reason: 'asked',
  status: 'claimed',
  createdAt: 0,
  updatedAt: 0,
  history: [],
  ...over,
});

describe('saving a human answer', () => {
  const logger = pino({ level: 'silent' });

  it('writes default-space answers to default/answers (a root answers/ folder would be a space)', async () => {
    const dir = tmpDir();
    const { reindexer, requests } = recordingReindexer();
    const saver = createAnswerSaver({
      knowledgeDir: dir,
      reindexer,
      logger,
      now: () => new Date('2026-11-28T10:00:00Z'),
    });
    const saved = await saver.save({
      ticket: ticket(),
      text: 'It is 3%. Call 138 0013 8000.',
      agent: 'alice',
    });
    expect(saved).toMatchObject({
      file: 'default/answers/h_abc.md',
      updated: false,
      job: { status: 'succeeded' },
    });
    expect(requests).toEqual(['saved_answer:alice']);
    const file = matter(fs.readFileSync(path.join(dir, saved.file), 'utf8'));
    expect(file.data).toEqual({
      title: 'What is the fee for [email] on order 2024?',
      question: 'What is the fee for [email] on order 2024?',
      answered_by: 'alice',
      answered_at: '2026-11-28T10:00:00.000Z',
      handoff: 'h_abc',
      space: 'default',
    });
    expect(file.content.trim()).toBe('It is 3%. Call [phone].');
    // Atomic write: no temp file left behind.
    expect(fs.readdirSync(path.join(dir, 'default/answers'))).toEqual(['h_abc.md']);
  });

  it('other spaces write under their folder; a near-duplicate replaces the file but keeps the old one as a version', async () => {
    const dir = tmpDir();
    const saver = createAnswerSaver({ knowledgeDir: dir, reindexer: recordingReindexer().reindexer, logger });
    const first = await saver.save({
      ticket: ticket({ id: 'h_1', space: 'apparel', question: 'How do I return a sale shirt?' }),
      text: 'Within 14 days.',
      agent: 'a',
    });
    expect(first.file).toBe('apparel/answers/h_1.md');
    const second = await saver.save({
      ticket: ticket({ id: 'h_2', space: 'apparel', question: 'How do I return a sale shirt, please?' }),
      text: 'Within 30 days now.',
      agent: 'b',
    });
    expect(second).toMatchObject({ file: 'apparel/answers/h_1.md', updated: true });
    const now = matter(fs.readFileSync(path.join(dir, second.file), 'utf8'));
    expect(now.content).toContain('30 days');
    // Never a silent overwrite: the curated answer is kept, and the new file says what it replaced.
    expect(second.supersedes).toMatch(/^apparel\/answers\/\.versions\/h_1\..+\.md$/);
    expect(now.data.supersedes).toBe(second.supersedes);
    expect(now.data.supersedes_handoff).toBe('h_1');
    const old = matter(fs.readFileSync(path.join(dir, second.supersedes as string), 'utf8'));
    expect(old.content).toContain('Within 14 days.');
    expect(old.data.answered_by).toBe('a');
    // A third save keeps the second too.
    const third = await saver.save({
      ticket: ticket({ id: 'h_4', space: 'apparel', question: 'How do I return a sale shirt?' }),
      text: 'Within 60 days.',
      agent: 'c',
    });
    expect(third.supersedes).not.toBe(second.supersedes);
    expect(fs.readdirSync(path.join(dir, 'apparel/answers/.versions'))).toHaveLength(2);
    expect(fs.readFileSync(path.join(dir, third.supersedes as string), 'utf8')).toContain('30 days');
    const other = await saver.save({
      ticket: ticket({ id: 'h_3', space: 'apparel', question: 'What sizes do hoodies come in?' }),
      text: 'S to XXL.',
      agent: 'b',
    });
    expect(other).toMatchObject({ file: 'apparel/answers/h_3.md', updated: false });
  });

  it('reads files teammates left in answers/ as data: JavaScript front matter is never run, broken YAML is no match', async () => {
    const dir = tmpDir();
    const answers = path.join(dir, 'default/answers');
    fs.mkdirSync(answers, { recursive: true });
    const g = globalThis as { __copilotPwned?: number };
    delete g.__copilotPwned;
    // gray-matter's default engines would eval() this (and match the ticket id, updating this file).
    fs.writeFileSync(
      path.join(answers, 'planted.md'),
      "---js\n{ handoff: 'h_abc', question: String(globalThis.__copilotPwned = 1) }\n---\nplanted\n",
    );
    fs.writeFileSync(path.join(answers, 'broken.md'), '---\nquestion: [unclosed\n---\nbody\n');
    const saver = createAnswerSaver({ knowledgeDir: dir, reindexer: recordingReindexer().reindexer, logger });
    const saved = await saver.save({ ticket: ticket(), text: 'It is 3%.', agent: 'alice' });
    expect(g.__copilotPwned).toBeUndefined();
    expect(saved).toMatchObject({ file: 'default/answers/h_abc.md', updated: false });
    expect(fs.readFileSync(path.join(answers, 'planted.md'), 'utf8')).toContain('planted');
  });

  it('refuses a space that is not a folder name, and reports a failed reindex', async () => {
    const dir = tmpDir();
    const saver = createAnswerSaver({
      knowledgeDir: dir,
      reindexer: recordingReindexer('failed').reindexer,
      logger,
    });
    await expect(saver.save({ ticket: ticket({ space: '../etc' }), text: 'x', agent: 'a' })).rejects.toThrow(
      /space/,
    );
    const saved = await saver.save({ ticket: ticket(), text: 'x', agent: 'a' });
    expect(saved.job).toMatchObject({ status: 'failed', error: { message: 'disk full' } });
  });
});
