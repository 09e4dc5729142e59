import { SocketModeReceiver } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isCopilotError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { InProcessAnswerStore } from '../../src/memory/in-process.js';
import { createSlackApp } from '../../src/slack/app.js';
import { InMemoryHandoffs } from '../fakes/in-memory-handoffs.js';
import { type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { ScriptedCopilot } from '../fakes/slack-scripted-copilot.js';

/** Issue 4: Socket Mode wiring (constructed, never connected: no network) and start-up checks. */
let fake: FakeSlackApi;
beforeAll(async () => {
  fake = await startFakeSlackApi();
});
afterAll(async () => fake?.close());

function deps(env: Record<string, string>) {
  const answers = new InProcessAnswerStore();
  return {
    config: loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: fake.url,
      LOG_LEVEL: 'silent',
      ...env,
    }),
    copilot: new ScriptedCopilot(answers),
    handoffs: new InMemoryHandoffs(),
    answers,
    logger: createLogger({ level: 'silent' }),
  };
}

describe('Slack app wiring', () => {
  it('with SLACK_APP_TOKEN the app runs in Socket Mode and exposes no HTTP router', () => {
    const slack = createSlackApp(deps({ SLACK_APP_TOKEN: 'xapp-1-test' }));
    expect(slack.mode).toBe('socket');
    expect(slack.router).toBeUndefined();
    const receiver: unknown = Reflect.get(slack.app, 'receiver');
    expect(receiver).toBeInstanceOf(SocketModeReceiver);
    expect(fake.calls).toHaveLength(0);
  });

  it('HTTP mode exposes the router and checks the token at start', async () => {
    const slack = createSlackApp(deps({ SLACK_SIGNING_SECRET: 's' }));
    expect(slack.mode).toBe('http');
    expect(typeof slack.router).toBe('function');
    await slack.start();
    expect(fake.calls.map((c) => c.method)).toEqual(['auth.test']);
  });

  it('a rejected token fails start with a clear error, not at construction', async () => {
    fake.refuse('auth.test', 'invalid_auth');
    const slack = createSlackApp(deps({ SLACK_SIGNING_SECRET: 's' }));
    const err: unknown = await slack.start().catch((e: unknown) => e);
    expect(isCopilotError(err, 'slack:auth')).toBe(true);
    expect(String((err as Error).message)).toContain('invalid_auth');
    fake.clearScripts();
  });
});
