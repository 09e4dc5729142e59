import { runReindex } from '../../reindex.js';
import type { SlackContext } from '../../types.js';
import { type CommandArgs, ephemeral } from './args.js';

/**
 * `/copilot reindex`: admins only (SLACK_ADMIN_USERS). The reply is private and is replaced by
 * the result when the run ends, so the channel sees nothing of it.
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
  await respond(ephemeral('🔄 Reindexing the knowledge base… I will update this message when it is done.'));
  const result = await runReindex(ctx, user, 'slack_command');
  await respond({ ...ephemeral(result.text), replace_original: true });
}
