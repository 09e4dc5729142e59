import { ExpiringKeys } from './expiring-keys.js';

/**
 * Threads the bot has answered, so a follow-up in such a thread is answered without a new mention
 * (and a thread the bot never joined is left alone). Keyed like memory: `team:channel:thread_ts`.
 */
export interface ThreadStore {
  remember(conversationKey: string, ttlSeconds: number): Promise<void>;
  has(conversationKey: string): Promise<boolean>;
}

export class InProcessThreadStore implements ThreadStore {
  private readonly keys: ExpiringKeys;

  constructor(opts: { maxKeys?: number; now?: () => number } = {}) {
    this.keys = new ExpiringKeys(opts.maxKeys ?? 20_000, opts.now);
  }

  async remember(conversationKey: string, ttlSeconds: number): Promise<void> {
    this.keys.touch(conversationKey, ttlSeconds);
  }

  async has(conversationKey: string): Promise<boolean> {
    return this.keys.has(conversationKey);
  }
}
