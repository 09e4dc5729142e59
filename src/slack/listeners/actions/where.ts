import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';

export type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** Where a button was clicked: the message, its thread and the people involved. */
export interface ActionWhere {
  user: string;
  /** Workspace of the installation (memory key); the user's own team may differ (Slack Connect). */
  team: string;
  userTeam: string;
  channel: string | undefined;
  messageTs: string | undefined;
  /** The thread the clicked message lives in (its own ts when it is the thread's parent). */
  threadTs: string | undefined;
}

export function actionWhere(body: BlockAction): ActionWhere {
  const container = body.container;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const messageTs = str(body.message?.ts) ?? str(container['message_ts']);
  const team = body.team?.id ?? body.user.team_id ?? '';
  return {
    user: body.user.id,
    team,
    userTeam: body.user.team_id ?? team,
    channel: str(body.channel?.id) ?? str(container['channel_id']),
    messageTs,
    threadTs: str(body.message?.['thread_ts']) ?? str(container['thread_ts']) ?? messageTs,
  };
}
