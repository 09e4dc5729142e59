import type { Logger } from '../logger.js';
import { createSlackApp } from '../slack/app.js';
import { RedisDedupStore } from '../slack/dedup-redis.js';
import { reindexHook } from '../slack/reindex-hook.js';
import { RedisThreadStore } from '../slack/thread-store-redis.js';
import type { SlackAppHandle } from '../slack/types.js';
import type { BuiltApp } from './build.js';

/**
 * Slack on top of the built app when SLACK_BOT_TOKEN is set: HTTP mode on the same server at
 * /slack/events, or Socket Mode with SLACK_APP_TOKEN. With Redis, dedup and "threads the bot
 * answered" are shared by all replicas.
 */
export async function attachSlack(built: BuiltApp, logger: Logger): Promise<SlackAppHandle | null> {
  const { config, stores } = built;
  if (!config.slack.enabled) return null;
  const slack = createSlackApp({
    config,
    copilot: built.copilot,
    handoffs: built.stores.handoffs,
    answers: stores.answers,
    logger: logger.child({ surface: 'slack' }),
    reindex: reindexHook(built.reindexer),
    spaceFor: (team, channel) => built.spaces.forSlack(team, channel),
    ...(stores.redis
      ? { dedup: new RedisDedupStore(stores.redis), threads: new RedisThreadStore(stores.redis) }
      : {}),
  });
  if (slack.router) built.http.mount('/slack/events', slack.router);
  await slack.start();
  return slack;
}
