import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltApp, buildApp } from '../../src/app/build.js';
import { loadConfig } from '../../src/config.js';
import type { AnswerRecord } from '../../src/domain/answers.js';
import type { Copilot } from '../../src/domain/copilot.js';
import { createSlackApp } from '../../src/slack/app.js';
import type { SlackAppHandle } from '../../src/slack/types.js';
import { type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { chat, copyKnowledge } from '../helpers/app.js';
import { appMention, eventCallback, quiet, SIGNING_SECRET, signedRequest } from '../helpers/slack.js';

// apparel is private and mapped to one channel; default is public (knowledge/spaces.json).
const kb = copyKnowledge();
fs.writeFileSync(
  path.join(kb.knowledgeDir, 'spaces.json'),
  JSON.stringify({
    spaces: { default: { public: true }, apparel: { public: false } },
    channels: { CAPPAREL: 'apparel' },
    teams: {},
  }),
);
let fake: FakeSlackApi;
let built: BuiltApp;
let slack: SlackAppHandle;
let server: Server;
let url: string;
const records: AnswerRecord[] = [];

beforeAll(async () => {
  fake = await startFakeSlackApi();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
  });
  built = await buildApp(config, pino({ level: 'silent' }));
  // Records every answer the Slack surface gets, to check which space's passages it used.
  const recording: Copilot = {
    ...built.copilot,
    ask: async (input, emit) => {
      const r = await built.copilot.ask(input, emit);
      records.push(r);
      return r;
    },
  };
  slack = createSlackApp({
    config,
    copilot: recording,
    handoffs: built.handoffs,
    answers: built.stores.answers,
    logger: pino({ level: 'silent' }),
    spaceFor: (team, channel) => built.spaces.forSlack(team, channel),
  });
  await slack.start();
  if (slack.router) built.http.mount('/slack/events', slack.router);
  server = built.http.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await slack?.stop();
  await built?.close();
  await fake?.close();
  fs.rmSync(kb.root, { recursive: true, force: true });
});

async function askInSlack(channel: string, text: string): Promise<AnswerRecord> {
  const before = records.length;
  await signedRequest(url, SIGNING_SECRET, eventCallback(appMention({ channel, text })));
  await fake.waitFor(() => records.length > before, 20_000);
  await quiet(fake);
  return records.at(-1) as AnswerRecord;
}

describe('spaces per channel', () => {
  const homeQuestions = [
    'What is the return window for a kettle?',
    'How much is the Bazaarly commission on a kettle?',
  ];
  const apparelQuestions = ['How long do customers have to return clothing?', 'Is a size exchange free?'];

  it('a channel mapped to apparel only ever gets apparel passages', async () => {
    for (const q of [...homeQuestions, ...apparelQuestions]) {
      const r = await askInSlack('CAPPAREL', q);
      expect(r.space).toBe('apparel');
      for (const s of r.sources) expect(s.source.startsWith('apparel/')).toBe(true);
    }
  });

  it('an unmapped channel cannot reach the private apparel space', async () => {
    for (const q of [...apparelQuestions, 'apparel returns 60 days size exchange']) {
      const r = await askInSlack('CRANDOM', q);
      expect(r.space).toBe('default');
      for (const s of r.sources) expect(s.source.startsWith('apparel/')).toBe(false);
    }
  });

  it('the web API neither lists nor accepts the private space', async () => {
    const status = (await (await fetch(`${url}/api/status`)).json()) as { spaces: Array<{ name: string }> };
    expect(status.spaces.map((s) => s.name)).toEqual(['default']);
    const r = await chat(url, { message: 'Is a size exchange free?', space: 'apparel' });
    expect(r.status).toBe(400);
  });
});

describe('the space policy follows the index version', () => {
  const webSpaces = async () =>
    ((await (await fetch(`${url}/api/status`)).json()) as { spaces: Array<{ name: string }> }).spaces
      .map((s) => s.name)
      .sort();

  it('an undeclared folder is part of default; a space declared without `public` is not public; switching a space private applies on reindex', async () => {
    // A new folder appears at runtime: without a declaration it is organisation inside default.
    fs.mkdirSync(path.join(kb.knowledgeDir, 'wholesale'), { recursive: true });
    fs.writeFileSync(
      path.join(kb.knowledgeDir, 'wholesale', 'terms.md'),
      '# Wholesale terms\n\nWholesale buyers get net-60 payment terms on orders over 500 units.\n',
    );
    let job = built.reindexer.request('cli');
    await built.reindexer.wait(job.id);
    expect(built.index.current().spaces()).not.toContain('wholesale');
    // Declared, but nobody said it is public: a space of its own, hidden from the web.
    fs.writeFileSync(
      path.join(kb.knowledgeDir, 'spaces.json'),
      JSON.stringify({
        spaces: { default: { public: true }, apparel: { public: false }, wholesale: {} },
        channels: { CAPPAREL: 'apparel' },
      }),
    );
    job = built.reindexer.request('cli');
    await built.reindexer.wait(job.id);
    expect(built.index.current().spaces()).toContain('wholesale');
    expect(await webSpaces()).toEqual(['default']);
    const hidden = await chat(url, { message: 'What are the wholesale payment terms?', space: 'wholesale' });
    expect(hidden.status).toBe(400);

    // Declaring it public and default private, then reindexing, swaps the policy without a restart.
    fs.writeFileSync(
      path.join(kb.knowledgeDir, 'spaces.json'),
      JSON.stringify({
        spaces: { default: { public: false }, apparel: { public: false }, wholesale: { public: true } },
        channels: { CAPPAREL: 'apparel' },
      }),
    );
    job = built.reindexer.request('cli');
    await built.reindexer.wait(job.id);
    expect(await webSpaces()).toEqual(['wholesale']);
    const defaultNow = await chat(url, {
      message: 'What is the return window for a kettle?',
      space: 'default',
    });
    expect(defaultNow.status).toBe(400);
    const open = await chat(url, { message: 'What are the wholesale payment terms?', space: 'wholesale' });
    expect(open.status).toBe(200);
    expect(open.text()).toContain('net-60');
  });
});
