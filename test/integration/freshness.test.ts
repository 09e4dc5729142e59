import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

// The real app over HTTP with an injected clock: dates pass without a reindex or a restart.
const kb = copyKnowledge();
let running: RunningApp;
let now = Date.parse('2026-01-15T12:00:00Z');
const TOKEN = 'review-admin-token';

beforeAll(async () => {
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'zephyr-winter.md'),
    '---\ntitle: Zephyr winter sale\nvalid_until: 2026-01-31\nupdated: 2026-01-02\n---\n# Zephyr winter sale\n\nThe Zephyr sale coupon code is FROST10 and gives 10% off every order.\n',
  );
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'zephyr-spring.md'),
    '---\ntitle: Zephyr spring sale\nvalid_from: 2027-03-01\n---\n# Zephyr spring sale\n\nThe Zephyr sale coupon code is BLOOM15 and gives 15% off every order.\n',
  );
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'holiday-returns.md'),
    '---\ntitle: Holiday returns\nreview_after: 2026-01-10\nupdated: 2025-11-20\n---\n# Holiday returns\n\nGifts bought in December can be returned until January 31.\n',
  );
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'apparel', 'sizing.md'),
    '---\ntitle: Sizing chart\nreview_after: 2026-06-01\n---\n# Sizing\n\nOur sizes run small; order one size up.\n',
  );
  running = await startApp(
    { KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir, ADMIN_TOKEN: TOKEN },
    { now: () => now },
  );
});
afterAll(async () => {
  await running?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

type Ref = { source: string; updatedAt?: string };

async function cited(message: string): Promise<{ sources: string[]; refs: Ref[]; text: string }> {
  const r = await chat(running.url, { message });
  expect(r.status).toBe(200);
  const refs = (r.of('sources')[0]?.sources ?? []) as Ref[];
  const options = ((r.of('clarify')[0]?.options ?? []) as Array<{ source: string }>).map((o) => o.source);
  return { sources: [...refs.map((s) => s.source), ...options], refs, text: r.text() };
}

describe('freshness: valid_from / valid_until at query time', () => {
  const q = 'What is the Zephyr sale coupon code?';

  it('cites a passage inside its window and never after valid_until or before valid_from', async () => {
    // Jan 15: the winter sale is valid (the test can fail: it is cited), spring is not yet.
    const jan = await cited(q);
    expect(jan.sources).toContain('zephyr-winter.md');
    expect(jan.sources).not.toContain('zephyr-spring.md');
    expect(jan.text).toMatch(/FROST10/);
    expect(jan.text).not.toMatch(/BLOOM15/);
    // Citations carry the document's date: front matter `updated`.
    expect(jan.refs.find((r) => r.source === 'zephyr-winter.md')?.updatedAt).toBe('2026-01-02T00:00:00.000Z');

    // Still valid on its last day (a plain date means the whole day).
    now = Date.parse('2026-01-31T23:00:00Z');
    expect((await cited(q)).sources).toContain('zephyr-winter.md');

    // Feb 1: expired. Same index, same question (the answer cache must not serve the old answer).
    now = Date.parse('2026-02-01T00:00:01Z');
    const feb = await cited(q);
    expect(feb.sources).not.toContain('zephyr-winter.md');
    expect(feb.sources).not.toContain('zephyr-spring.md');
    expect(feb.text).not.toMatch(/FROST10|BLOOM15/);

    // March 2027: the spring sale has started, without a reindex.
    now = Date.parse('2027-03-02T09:00:00Z');
    const spring = await cited(q);
    expect(spring.sources).toContain('zephyr-spring.md');
    expect(spring.sources).not.toContain('zephyr-winter.md');
    expect(spring.text).toMatch(/BLOOM15/);
    expect(spring.text).not.toMatch(/FROST10/);
    // No `updated`/`date` in its front matter: the file's mtime at index time.
    const mtime = fs.statSync(path.join(kb.knowledgeDir, 'zephyr-spring.md')).mtimeMs;
    expect(spring.refs.find((r) => r.source === 'zephyr-spring.md')?.updatedAt).toBe(
      new Date(mtime).toISOString(),
    );
  });
});

describe('review_after: documents due for review, for admins', () => {
  const get = (token?: string) =>
    fetch(
      `${running.url}/api/console/review-due`,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );

  it('lists documents past review_after, by the injected clock, only with ADMIN_TOKEN', async () => {
    expect((await get()).status).toBe(401);
    expect((await get('wrong')).status).toBe(401);
    now = Date.parse('2026-01-15T12:00:00Z');
    const jan = (await (await get(TOKEN)).json()) as { documents: Array<Record<string, unknown>> };
    expect(jan.documents).toEqual([
      {
        space: 'default',
        source: 'holiday-returns.md',
        title: 'Holiday returns',
        reviewAfter: '2026-01-10T00:00:00.000Z',
        updatedAt: '2025-11-20T00:00:00.000Z',
        overdueDays: 5,
      },
    ]);
    now = Date.parse('2026-06-02T00:00:00Z');
    const june = (await (await get(TOKEN)).json()) as { documents: Array<{ source: string; space: string }> };
    expect(june.documents.map((d) => `${d.space}:${d.source}`)).toEqual([
      'default:holiday-returns.md',
      'apparel:apparel/sizing.md',
    ]);
  });
});
