import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../fakes/slack-api.js';
import { type FakeSite, html, startFakeSite } from '../fakes/website.js';
import { copyKnowledge } from '../helpers/app.js';
import { eventCallback, isArgs, slashCommand } from '../helpers/slack.js';
import { type AppWithSlack, startAppWithSlack } from '../helpers/slack-app.js';

// `/copilot sync` and the App Home show the last sync per source: time, pages, errors.
const kb = copyKnowledge();
let site: FakeSite;
let app: AppWithSlack;

beforeAll(async () => {
  site = await startFakeSite({
    '/robots.txt': { type: 'text/plain', body: '' },
    '/kb/': html('KB', '<p>Gift cards never expire.</p>', ['/kb/a', '/kb/broken']),
    '/kb/a': html('A', '<p>Page A.</p>'),
    '/kb/broken': { status: 500, body: 'x' },
  });
  fs.writeFileSync(
    path.join(kb.knowledgeDir, 'sources.json'),
    JSON.stringify({
      sources: [
        {
          name: 'helpsite',
          type: 'website',
          space: 'default',
          start_urls: [`${site.url}/kb/`],
          schedule: '0 3 * * *',
        },
        { name: 'wiki', type: 'notion', space: 'default' },
      ],
    }),
  );
  app = await startAppWithSlack({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    SLACK_ADMIN_USERS: 'UADMIN',
    NOTION_TOKEN: '',
  });
  await app.built.sources.run();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await site?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

describe('last sync per source in Slack', () => {
  it('/copilot sync lists each source with time, pages and errors, privately', async () => {
    const id = `sync-${Math.random()}`;
    await app.send(slashCommand({ text: 'sync', user: 'U1', responseUrl: app.fake.responseUrl(id) }));
    await app.fake.waitFor((calls) => calls.some((c) => c.method === 'response_url' && c.args.id === id));
    const reply = app.fake.calls.find((c) => c.method === 'response_url' && c.args.id === id) as SlackCall;
    expect(reply.args.response_type).toBe('ephemeral');
    expect(String(reply.args.text)).toBe('2 source(s), 1 failing');
    const text = JSON.stringify(reply.args.blocks);
    expect(text).toMatch(/\*helpsite\* \(website → `default`, `0 3 \* \* \*`\)/);
    expect(text).toMatch(/synced just now: 2 pages, 2 changed/);
    expect(text).toMatch(/1 page error\(s\), e\.g\. http:\/\/127\.0\.0\.1:\d+\/kb\/broken: HTTP 500/);
    expect(text).toMatch(/\*wiki\* \(notion → `default`, by hand\)/);
    expect(text).toMatch(/failed just now: NOTION_TOKEN is not set.*\(nothing synced yet\)/);
  });

  it('the App Home shows the sources to admins, not to everyone', async () => {
    const homeOf = async (user: string) => {
      const before = app.fake.calls.length;
      await app.send(
        eventCallback({ type: 'app_home_opened', user, channel: 'D9', tab: 'home', event_ts: '1.1' }),
      );
      await app.fake.waitFor((calls) =>
        calls.slice(before).some((c) => c.method === 'views.publish' && c.args.user_id === user),
      );
      const call = app.fake.calls
        .slice(before)
        .find((c) => c.method === 'views.publish' && c.args.user_id === user) as SlackCall;
      return JSON.stringify(isArgs(call.args.view) ? call.args.view.blocks : call.args.view);
    };
    const admin = await homeOf('UADMIN');
    expect(admin).toContain('Sources');
    expect(admin).toMatch(/helpsite.*synced just now: 2 pages/);
    expect(admin).toMatch(/wiki.*failed just now/);
    const other = await homeOf('U2');
    expect(other).not.toContain('helpsite');
  });
});
