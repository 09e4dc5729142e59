import { buildDigestBlocks } from '../../blocks/digest.js';
import { postDigest } from '../../digest.js';
import type { SlackContext } from '../../types.js';
import { type CommandArgs, ephemeral } from './args.js';

/**
 * `/copilot digest`: admins only. Posts the weekly digest now in the digest channel
 * (SLACK_DIGEST_CHANNEL, else SLACK_HANDOFF_CHANNEL); without one, shows it privately.
 */
export async function commandDigest(
  ctx: SlackContext,
  { command, respond, client }: CommandArgs,
): Promise<void> {
  const user = command.user_id;
  if (!ctx.isAdmin(user)) {
    await respond(
      ephemeral(
        `Sorry, only Copilot admins can post the digest. An admin can add your user id (${user}) to SLACK_ADMIN_USERS.`,
      ),
    );
    return;
  }
  if (!ctx.gaps) {
    await respond(ephemeral('The digest is not available on this server.'));
    return;
  }
  const channel = ctx.config.slack.digest.channel;
  if (!channel) {
    const { text, blocks } = buildDigestBlocks(await ctx.gaps.digest());
    await respond(ephemeral(text, blocks));
    return;
  }
  await postDigest(client, ctx.gaps, channel);
  ctx.logger.info({ user, channel }, 'digest posted on request');
  await respond(ephemeral(`Posted this week's digest in <#${channel}>.`));
}
