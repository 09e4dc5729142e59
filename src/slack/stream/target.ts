/** Where an answer is written: a thread, plus the asker for native streaming outside DMs. */
export interface StreamTarget {
  channel: string;
  threadTs: string;
  /** Required by chat.startStream outside DMs; omitted in DMs. */
  recipient?: { teamId: string; userId: string };
}
