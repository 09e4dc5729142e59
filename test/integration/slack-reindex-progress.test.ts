import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IndexSummary, IngestProgress } from '../../src/domain/documents.js';
import { inProcessLock } from '../../src/ingest/job-lock.js';
import { createReindexer } from '../../src/ingest/reindexer.js';
import { reindexHook } from '../../src/slack/reindex-hook.js';
import {
  homeReindexClick,
  quiet,
  type SlackHarness,
  slashCommand,
  startSlackHarness,
} from '../helpers/slack.js';

/**
 * Issue 6: a reindex asked for in Slack shows its progress in the message it answered with, edited
 * at most once a second, then the summary or the error. The shared Reindexer is real (one run at a
 * time, requests coalesced); the indexing run itself is scripted to take about 3 s.
 */
let h: SlackHarness;
let failNext = false;
let runs = 0;

const PHASES: Array<IngestProgress['phase']> = ['scan', 'load', 'embed', 'index', 'write'];

async function scriptedRun(onProgress: (p: IngestProgress) => void): Promise<IndexSummary> {
  runs += 1;
  const fail = failNext;
  failNext = false;
  for (const phase of PHASES) {
    for (let done = 0; done <= 4; done++) {
      onProgress({ phase, done, total: 4 });
      await sleep(120);
      if (fail && phase === 'embed') throw new Error('embedding server unreachable');
    }
  }
  return {
    documents: 33,
    chunks: 120,
    added: 2,
    updated: 1,
    removed: 0,
    unchanged: 117,
    embedded: 3,
    skipped: [],
    ms: 3000,
    version: `v${runs}`,
  };
}

beforeAll(async () => {
  const reindexer = createReindexer({
    run: scriptedRun,
    lock: inProcessLock,
    logger: pino({ level: 'silent' }),
  });
  h = await startSlackHarness({
    env: { SLACK_ADMIN_USERS: 'UADMIN,UADMIN2' },
    deps: { reindex: reindexHook(reindexer) },
  });
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await quiet(h.fake, 300);
  h.fake.reset();
});

const responses = (id: string) => h.fake.calls.filter((c) => c.method === 'response_url' && c.args.id === id);
const homeNotices = (user: string) =>
  h.fake.calls
    .filter((c) => c.method === 'views.publish' && c.args.user_id === user)
    .map((c) => ({
      at: c.at,
      text: JSON.stringify(c.args.view).match(/"text":"([^"]*(?:Reindex|joined)[^"]*)"/)?.[1] ?? '',
    }));

const gapsOf = (calls: Array<{ at: number }>) => calls.slice(1).map((c, i) => c.at - (calls[i]?.at ?? 0));

describe('reindex progress in Slack', () => {
  it('/copilot reindex: the private reply shows progress (edited in place, ≥ 1 s apart, ≤ 5 uses) and then the summary', async () => {
    await h.send(slashCommand({ text: 'reindex', user: 'UADMIN', responseUrl: h.fake.responseUrl('cmd') }));
    await h.fake.waitFor(
      () => responses('cmd').some((c) => String(c.args.text).includes('Reindex finished')),
      15_000,
    );
    const all = responses('cmd');
    const texts = all.map((c) => String(c.args.text));
    expect(texts[0]).toMatch(/Reindexing the knowledge base… .* 0%/);
    const progress = texts.slice(1, -1);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const t of progress) expect(t).toMatch(/Reindexing the knowledge base… [▰▱]+ \d+% · /);
    expect(texts.at(-1)).toBe(
      '✅ Reindex finished: 33 documents, 120 chunks (2 added, 1 updated, 0 removed) in 3.0 s, version v1',
    );
    // Slack takes five uses of a response_url; all but the first replace the message.
    expect(all.length).toBeLessThanOrEqual(5);
    expect(all.slice(1).every((c) => c.args.replace_original === true)).toBe(true);
    expect(all.every((c) => c.args.response_type === 'ephemeral')).toBe(true);
    for (const gap of gapsOf(all.slice(0, -1))) expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('App Home button: the Home tab shows the progress at most once a second, then the summary', async () => {
    await h.send(homeReindexClick('UADMIN'));
    await h.fake.waitFor(
      () => homeNotices('UADMIN').some((n) => n.text.includes('Reindex finished')),
      15_000,
    );
    const notices = homeNotices('UADMIN');
    const progress = notices.slice(0, -1);
    expect(progress.length).toBeGreaterThanOrEqual(2); // started + at least one update
    expect(new Set(progress.map((n) => n.text)).size).toBe(progress.length);
    expect(progress.some((n) => / [1-9]\d*% · /.test(n.text))).toBe(true);
    for (const gap of gapsOf(progress)) expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('a request during a run says it joined the next run; a failed run reports the error where it was asked', async () => {
    await h.send(slashCommand({ text: 'reindex', user: 'UADMIN', responseUrl: h.fake.responseUrl('first') }));
    await h.fake.waitFor(() => responses('first').length >= 1);
    failNext = true; // the follow-up run (covering the second request) fails
    await h.send(homeReindexClick('UADMIN2'));
    await h.fake.waitFor(() => homeNotices('UADMIN2').some((n) => n.text.includes('Reindex failed')), 20_000);
    const notices = homeNotices('UADMIN2').map((n) => n.text);
    expect(notices[0]).toMatch(/already running, so your request joined the next run/);
    // While it waits, it shows the progress of the run it joined.
    expect(notices.some((n) => /joined the next run.*Current run: [▰▱]+ [1-9]\d*%/.test(n))).toBe(true);
    expect(notices.at(-1)).toMatch(/❌ Reindex failed: embedding server unreachable/);
    expect(notices.at(-1)).toContain('previous index is still serving');
    await h.fake.waitFor(() =>
      responses('first').some((c) => String(c.args.text).includes('Reindex finished')),
    );
  });
});
