import type { types, webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { errorSummary } from '../slack-errors.js';
import { splitHoldBack, stripPings } from '../text.js';
import { FallbackWriter } from './fallback-writer.js';
import { NativeWriter } from './native-writer.js';
import { DEFAULT_STREAM_OPTIONS, type StreamOptions } from './options.js';
import { splitText } from './split.js';
import type { StreamTarget } from './target.js';

export interface AnswerStreamDeps {
  client: webApi.WebClient;
  target: StreamTarget;
  logger: Logger;
  options?: Partial<StreamOptions>;
  /** Try chat.startStream first (default). False goes straight to postMessage + update. */
  native?: boolean;
}

export interface FinishInput {
  /** Rendered under the text: sources and buttons, or clarify options. */
  blocks: types.KnownBlock[];
  /** Notification / accessibility text of the final message. */
  notificationText: string;
}

/**
 * Writes one answer into a Slack thread as the copilot produces it. `push` is synchronous (the
 * copilot's emit must never wait on Slack); text is buffered and flushed when `flushChars` are
 * waiting or every `flushIntervalMs`, through one promise chain so Slack receives the pieces in
 * order even while a call waits out a 429. Native streaming is tried first; any failure of it
 * (refused, unknown method, stream expired) hands the rest of the answer to the fallback writer
 * without losing or repeating text. `finish` always closes the message, whatever happened before.
 */
export class SlackAnswerStream {
  private readonly opts: StreamOptions;
  private native: NativeWriter | null;
  private fallback: FallbackWriter | null = null;
  private pending = '';
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private flushQueued = false;
  private lastFlushAt = 0;
  private closed = false;
  private broken = false;
  /** Fallback writes that failed in a row; one failure is retried by the next write. */
  private failedWrites = 0;
  /** Characters handed to Slack, for logs. */
  sentChars = 0;

  constructor(private readonly deps: AnswerStreamDeps) {
    this.opts = { ...DEFAULT_STREAM_OPTIONS, ...deps.options };
    this.native =
      deps.native === false ? null : new NativeWriter(deps.client, deps.target, this.opts.nativeMaxChars);
  }

  get mode(): 'native' | 'fallback' {
    return this.native ? 'native' : 'fallback';
  }

  /** After `finish`: true when some of the answer never reached Slack (the asker should be told). */
  get lost(): boolean {
    return this.broken || (this.fallback?.pending ?? false);
  }

  push(text: string): void {
    if (this.closed || text === '') return;
    this.pending += text;
    if (this.pending.length >= this.opts.flushChars) {
      this.requestFlush();
    } else if (!this.timer && !this.flushQueued) {
      // The first tokens go out at once (lastFlushAt is 0); later ones at least once per interval.
      const delay = Math.max(0, this.lastFlushAt + this.opts.flushIntervalMs - Date.now());
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.requestFlush();
      }, delay);
      this.timer.unref?.();
    }
  }

  /** Flushes what is left and closes the message with `blocks`. Never throws. */
  async finish(input: FinishInput): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.chain = this.chain
      .then(() => this.flush(true))
      .then(() => this.close(input))
      .catch((err: unknown) =>
        this.deps.logger.error({ err: errorSummary(err) }, 'slack answer stream failed'),
      );
    return this.chain;
  }

  private requestFlush(): void {
    if (this.flushQueued || this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushQueued = true;
    this.chain = this.chain.then(() => {
      this.flushQueued = false;
      return this.flush(false);
    });
  }

  private async flush(final: boolean): Promise<void> {
    // A ping split across tokens stays in the buffer until it is whole and can be stripped.
    const [send, hold] = final ? [this.pending, ''] : splitHoldBack(this.pending);
    this.pending = hold;
    if (send === '') return;
    this.lastFlushAt = Date.now();
    await this.write(stripPings(send));
  }

  private async write(text: string): Promise<void> {
    if (this.broken || text === '') return;
    let rest = text;
    if (this.native) {
      try {
        for (const piece of splitText(text, this.opts.appendMaxChars)) {
          await this.native.append(piece);
          rest = rest.slice(piece.length);
          this.sentChars += piece.length;
        }
        return;
      } catch (err) {
        await this.leaveNative(err);
      }
    }
    try {
      // The writer keeps text it could not send and sends it with the next write (or `finish`).
      await this.fallbackWriter().append(rest);
      this.sentChars += rest.length;
      this.failedWrites = 0;
    } catch (err) {
      this.failedWrites += 1;
      // Twice in a row: plain messages fail for good (bot removed, channel archived): stop trying.
      this.broken = this.failedWrites >= 2;
      const log = { err: errorSummary(err), channel: this.deps.target.channel };
      if (this.broken) this.deps.logger.error(log, 'slack answer lost');
      else this.deps.logger.warn(log, 'slack answer message failed; the next write retries it');
    }
  }

  private async close(input: FinishInput): Promise<void> {
    if (this.broken) return;
    if (this.native?.started) {
      try {
        await this.native.finish(input.blocks);
        return;
      } catch (err) {
        await this.leaveNative(err);
      }
    }
    // Nothing was streamed natively (or stopping failed): the final blocks go in a normal message.
    await this.fallbackWriter().finish(input.blocks, stripPings(input.notificationText));
  }

  private async leaveNative(err: unknown): Promise<void> {
    this.deps.logger.warn(
      { err: errorSummary(err), channel: this.deps.target.channel },
      'native Slack streaming unavailable, continuing with postMessage/update',
    );
    const native = this.native;
    this.native = null;
    await native?.abandon();
  }

  private fallbackWriter(): FallbackWriter {
    this.fallback ??= new FallbackWriter(this.deps.client, this.deps.target, {
      maxChars: this.opts.fallbackMaxChars,
      updateIntervalMs: this.opts.updateIntervalMs,
    });
    return this.fallback;
  }
}
