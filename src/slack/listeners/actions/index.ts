import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ACTION } from '../../blocks/ids.js';
import type { SlackContext } from '../../types.js';
import { askHuman } from './ask-human.js';
import { clarify } from './clarify.js';
import { feedbackDown } from './feedback-down.js';
import { feedbackUp } from './feedback-up.js';
import { gapDraft } from './gap-draft.js';
import { handoffClaim } from './handoff-claim.js';
import { handoffReply } from './handoff-reply.js';
import { handoffResolve } from './handoff-resolve.js';
import { kbReindex } from './kb-reindex.js';

export function registerActionListeners(app: App, ctx: SlackContext): void {
  app.action<BlockAction<ButtonAction>>(ACTION.feedbackUp, feedbackUp(ctx));
  app.action<BlockAction<ButtonAction>>(ACTION.feedbackDown, feedbackDown(ctx));
  app.action<BlockAction<ButtonAction>>(ACTION.askHuman, askHuman(ctx));
  app.action<BlockAction<ButtonAction>>(ACTION.clarify, clarify(ctx));
  app.action<BlockAction<ButtonAction>>(ACTION.kbReindex, kbReindex(ctx));
  app.action<BlockAction<ButtonAction>>(ACTION.handoffClaim, handoffClaim(ctx));
  app.action<BlockAction<ButtonAction>>(ACTION.handoffReply, handoffReply(ctx));
  app.action<BlockAction<ButtonAction>>(ACTION.handoffResolve, handoffResolve(ctx));
  app.action<BlockAction<ButtonAction>>(ACTION.gapDraft, gapDraft(ctx));
}
