import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type BuiltApp, buildApp } from '../../src/app/build.js';
import { attachSlack } from '../../src/app/slack.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { SlackAppHandle } from '../../src/slack/types.js';
import { type FakeSlackApi, startFakeSlackApi } from '../fakes/slack-api.js';
import { SIGNING_SECRET, type SignOptions, signedRequest } from './slack.js';

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A pino destination that keeps every line, parsed, for assertions on what the logs say. */
export function logSink(): { stream: Writable; lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        raw.push(line);
        try {
          lines.push(JSON.parse(line) as LogLine);
        } catch {
          /* not JSON: kept in raw only */
        }
      }
      cb();
    },
  });
  return { stream, lines, raw };
}

export interface AppWithSlack {
  built: BuiltApp;
  slack: SlackAppHandle;
  fake: FakeSlackApi;
  url: string;
  logs: ReturnType<typeof logSink>;
  send(body: string | object, opts?: SignOptions): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The real app as main.ts wires it (buildApp + attachSlack, Slack over HTTP at /slack/events)
 * against the fake Slack Web API, with every log line captured.
 */
export async function startAppWithSlack(env: Record<string, string>): Promise<AppWithSlack> {
  const fake = await startFakeSlackApi();
  const logs = logSink();
  const config = loadConfig({
    LOG_LEVEL: 'info',
    SLACK_BOT_TOKEN: 'xoxb-test-secret-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.url,
    RATE_LIMIT_PER_MINUTE: '100000',
    HANDOFF_CREATE_PER_MINUTE: '100000',
    ...env,
  });
  const logger = createLogger({ level: config.logLevel, destination: logs.stream });
  const built = await buildApp(config, logger);
  const slack = await attachSlack(built, logger);
  if (!slack) throw new Error('Slack did not start: check the Slack settings of the test');
  const server: Server = built.http.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    built,
    slack,
    fake,
    url,
    logs,
    send: (body, opts) => signedRequest(url, SIGNING_SECRET, body, opts),
    close: async () => {
      await slack.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await built.close();
      await fake.close();
    },
  };
}
