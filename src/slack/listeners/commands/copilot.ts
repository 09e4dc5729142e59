import { buildHelpBlocks } from '../../blocks/help.js';
import { errorSummary } from '../../slack-errors.js';
import type { SlackContext } from '../../types.js';
import { type CommandArgs, ephemeral } from './args.js';
import { commandDigest } from './copilot-digest.js';
import { commandQuestion } from './copilot-question.js';
import { commandReindex } from './copilot-reindex.js';
import { commandHandoffs, commandStatus } from './copilot-status.js';
import { commandSync } from './copilot-sync.js';

/**
 * `/copilot help | status | reindex | sync | handoffs | digest | <question>`. A keyword alone is a subcommand;
 * anything longer ("status of order 1234?") is a question. Acked at once: Slack allows 3 s.
 */
export function copilotCommand(ctx: SlackContext) {
  return async (args: CommandArgs): Promise<void> => {
    await args.ack();
    const text = args.command.text.trim();
    const keyword = /^\S+$/.test(text) ? text.toLowerCase() : '';
    try {
      if (text === '' || keyword === 'help') {
        await args.respond(ephemeral('How to use Copilot', buildHelpBlocks()));
      } else if (keyword === 'status') {
        await commandStatus(ctx, args);
      } else if (keyword === 'reindex') {
        await commandReindex(ctx, args);
      } else if (keyword === 'sync') {
        await commandSync(ctx, args);
      } else if (keyword === 'handoffs') {
        await commandHandoffs(ctx, args);
      } else if (keyword === 'digest') {
        await commandDigest(ctx, args);
      } else {
        await commandQuestion(ctx, args, text);
      }
    } catch (err) {
      ctx.logger.error({ err: errorSummary(err), keyword }, '/copilot failed');
      await args
        .respond(ephemeral("Sorry, that didn't work. Please try again in a moment."))
        .catch(() => undefined);
    }
  };
}
