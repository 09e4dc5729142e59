import type { App } from '@slack/bolt';
import { dedupEvents } from '../middleware/dedup-events.js';
import type { SlackContext } from '../types.js';
import { registerActionListeners } from './actions/index.js';
import { registerCommandListeners } from './commands/index.js';
import { registerEventListeners } from './events/index.js';
import { registerMessageListeners } from './messages/index.js';
import { registerViewListeners } from './views/index.js';

export function registerListeners(app: App, ctx: SlackContext): void {
  app.use(dedupEvents(ctx));
  registerMessageListeners(app, ctx);
  registerEventListeners(app, ctx);
  registerActionListeners(app, ctx);
  registerCommandListeners(app, ctx);
  registerViewListeners(app, ctx);
}
