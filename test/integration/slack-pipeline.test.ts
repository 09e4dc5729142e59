import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BuiltApp, buildApp } from '../../src/app/build.js';
import { loadConfig } from '../../src/config.js';
import { createSlackApp } from '../../src/slack/app.js';
import { reindexHook } from '../../src/slack/reindex-hook.js';
import type { SlackAppHandle } from '../../src/slack/types.js';
import { type FakeSlackApi, type SlackCall, startFakeSlackApi } from '../fakes/slack-api.js';
import { copyKnowledge } from '../helpers/app.js';
import {
  actionIds,
  appMention,
  blockAction,
  buttonValue,
  channelMessage,
  eventCallback,
  nativeText,
  quiet,
  SIGNING_SECRET,
  signedRequest,
  slashCommand,
  TEAM,
} from '../helpers/slack.js';

/**
 * The Slack app driving the real answer pipeline (offline answers, local embeddings, the sample
 * knowledge), mounted on the real HTTP app with `http.mount('/slack/events', slack.router)`.
 */
const kb = copyKnowledge();
let fake: FakeSlackApi;
let built: BuiltApp;
let slack: SlackAppHandle;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  fake = await startFakeSlackApi();
  const env = { LOG_LEVEL: 'silent' as const, KNOWLEDGE_DIR: kb.knowledgeDir, INDEX_DIR: kb.indexDir };
  built = await buildApp(loadConfig(env), pino({ level: 'silent' }));
  const slackConfig = loadConfig({
    ...env,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    SLACK_ADMIN_USERS: 'UADMIN',
  });
  slack = createSlackApp({
    config: slackConfig,
    copilot: built.copilot,
    handoffs: built.stores.handoffs,
    answers: built.stores.answers,
    logger: pino({ level: 'silent' }),
    reindex: reindexHook(built.reindexer),
  });
  await slack.start();
  if (slack.router) built.http.mount('/slack/events', slack.router);
  server = built.http.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await built?.close();
  await fake?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});
beforeEach(async () => {
  await quiet(fake);
  fake.reset();
});

const send = (body: string | object) => signedRequest(baseUrl, SIGNING_SECRET, body);
const stopped = (n: number) =>
  fake.waitFor((c) => c.filter((x: SlackCall) => x.method === 'chat.stopStream').length >= n, 20_000);

describe('Slack with the real pipeline', () => {
  it('answers a mention with the answer buttons, a follow-up from memory, and stores 👍', async () => {
    const mention = appMention({
      text: 'How many days does a customer have to send back a kettle for a refund?',
    });
    await send(eventCallback(mention));
    await stopped(1);
    // What the offline extractor says is the pipeline's business (its own tests); here: it got through.
    expect(nativeText(fake.calls).length).toBeGreaterThan(20);
    const stop = fake.calls.find((c) => c.method === 'chat.stopStream');
    expect(actionIds(stop?.args.blocks)).toEqual([
      'copilot_feedback_up',
      'copilot_feedback_down',
      'copilot_ask_human',
    ]);

    await send(
      eventCallback(
        channelMessage({ text: 'And does the customer pay for the return shipping?', threadTs: mention.ts }),
      ),
    );
    await stopped(2);
    const turns = await built.stores.memory.recent(`${TEAM}:C1:${mention.ts}`, 10);
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    // 👍 goes through copilot.feedback into the answer store.
    const answerId = buttonValue(stop?.args.blocks, 'copilot_feedback_up');
    await send(
      blockAction({
        actionId: 'copilot_feedback_up',
        value: answerId,
        messageTs: String(stop?.args.ts),
        threadTs: mention.ts,
      }),
    );
    await fake.waitFor((c) => c.some((x) => x.method === 'chat.postEphemeral'));
    expect((await built.stores.answers.get(answerId))?.feedback?.rating).toBe('up');
  });

  it('asking for a human in words opens a ticket; the bot says so and then stays silent in that thread', async () => {
    const mention = appMention({ text: 'I want to talk to a human please' });
    await send(eventCallback(mention));
    await stopped(1);
    const stop = fake.calls.find((c) => c.method === 'chat.stopStream');
    expect(JSON.stringify(stop?.args.blocks)).toContain('A teammate has been asked');
    expect(actionIds(stop?.args.blocks)).not.toContain('copilot_ask_human');
    const tickets = await built.stores.handoffs.list({ status: ['open'] });
    expect(tickets.some((t) => t.conversationKey === `${TEAM}:C1:${mention.ts}`)).toBe(true);

    await send(eventCallback(channelMessage({ text: 'hello? anyone?', threadTs: mention.ts })));
    await quiet(fake, 400);
    expect(fake.calls.filter((c) => c.method === 'chat.startStream')).toHaveLength(1);
  });

  it('/copilot reindex by an admin runs the real reindexer and reports the summary', async () => {
    await send(slashCommand({ text: 'reindex', user: 'UADMIN', responseUrl: fake.responseUrl('ri') }));
    await fake.waitFor((c) => c.filter((x) => x.method === 'response_url').length >= 2, 30_000);
    const done = fake.calls.filter((c) => c.method === 'response_url').at(-1);
    expect(String(done?.args.text)).toMatch(/Reindex finished: \d+ documents, \d+ chunks/);
  });
});
