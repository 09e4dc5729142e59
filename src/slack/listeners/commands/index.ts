import type { App } from '@slack/bolt';
import type { SlackContext } from '../../types.js';
import { copilotCommand } from './copilot.js';

export const COMMAND = '/copilot';

export function registerCommandListeners(app: App, ctx: SlackContext): void {
  app.command(COMMAND, copilotCommand(ctx));
}
