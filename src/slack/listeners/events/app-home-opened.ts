import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { publishHome } from '../../home.js';
import type { SlackContext } from '../../types.js';

type Args = AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>;

/** Rebuilt on every visit, so the Home tab is never stale (the Messages tab needs nothing). */
export function appHomeOpened(ctx: SlackContext) {
  return async ({ event, client }: Args): Promise<void> => {
    if (event.tab && event.tab !== 'home') return;
    await publishHome(ctx, client, event.user);
  };
}
