/** Memory key of a Slack thread: `team:channel:thread_ts`. */
export function conversationKeyFor(team: string, channel: string, threadTs: string): string {
  return `${team}:${channel}:${threadTs}`;
}

/** The conversation id echoed in `meta` events: `channel:thread_ts`. */
export function conversationIdFor(channel: string, threadTs: string): string {
  return `${channel}:${threadTs}`;
}

/** Slack DM channel ids start with D (used where a payload does not carry the channel type). */
export function isDmChannel(channel: string): boolean {
  return channel.startsWith('D');
}
