import { progressStep, runReindex } from '../../reindex.js';
import type { SlackContext } from '../../types.js';
import { type CommandArgs, ephemeral } from './args.js';

/**
 * `/copilot reindex`: admins only (SLACK_ADMIN_USERS). The reply is private and is edited in
 * place (response_url, `replace_original`) with the progress and then the result, so the channel
 * sees nothing of it. Slack takes at most five uses of a response_url: the first message, three
 * progress edits (a second apart at least, and only for a 25-point move or a change of state),
 * and the result.
 */
export async function commandReindex(ctx: SlackContext, { command, respond }: CommandArgs): Promise<void> {
  const user = command.user_id;
  if (!ctx.isAdmin(user)) {
    ctx.logger.info({ user }, 'reindex refused: not an admin');
    await respond(
      ephemeral(
        `Sorry, only Copilot admins can reindex the knowledge base. An admin can add your user id (${user}) to SLACK_ADMIN_USERS.`,
      ),
    );
    return;
  }
  let first = true;
  const result = await runReindex(ctx, user, 'slack_command', {
    show: async (text) => {
      await respond(first ? ephemeral(text) : { ...ephemeral(text), replace_original: true });
      first = false;
    },
    throttle: { intervalMs: 1000, maxUpdates: 3, worthShowing: progressStep(25) },
  });
  await respond({ ...ephemeral(result.text), replace_original: true });
}
