import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../fakes/slack-api.js';
import { quiet, type SlackHarness, slashCommand, startSlackHarness, TEAM } from '../helpers/slack.js';

/** Issue 4: `/copilot help | status | reindex | handoffs | <question>`. */
let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await quiet(h.fake);
  h.fake.reset();
});

const replies = (calls: SlackCall[], id: string) =>
  calls.filter((c) => c.method === 'response_url' && c.args.id === id);

async function run(text: string, user = 'U1', id = `r${Math.random()}`): Promise<SlackCall[]> {
  const res = await h.send(slashCommand({ text, user, responseUrl: h.fake.responseUrl(id) }));
  expect(res.status).toBe(200);
  await h.fake.waitFor((c) => replies(c, id).length > 0);
  return replies(h.fake.calls, id);
}

describe('/copilot', () => {
  it('help (and no text) shows how to use the bot, privately', async () => {
    for (const text of ['help', '']) {
      const [reply] = await run(text);
      expect(reply?.args.response_type).toBe('ephemeral');
      expect(JSON.stringify(reply?.args.blocks)).toContain('/copilot reindex');
    }
  });

  it('status shows the index version, spaces and modes', async () => {
    const [reply] = await run('status');
    const text = JSON.stringify(reply?.args);
    expect(text).toContain('v-test');
    expect(text).toContain('default');
    expect(text).toContain('offline');
  });

  it('reindex by a non-admin is refused ephemerally and nothing runs', async () => {
    const [reply] = await run('reindex', 'U1');
    expect(reply?.args.response_type).toBe('ephemeral');
    expect(String(reply?.args.text)).toContain('only Copilot admins');
    expect(h.reindexCalls).toEqual([]);
  });

  it('reindex by an admin runs and reports the result in place', async () => {
    const id = 'admin-reindex';
    await run('reindex', 'UADMIN', id);
    await h.fake.waitFor((c) => replies(c, id).length >= 2);
    const [started, done] = replies(h.fake.calls, id);
    expect(String(started?.args.text)).toContain('Reindexing');
    expect(done?.args).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    expect(String(done?.args.text)).toContain('Reindex finished: 3 documents, 42 chunks (1 added)');
    expect(h.reindexCalls).toEqual(['UADMIN:slack_command']);
  });

  it('handoffs lists every open ticket to an admin, and only their own to anyone else', async () => {
    await h.handoffs.create({
      space: 'default',
      conversationKey: `${TEAM}:C1:1.1`,
      conversationId: 'C1:1.1',
      origin: { surface: 'slack', channel: 'C1', threadTs: '1.1', link: 'https://fake.slack.test/x' },
      asker: 'U3',
      question: 'Can I change my delivery address?',
      reason: 'asked',
    });
    const [reply] = await run('handoffs', 'UADMIN');
    expect(JSON.stringify(reply?.args.blocks)).toContain('Can I change my delivery address?');
    const [asker] = await run('handoffs', 'U3');
    expect(JSON.stringify(asker?.args.blocks)).toContain('Can I change my delivery address?');
    const [other] = await run('handoffs', 'U1');
    expect(JSON.stringify(other?.args)).not.toContain('delivery address');
  });

  it('anything else is a question, answered in a thread under a message that quotes it', async () => {
    const res = await h.send(
      slashCommand({ text: 'what is the return window?', responseUrl: h.fake.responseUrl('q') }),
    );
    expect(res.status).toBe(200);
    await h.fake.waitFor((c) => c.some((x) => x.method === 'chat.stopStream'));
    const quote = h.fake.calls.find((c) => c.method === 'chat.postMessage');
    expect(quote?.args).toMatchObject({ channel: 'C1' });
    expect(String(quote?.args.text)).toContain('what is the return window?');
    const ts = quote?.response?.ts;
    expect(h.fake.calls.find((c) => c.method === 'chat.startStream')?.args).toMatchObject({
      channel: 'C1',
      thread_ts: ts,
    });
    expect(h.copilot.asks.at(-1)?.input).toMatchObject({
      message: 'what is the return window?',
      conversationKey: `${TEAM}:C1:${ts}`,
    });
  });

  it('a question where the bot cannot post gets a private hint instead', async () => {
    h.fake.fail('chat.postMessage', 'not_in_channel');
    const [reply] = await run('do you ship to Norway?');
    expect(String(reply?.args.text)).toContain('/invite');
  });
});
