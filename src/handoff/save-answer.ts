import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import type { HandoffTicket } from '../domain/handoff.js';
import { CopilotError } from '../errors.js';
import { frontMatterData } from '../ingest/loaders/markdown.js';
import type { Reindexer, ReindexJob } from '../ingest/reindex-types.js';
import { SPACE_NAME } from '../ingest/scan.js';
import type { Logger } from '../logger.js';
import { processTerm, tokenize } from '../retrieval/lexical.js';
import { scrubPii } from '../text/pii.js';

/**
 * A teammate's reply saved as knowledge: a Markdown file under the space's
 * `answers/` folder, which the pipeline's annotation step matches on its `question` and returns
 * as-is, with no model call. PII is scrubbed first; a near-duplicate question of the same space
 * replaces its file, but never silently: the previous content is kept as a version under
 * `answers/.versions/` (a dot folder, so it is not indexed) and the new file's front matter says
 * `supersedes: <that version>`; then an incremental reindex picks up the file.
 */
export interface SavedAnswer {
  /** Relative to KNOWLEDGE_DIR, forward slashes, e.g. "apparel/answers/h_1a2b.md". */
  file: string;
  /** True when an existing (near-duplicate) answer was replaced. */
  updated: boolean;
  /** The kept previous version (relative to KNOWLEDGE_DIR), when an answer was replaced. */
  supersedes?: string;
  job: Pick<ReindexJob, 'id' | 'status'> & { error?: ReindexJob['error'] };
}

export interface AnswerSaver {
  save(input: { ticket: HandoffTicket; text: string; agent: string }): Promise<SavedAnswer>;
}

export interface AnswerSaverDeps {
  knowledgeDir: string;
  reindexer: Reindexer;
  logger: Logger;
  /** Question similarity (Dice on normalized terms) at or above which an answer is updated. Default 0.8. */
  duplicateThreshold?: number;
  now?: () => Date;
  /** A space's folder from spaces.json (see spaceFolder); default `<space>`. */
  folderOf?: (space: string) => string;
}

/** Previous versions of replaced answers, inside a space's answers folder (dot folders are not indexed). */
export const VERSIONS = '.versions';

/**
 * Folder of a space's saved answers: `answers/` inside the space's folder (its first declared
 * folder, else `<space>/`; the default space's answers go to `default/answers/`, which belongs to
 * `default` as every undeclared folder does).
 */
export function answersDir(space: string, folderOf?: (space: string) => string): string {
  return `${folderOf ? folderOf(space) : space}/answers`;
}

export function questionTerms(q: string): Set<string> {
  return new Set(
    tokenize(q)
      .map(processTerm)
      .filter((t): t is string => Boolean(t)),
  );
}

export function dice(a: Set<string>, b: Set<string>): number {
  if (a.size + b.size === 0) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return (2 * shared) / (a.size + b.size);
}

export function createAnswerSaver(deps: AnswerSaverDeps): AnswerSaver {
  const threshold = deps.duplicateThreshold ?? 0.8;
  const now = deps.now ?? (() => new Date());

  async function findDuplicate(
    dir: string,
    ticket: HandoffTicket,
    question: string,
  ): Promise<{ name: string; handoff?: string } | null> {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const wanted = questionTerms(question);
    let best: { name: string; score: number; handoff?: string } | null = null;
    for (const name of names.filter((n) => n.endsWith('.md'))) {
      // Any .md a teammate put here is read as data: YAML only, and a broken file is just no match.
      const data = frontMatterData(await fs.readFile(path.join(dir, name), 'utf8').catch(() => ''));
      // A second reply on the same ticket rewrites that ticket's answer.
      const score = data.handoff === ticket.id ? 1 : dice(wanted, questionTerms(String(data.question ?? '')));
      if (score >= threshold && (!best || score > best.score)) {
        best = { name, score, ...(typeof data.handoff === 'string' ? { handoff: data.handoff } : {}) };
      }
    }
    return best ? { name: best.name, ...(best.handoff ? { handoff: best.handoff } : {}) } : null;
  }

  /** Copies the answer about to be replaced to `.versions/`; returns the copy's path under `rel`. */
  async function keepVersion(dir: string, rel: string, name: string): Promise<string> {
    const stamp = now().toISOString().replace(/[:.]/g, '-');
    const version = `${name.replace(/\.md$/, '')}.${stamp}-${randomUUID().slice(0, 6)}.md`;
    try {
      await fs.mkdir(path.join(dir, VERSIONS), { recursive: true });
      await fs.copyFile(path.join(dir, name), path.join(dir, VERSIONS, version), fsConstants.COPYFILE_EXCL);
    } catch (err) {
      // Better no save than a curated answer lost: the teammate is told, the old file stays.
      throw new CopilotError('handoff:save_failed', 'Could not keep the previous version of the answer.', {
        cause: err,
      });
    }
    return `${rel}/${VERSIONS}/${version}`;
  }

  return {
    async save({ ticket, text, agent }) {
      const question = scrubPii(ticket.question).trim();
      const body = scrubPii(text).trim();
      if (!body)
        throw new CopilotError('handoff:empty_answer', 'There is no answer text to save.', { status: 400 });
      // The space becomes a folder name: never let it climb out of the knowledge dir.
      if (!SPACE_NAME.test(ticket.space)) {
        throw new CopilotError('handoff:bad_space', `Cannot save to space "${ticket.space}".`, {
          status: 400,
        });
      }
      const rel = answersDir(ticket.space, deps.folderOf);
      const dir = path.join(deps.knowledgeDir, rel);
      await fs.mkdir(dir, { recursive: true });
      const existing = await findDuplicate(dir, ticket, question);
      // The curated file keeps its name (links to it stay valid); its old content becomes a version.
      const name = existing?.name ?? `${ticket.id}.md`;
      const supersedes = existing ? await keepVersion(dir, rel, existing.name) : undefined;
      const content = matter.stringify(`${body}\n`, {
        title: question.slice(0, 120),
        question,
        answered_by: agent,
        answered_at: now().toISOString(),
        handoff: ticket.id,
        space: ticket.space,
        ...(supersedes ? { supersedes } : {}),
        ...(existing?.handoff && existing.handoff !== ticket.id
          ? { supersedes_handoff: existing.handoff }
          : {}),
      });
      // Temp file + rename: the indexer (or another replica's) never reads a half-written answer.
      // The temp name is a dot file with an unknown extension, so a concurrent scan skips it.
      const tmp = path.join(dir, `.${name}.${randomUUID().slice(0, 8)}.tmp`);
      try {
        await fs.writeFile(tmp, content, 'utf8');
        await fs.rename(tmp, path.join(dir, name));
      } catch (err) {
        await fs.rm(tmp, { force: true });
        throw new CopilotError('handoff:save_failed', 'Could not write the saved answer.', { cause: err });
      }
      const file = `${rel}/${name}`;
      deps.logger.info(
        { file, handoffId: ticket.id, updated: Boolean(existing), supersedes },
        'saved a human answer as knowledge',
      );
      const job = await deps.reindexer.wait(deps.reindexer.request('saved_answer', agent).id);
      if (job.status !== 'succeeded') {
        deps.logger.error({ file, jobId: job.id, error: job.error }, 'reindex after a saved answer failed');
      }
      return {
        file,
        updated: Boolean(existing),
        ...(supersedes ? { supersedes } : {}),
        job: { id: job.id, status: job.status, ...(job.error ? { error: job.error } : {}) },
      };
    },
  };
}
