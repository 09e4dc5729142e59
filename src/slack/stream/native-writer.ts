import type { types, webApi } from '@slack/bolt';
import { slackCall } from '../slack-errors.js';
import type { StreamTarget } from './target.js';

/**
 * Native streaming through `client.chatStream` (chat.startStream → appendStream → stopStream).
 * The SDK streamer buffers by size only; the answer stream does its own size-or-time buffering, so
 * the streamer gets `buffer_size: 1` and every append is exactly one API call, delivered or not.
 * That makes "how much reached Slack" exact when a call fails and the fallback takes over.
 */
export class NativeWriter {
  private streamer: webApi.ChatStreamer | null = null;
  private segmentChars = 0;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly target: StreamTarget,
    private readonly maxChars: number,
  ) {}

  /** True once Slack has accepted a chat.startStream: there is a message to finish. */
  get started(): boolean {
    return this.streamer?.ts !== undefined;
  }

  async append(text: string): Promise<void> {
    if (this.streamer && this.segmentChars > 0 && this.segmentChars + text.length > this.maxChars) {
      // Too long for one streamed message: close this one and continue in a new one in the thread.
      const full = this.streamer;
      this.streamer = null;
      this.segmentChars = 0;
      await slackCall('chat.stopStream', () => full.stop());
    }
    const streamer = this.streamer ?? this.open();
    this.streamer = streamer;
    const method = streamer.ts === undefined ? 'chat.startStream' : 'chat.appendStream';
    await slackCall(method, () => streamer.append({ markdown_text: text }));
    this.segmentChars += text.length;
  }

  /** Ends the stream with the final blocks (sources and buttons) rendered under the text. */
  async finish(blocks: types.KnownBlock[]): Promise<void> {
    const streamer = this.streamer;
    if (!streamer?.ts) throw new Error('native stream was never started');
    // Kept until Slack accepts the stop, so a failed stop can still be abandoned (closed) below.
    await slackCall('chat.stopStream', () => streamer.stop({ blocks }));
    this.streamer = null;
  }

  /**
   * Best-effort close of a failed stream so it does not spin forever. chat.stopStream is called
   * directly: the SDK streamer would re-send the text whose append just failed, and that text is
   * about to be delivered by the fallback instead.
   */
  async abandon(): Promise<void> {
    const ts = this.streamer?.ts;
    this.streamer = null;
    if (!ts) return;
    try {
      await this.client.chat.stopStream({ channel: this.target.channel, ts });
    } catch {
      // Usually the stream already expired (the reason we are abandoning it): nothing to close.
    }
  }

  private open(): webApi.ChatStreamer {
    const { channel, threadTs, recipient } = this.target;
    return this.client.chatStream({
      channel,
      thread_ts: threadTs,
      ...(recipient ? { recipient_team_id: recipient.teamId, recipient_user_id: recipient.userId } : {}),
      buffer_size: 1,
    });
  }
}
