import type { CopilotStatus } from '../../../domain/copilot.js';
import { buildHandoffListBlocks, buildStatusBlocks } from '../../blocks/status.js';
import { errorSummary } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { type CommandArgs, ephemeral } from './args.js';

/** `/copilot status`: index version, spaces, modes (from copilot.status()). */
export async function commandStatus(ctx: SlackContext, { respond }: CommandArgs): Promise<void> {
  let status: CopilotStatus | null = null;
  try {
    status = await ctx.copilot.status();
  } catch (err) {
    ctx.logger.warn({ err: errorSummary(err) }, 'copilot status failed');
  }
  await respond(
    ephemeral(
      status ? `Copilot index ${status.indexVersion}` : 'Status unavailable',
      buildStatusBlocks(status),
    ),
  );
}

/**
 * `/copilot handoffs`: questions waiting for (or being answered by) a teammate. All of them for
 * admins and the handoff channel's members; anyone else sees only the questions they asked.
 */
export async function commandHandoffs(ctx: SlackContext, { respond, command }: CommandArgs): Promise<void> {
  const [all, team] = await Promise.all([
    ctx.handoffs.list({ status: ['open', 'claimed'] }),
    ctx.canSeeDesk(command.user_id),
  ]);
  const tickets = team ? all : all.filter((t) => t.asker === command.user_id);
  const what = team ? 'open handoff(s)' : 'of your questions with a teammate';
  await respond(ephemeral(`${tickets.length} ${what}`, buildHandoffListBlocks(tickets)));
}
