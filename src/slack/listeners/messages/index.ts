import type { App } from '@slack/bolt';
import type { SlackContext } from '../../types.js';
import { answerInThread } from './answer-in-thread.js';

export function registerMessageListeners(app: App, ctx: SlackContext): void {
  app.message(answerInThread(ctx));
}
