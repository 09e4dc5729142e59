import type { App } from '@slack/bolt';
import type { SlackContext } from '../../types.js';
import { appHomeOpened } from './app-home-opened.js';
import { appMention } from './app-mention.js';

export function registerEventListeners(app: App, ctx: SlackContext): void {
  app.event('app_mention', appMention(ctx));
  app.event('app_home_opened', appHomeOpened(ctx));
}
