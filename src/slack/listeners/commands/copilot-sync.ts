import { userMessage } from '../../../errors.js';
import { buildSourceSyncBlocks } from '../../blocks/sources.js';
import { errorSummary } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { type CommandArgs, ephemeral } from './args.js';

/** `/copilot sync`: the last sync of each declared source (time, pages, errors), privately. */
export async function commandSync(ctx: SlackContext, { respond }: CommandArgs): Promise<void> {
  if (!ctx.sourceSyncs) {
    await respond(ephemeral('Source syncing is not available here.'));
    return;
  }
  try {
    const views = await ctx.sourceSyncs();
    const failing = views.filter((v) => v.last && !v.last.ok).length;
    const text = `${views.length} source(s)${failing ? `, ${failing} failing` : ''}`;
    await respond(ephemeral(text, buildSourceSyncBlocks(views)));
  } catch (err) {
    ctx.logger.warn({ err: errorSummary(err) }, 'source sync status failed');
    await respond(ephemeral(`Sorry, I couldn't read the sources. ${userMessage(err)}`));
  }
}
