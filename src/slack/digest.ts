import type { webApi } from '@slack/bolt';
import { Cron } from 'croner';
import type { Digest, GapDesk } from '../insights/gap-desk.js';
import type { Logger } from '../logger.js';
import { buildDigestBlocks } from './blocks/digest.js';
import { errorSummary, slackCall } from './slack-errors.js';

/** Computes the week's digest and posts it in `channel`; returns the message ts. */
export async function postDigest(
  client: webApi.WebClient,
  gaps: GapDesk,
  channel: string,
  now?: number,
): Promise<{ ts: string; digest: Digest }> {
  const digest = await gaps.digest(now === undefined ? {} : { now });
  const { text, blocks } = buildDigestBlocks(digest);
  const res = await slackCall('chat.postMessage', () =>
    client.chat.postMessage({ channel, text, blocks, unfurl_links: false, unfurl_media: false }),
  );
  return { ts: String(res.ts ?? ''), digest };
}

export interface DigestSchedule {
  stop(): void;
  /** When the digest is posted next (null when stopped). */
  next(): Date | null;
}

/**
 * The weekly digest on a cron schedule (DIGEST_SCHEDULE, in DIGEST_TIMEZONE or the server's).
 * With several replicas each tick is claimed once (`once`: the Slack dedup store, in Redis when
 * REDIS_URL is set), so the channel gets one digest. A failed post is logged, never thrown.
 */
export function startDigestSchedule(deps: {
  schedule: string;
  timezone?: string | undefined;
  post: () => Promise<void>;
  once: (key: string, ttlSeconds: number) => Promise<boolean>;
  logger: Logger;
}): DigestSchedule {
  const cron = new Cron(
    deps.schedule,
    { protect: true, catch: true, ...(deps.timezone ? { timezone: deps.timezone } : {}) },
    async (self: Cron) => {
      const at = (self.currentRun() ?? new Date()).toISOString().slice(0, 19);
      try {
        if (!(await deps.once(`digest:${at}`, 6 * 3600))) return;
        await deps.post();
        deps.logger.info({ tick: at }, 'weekly digest posted');
      } catch (err) {
        deps.logger.error({ err: errorSummary(err), tick: at }, 'weekly digest failed');
      }
    },
  );
  return { stop: () => cron.stop(), next: () => cron.nextRun() };
}
