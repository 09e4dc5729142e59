import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyKnowledge } from '../helpers/app.js';
import { appMention, eventCallback, quiet } from '../helpers/slack.js';
import { type AppWithSlack, startAppWithSlack } from '../helpers/slack-app.js';

// Per-user limit in Slack, wired as main.ts wires it (attachSlack): polite note, others unaffected.
const kb = copyKnowledge();
let app: AppWithSlack;
beforeAll(async () => {
  app = await startAppWithSlack({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    RATE_LIMIT_PER_MINUTE: '2',
  });
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

describe('Slack rate limit', () => {
  it('the third question of a user within a minute gets a polite note; another user is still answered', async () => {
    const asks = [1, 2, 3].map(() =>
      appMention({ user: 'UFAST', text: 'What is the return window for a kettle?' }),
    );
    for (const m of asks) {
      await app.send(eventCallback(m));
      await app.fake.waitFor((calls) => calls.some((c) => c.args.thread_ts === m.ts), 20_000);
      await quiet(app.fake, 500);
    }
    const third = JSON.stringify(app.fake.calls.filter((c) => c.args.thread_ts === asks[2]?.ts));
    expect(third).toMatch(/faster than I can answer/);
    const first = JSON.stringify(app.fake.calls.filter((c) => c.args.thread_ts === asks[0]?.ts));
    expect(first).not.toMatch(/faster than I can answer/);

    const other = appMention({ user: 'USLOW', text: 'What is the return window for a kettle?' });
    await app.send(eventCallback(other));
    await app.fake.waitFor((calls) => calls.some((c) => c.args.thread_ts === other.ts), 20_000);
    await quiet(app.fake, 500);
    expect(app.fake.calls.some((c) => c.method === 'chat.startStream' && c.args.thread_ts === other.ts)).toBe(
      true,
    );
    // Exactly one polite note in the whole run: the third question of UFAST.
    const notes = app.fake.calls.filter((c) => JSON.stringify(c.args).includes('faster than I can answer'));
    expect(new Set(notes.map((c) => String(c.args.thread_ts ?? c.args.ts)))).toEqual(new Set([asks[2]?.ts]));
    expect(JSON.stringify(app.fake.calls.filter((c) => c.args.thread_ts === other.ts))).not.toMatch(
      /faster than I can answer/,
    );
  });
});
