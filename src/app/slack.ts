import type { Logger } from '../logger.js';
import { createSlackApp } from '../slack/app.js';
import { InProcessDedupStore } from '../slack/dedup.js';
import { RedisDedupStore } from '../slack/dedup-redis.js';
import { postDigest, startDigestSchedule } from '../slack/digest.js';
import { createSlackHandoffNotifier } from '../slack/handoff/notifier.js';
import { reindexHook } from '../slack/reindex-hook.js';
import { RedisThreadStore } from '../slack/thread-store-redis.js';
import type { SlackAppDeps, SlackAppHandle } from '../slack/types.js';
import type { BuiltApp } from './build.js';

/**
 * Slack on top of the built app when SLACK_BOT_TOKEN is set: HTTP mode on the same server at
 * /slack/events, or Socket Mode with SLACK_APP_TOKEN. With Redis, dedup and "threads the bot
 * answered" are shared by all replicas. The handoff desk is the app's HandoffService: Slack
 * opens tickets through it (so cards are announced), card buttons act on it, the asker's
 * messages during a ticket are forwarded to it, and with SLACK_HANDOFF_CHANNEL its Slack
 * notifier posts the cards.
 */
export async function attachSlack(
  built: BuiltApp,
  logger: Logger,
  opts: Pick<SlackAppDeps, 'authRetry'> = {},
): Promise<SlackAppHandle | null> {
  const { config, stores } = built;
  if (!config.slack.enabled) return null;
  const slackLogger = logger.child({ surface: 'slack' });
  const slack = createSlackApp({
    config,
    copilot: built.copilot,
    // Per-user limit, space, handoff gate, tickets: the app's one conversation service.
    conversation: built.conversation,
    handoffs: built.handoffs,
    desk: built.handoffs,
    answers: stores.answers,
    logger: slackLogger,
    reindex: reindexHook(built.reindexer),
    sourceSyncs: async () =>
      (await built.sources.lastSyncs()).map(({ source, last, lastGood }) => ({
        name: source.name,
        type: source.type,
        space: source.space,
        ...(source.schedule ? { schedule: source.schedule } : {}),
        last,
        lastGood,
      })),
    spaceFor: (team, channel) => built.spaces.forSlack(team, channel),
    reviewDue: () => built.reviewDue(),
    gaps: built.gaps,
    ...opts,
    ...(stores.redis
      ? { dedup: new RedisDedupStore(stores.redis), threads: new RedisThreadStore(stores.redis) }
      : {}),
  });
  if (slack.router) built.http.mount('/slack/events', slack.router);
  built.surfaces.slack = () => slack.health();
  await slack.start();
  const channel = config.slack.handoffChannel;
  let detach: (() => void) | undefined;
  if (channel) {
    detach = built.handoffs.addNotifier(
      createSlackHandoffNotifier({ client: slack.app.client, channel, logger: slackLogger }),
    );
  } else {
    slackLogger.warn(
      'SLACK_HANDOFF_CHANNEL is not set: questions handed to a human get no Slack card and only show in /console (and /copilot handoffs). Set it to a channel id and invite the bot there.',
    );
  }
  // The weekly digest (figures and knowledge gaps), once per tick across replicas.
  const digest = config.slack.digest;
  const digestChannel = digest.channel;
  const schedule = digestChannel
    ? startDigestSchedule({
        schedule: digest.schedule,
        timezone: digest.timezone,
        post: async () => {
          await postDigest(slack.app.client, built.gaps, digestChannel);
        },
        once: (() => {
          const claims = stores.redis ? new RedisDedupStore(stores.redis) : new InProcessDedupStore();
          return (key: string, ttl: number) => claims.firstTime(key, ttl);
        })(),
        logger: slackLogger,
      })
    : null;
  if (schedule)
    slackLogger.info(
      { channel: digestChannel, next: schedule.next()?.toISOString() },
      'weekly digest scheduled',
    );
  return {
    ...slack,
    async stop() {
      // Cards and relays stop with Slack; tickets keep going to the console.
      schedule?.stop();
      detach?.();
      await slack.stop();
    },
  };
}
