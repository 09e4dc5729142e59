import type { App } from '@slack/bolt';
import type { SlackContext } from '../../types.js';
import { answerInThread } from './answer-in-thread.js';
import { cardThreadReply } from './card-thread-reply.js';

export function registerMessageListeners(app: App, ctx: SlackContext): void {
  // Bolt runs every matching listener: each one picks the messages it is for.
  app.message(cardThreadReply(ctx));
  app.message(answerInThread(ctx));
}
