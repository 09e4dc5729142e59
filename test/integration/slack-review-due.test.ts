import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyKnowledge } from '../helpers/app.js';
import { eventCallback, isArgs, type RealSlackApp, startRealSlackApp } from '../helpers/slack.js';

// The real app + Slack: the App Home lists documents past review_after to admins only.
const kb = copyKnowledge();
let app: RealSlackApp;

beforeAll(async () => {
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'holiday-returns.md'),
    '---\ntitle: Holiday returns\nreview_after: 2020-01-10\n---\n# Holiday returns\n\nGifts bought in December can be returned until January 31.\n',
  );
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'next-year.md'),
    '---\ntitle: Next year plan\nreview_after: 2999-01-01\n---\n# Plan\n\nNot due for a long time.\n',
  );
  app = await startRealSlackApp({ KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir, REDIS_URL: '' });
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

describe('App Home: documents due for review', () => {
  it('shows admins the overdue documents and everyone else nothing about them', async () => {
    for (const user of ['UADMIN', 'U1']) {
      await app.send(
        eventCallback({ type: 'app_home_opened', user, channel: 'D9', tab: 'home', event_ts: '1.1' }),
      );
    }
    await app.fake.waitFor((c) => c.filter((x) => x.method === 'views.publish').length >= 2);
    const publishes = app.fake.calls.filter((c) => c.method === 'views.publish');
    const admin = JSON.stringify(publishes.find((p) => p.args.user_id === 'UADMIN')?.args.view);
    const user = publishes.find((p) => p.args.user_id === 'U1')?.args.view;
    expect(admin).toContain('Due for review');
    expect(admin).toContain('*Holiday returns* — `default/holiday-returns.md`');
    expect(admin).not.toContain('Next year plan');
    expect(isArgs(user) && user.type).toBe('home');
    expect(JSON.stringify(user)).not.toContain('Due for review');
    expect(JSON.stringify(user)).not.toContain('holiday-returns.md');
  });
});
