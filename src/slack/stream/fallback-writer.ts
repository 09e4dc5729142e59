import type { types, webApi } from '@slack/bolt';
import { slackCall, slackErrorCode } from '../slack-errors.js';
import { cutPoint } from './split.js';
import type { StreamTarget } from './target.js';

interface Part {
  ts?: string;
  text: string;
  shown: string;
  lastWriteAt: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The answer as ordinary thread messages: chat.postMessage, then chat.update at most once per
 * `updateIntervalMs` per message. Past `maxChars` the message is completed and the answer continues
 * in a new message, so nothing is lost to Slack's length limits. The final update carries the text
 * in a markdown block followed by the answer blocks (sources and buttons).
 */
export class FallbackWriter {
  private readonly parts: Part[] = [];

  constructor(
    private readonly client: webApi.WebClient,
    private readonly target: StreamTarget,
    private readonly opts: { maxChars: number; updateIntervalMs: number },
  ) {}

  /** Message timestamps written so far, in order. */
  get messageTs(): string[] {
    return this.parts.flatMap((p) => (p.ts ? [p.ts] : []));
  }

  /** True while some text has not reached Slack (a write failed and has not been retried yet). */
  get pending(): boolean {
    return this.parts.some((p) => p.text !== p.shown);
  }

  async append(text: string): Promise<void> {
    let rest = text;
    let current = this.current();
    while (current.text.length + rest.length > this.opts.maxChars) {
      const joined = current.text + rest;
      // Never take back text already shown in this message, and always make progress.
      const cut = Math.max(cutPoint(joined, this.opts.maxChars), current.text.length, 1);
      current.text = joined.slice(0, cut);
      rest = joined.slice(cut);
      current = { text: '', shown: '', lastWriteAt: 0 };
      this.parts.push(current);
    }
    current.text += rest;
    await this.writeAll();
  }

  /**
   * Writes every message still behind its text, in order, stopping at the first failure: the text
   * is all in place first, so a failed write loses nothing and the next call sends it.
   */
  private async writeAll(): Promise<void> {
    for (const part of this.parts) await this.write(part);
  }

  async finish(blocks: types.KnownBlock[], notificationText: string): Promise<void> {
    for (const part of this.parts.slice(0, -1)) await this.write(part);
    const last = this.current();
    const content: types.KnownBlock[] = last.text
      ? [{ type: 'markdown', text: last.text }, ...blocks]
      : blocks;
    await this.pace(last);
    try {
      await this.send(last, { text: notificationText, blocks: content });
    } catch (err) {
      // Blocks Slack will not take must not cost the answer: keep the text, drop the buttons.
      if (slackErrorCode(err) !== 'invalid_blocks' || !last.text) throw err;
      await this.send(last, { markdown_text: last.text });
    }
    last.shown = last.text;
  }

  private current(): Part {
    let last = this.parts.at(-1);
    if (!last) {
      last = { text: '', shown: '', lastWriteAt: 0 };
      this.parts.push(last);
    }
    return last;
  }

  private async write(part: Part): Promise<void> {
    if (part.text === part.shown || part.text === '') return;
    await this.pace(part);
    await this.send(part, { markdown_text: part.text });
    part.shown = part.text;
  }

  /** Waits until this message may be written again (one write per interval per message). */
  private async pace(part: Part): Promise<void> {
    const wait = part.lastWriteAt + this.opts.updateIntervalMs - Date.now();
    if (part.ts && wait > 0) await sleep(wait);
  }

  private async send(
    part: Part,
    content: { markdown_text: string } | { text: string; blocks: types.KnownBlock[] },
  ): Promise<void> {
    const { channel, threadTs } = this.target;
    if (part.ts) {
      const ts = part.ts;
      await slackCall('chat.update', () => this.client.chat.update({ channel, ts, ...content }));
    } else {
      const res = await slackCall('chat.postMessage', () =>
        this.client.chat.postMessage({ channel, thread_ts: threadTs, ...content }),
      );
      part.ts = res.ts;
    }
    part.lastWriteAt = Date.now();
  }
}
