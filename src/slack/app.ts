import { App, AuthorizationError, ExpressReceiver, type webApi } from '@slack/bolt';
import express from 'express';
import { createConversationService, spacesOf } from '../conversation/service.js';
import { CopilotError } from '../errors.js';
import { createBoltLogger } from './bolt-logger.js';
import { InProcessDedupStore } from './dedup.js';
import { createDeskAccess } from './handoff/desk-access.js';
import { registerListeners } from './listeners/index.js';
import { errorSummary, slackErrorCode } from './slack-errors.js';
import { InProcessThreadStore } from './thread-store.js';
import type { SlackAppDeps, SlackAppHandle, SlackContext, SlackHealth } from './types.js';

/**
 * Web API retries: the client waits out every 429 `Retry-After` itself (requests stay queued in
 * order) and then retries; beyond that a few quick retries for network blips. The SDK default
 * keeps retrying for ~30 minutes, far too long for someone waiting on an answer in a thread.
 */
const RETRY_CONFIG: webApi.RetryOptions = {
  retries: 4,
  factor: 2,
  minTimeout: 200,
  maxTimeout: 5000,
  randomize: true,
};

/**
 * The Slack surface. HTTP mode: an ExpressReceiver whose router the HTTP server mounts
 * at /slack/events (signature and 5-minute timestamp checks stay on). Socket Mode when
 * SLACK_APP_TOKEN is set. Every Web API call goes to SLACK_API_URL, so tests run against a fake.
 */
export function createSlackApp(deps: SlackAppDeps): SlackAppHandle {
  const { slack } = deps.config;
  if (!slack.botToken) {
    throw new CopilotError('config:invalid', 'Slack is not configured: SLACK_BOT_TOKEN is not set.', {
      hint: 'Set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode); see docs/slack-setup.md.',
    });
  }
  const logger = deps.logger.child({ component: 'slack' });
  const boltLogger = createBoltLogger(logger);
  const socket = Boolean(slack.appToken);
  let router: express.Router | undefined;
  let receiver: ExpressReceiver | undefined;
  if (!socket) {
    if (!slack.signingSecret) {
      throw new CopilotError('config:invalid', 'Slack HTTP mode needs SLACK_SIGNING_SECRET.', {
        hint: 'Copy the Signing Secret from your Slack app’s Basic Information page, or set SLACK_APP_TOKEN for Socket Mode.',
      });
    }
    router = express.Router();
    // Endpoint '/' inside the router: the server decides the public path (/slack/events).
    receiver = new ExpressReceiver({
      signingSecret: slack.signingSecret,
      endpoints: '/',
      router,
      logger: boltLogger,
      // A signed but malformed envelope (possible only with the signing secret) is the sender's
      // error: answer 400 rather than Bolt's default 500.
      processEventErrorHandler: async ({ error, response }) => {
        if (response.headersSent) return false;
        const status = error instanceof AuthorizationError ? 401 : error instanceof TypeError ? 400 : 500;
        logger.warn({ status, err: errorSummary(error) }, 'Slack event could not be processed');
        response.writeHead(status);
        response.end();
        return true;
      },
    });
  }
  const app = new App({
    token: slack.botToken,
    logger: boltLogger,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: RETRY_CONFIG, rejectRateLimitedCalls: false },
    // auth.test runs in start(), not in the constructor, where a failure would be an unhandled rejection.
    deferInitialization: true,
    convoStore: false,
    ...(socket ? { socketMode: true, appToken: slack.appToken } : { receiver }),
  });
  app.error(async (err) => {
    // Listeners catch their own failures; this is the net under them. Slack already got its ack.
    logger.error({ err: errorSummary(err) }, 'unhandled Slack listener error');
  });
  const ctx = buildContext(deps, logger, app.client);
  registerListeners(app, ctx);

  let connected = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const health: SlackHealth = { state: 'starting' };
  const retry = { firstMs: deps.authRetry?.firstMs ?? 2000, maxMs: deps.authRetry?.maxMs ?? 60_000 };

  /** auth.test (app.init), then the Socket Mode connection. Throws what Slack said. */
  const connect = async () => {
    await app.init();
    if (socket) {
      await app.start();
      connected = true;
    }
    health.state = 'ok';
    delete health.error;
    logger.info({ mode: socket ? 'socket' : 'http', admins: slack.adminUsers.length }, 'Slack app ready');
  };

  const retryLater = (delayMs: number) => {
    retryTimer = setTimeout(async () => {
      if (stopped) return;
      health.retries = (health.retries ?? 0) + 1;
      try {
        await connect();
      } catch (err) {
        health.error = slackErrorCode(err) ?? 'unreachable';
        logger.warn(
          { err: errorSummary(err), retries: health.retries },
          'Slack still unreachable; retrying auth.test',
        );
        retryLater(Math.min(delayMs * 2, retry.maxMs));
      }
    }, delayMs);
    retryTimer.unref();
  };

  return {
    app,
    mode: socket ? 'socket' : 'http',
    ...(router ? { router } : {}),
    health: () => ({ ...health }),
    async start() {
      try {
        await connect();
      } catch (err) {
        const code = slackErrorCode(err);
        if (code) {
          // Slack answered and refused: a configuration error, fast and clear.
          throw new CopilotError('slack:auth', `Slack rejected the bot token (${code}).`, {
            cause: err,
            hint: 'Check SLACK_BOT_TOKEN (xoxb-…) and SLACK_API_URL, and that the app is installed in the workspace.',
          });
        }
        // Slack could not be reached (network, DNS, outage): start anyway, degraded, and retry.
        health.state = 'degraded';
        health.error = 'unreachable';
        health.retries = 0;
        logger.warn(
          { err: errorSummary(err), retryInMs: retry.firstMs },
          'Slack is unreachable at start-up: serving without Slack for now, retrying auth.test in the background',
        );
        retryLater(retry.firstMs);
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      if (connected) await app.stop();
      connected = false;
    },
  };
}

function buildContext(
  deps: SlackAppDeps,
  logger: SlackContext['logger'],
  client: webApi.WebClient,
): SlackContext {
  const admins = new Set(deps.config.slack.adminUsers);
  const editors = new Set(deps.config.slack.answerEditors);
  const isAdmin = (userId: string) => admins.has(userId);
  const spaceFor = deps.spaceFor ?? (() => 'default');
  const relay = deps.onMessageDuringHandoff;
  const conversation =
    deps.conversation ??
    createConversationService({
      copilot: deps.copilot,
      handoffs: deps.handoffs,
      ...(relay
        ? {
            forward: async (ticket, req) => {
              const { team = '', channel = '', threadTs = '' } = req.conversation.origin;
              await relay(ticket, {
                team,
                channel,
                threadTs,
                ts: req.ts ?? threadTs,
                user: req.conversation.user ?? '',
                text: req.message,
              });
              return true;
            },
          }
        : {}),
      answers: deps.answers,
      spaces: spacesOf(deps.copilot, spaceFor),
      logger,
    });
  return {
    config: deps.config,
    copilot: deps.copilot,
    conversation,
    handoffs: deps.handoffs,
    answers: deps.answers,
    logger,
    dedup: deps.dedup ?? new InProcessDedupStore(),
    threads: deps.threads ?? new InProcessThreadStore(),
    desk: deps.desk,
    reindex: deps.reindex,
    sourceSyncs: deps.sourceSyncs,
    spaceFor,
    gaps: deps.gaps,
    stream: deps.stream ?? {},
    reviewDue: deps.reviewDue ?? (() => []),
    isAdmin,
    canSaveAnswers: (userId) => isAdmin(userId) || editors.has(userId),
    canSeeDesk: createDeskAccess({ client, channel: deps.config.slack.handoffChannel, isAdmin, logger }),
  };
}
