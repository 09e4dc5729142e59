import type { AllMiddlewareArgs, RespondArguments, SlackCommandMiddlewareArgs, types } from '@slack/bolt';

export type CommandArgs = AllMiddlewareArgs & SlackCommandMiddlewareArgs;

/** Replies to the person who ran the command only (via response_url: works in any channel). */
export function ephemeral(text: string, blocks?: types.KnownBlock[]): RespondArguments {
  return { response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) };
}
