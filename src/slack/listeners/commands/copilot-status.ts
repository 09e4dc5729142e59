import type { CopilotStatus } from '../../../copilot/types.js';
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

/** `/copilot handoffs`: questions waiting for (or being answered by) a teammate. */
export async function commandHandoffs(ctx: SlackContext, { respond }: CommandArgs): Promise<void> {
  const tickets = await ctx.handoffs.list({ status: ['open', 'claimed'] });
  await respond(ephemeral(`${tickets.length} open handoff(s)`, buildHandoffListBlocks(tickets)));
}
