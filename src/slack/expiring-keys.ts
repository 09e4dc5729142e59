/**
 * A bounded set of keys with a TTL, for the in-process dedup and thread stores. Keys are kept in
 * insertion order, so expired ones are swept from the front cheaply and, past `maxKeys`, the oldest
 * are dropped first (forgetting an old key only risks one duplicate answer, never a crash).
 */
export class ExpiringKeys {
  private readonly keys = new Map<string, number>();

  constructor(
    private readonly maxKeys = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds the key; false when it was already present and not expired. */
  add(key: string, ttlSeconds: number): boolean {
    const now = this.now();
    this.sweep(now);
    const expiresAt = this.keys.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.keys.delete(key);
    this.keys.set(key, now + ttlSeconds * 1000);
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next().value;
      if (oldest === undefined) break;
      this.keys.delete(oldest);
    }
    return true;
  }

  /** Adds or refreshes the key's TTL. */
  touch(key: string, ttlSeconds: number): void {
    this.keys.delete(key);
    this.add(key, ttlSeconds);
  }

  has(key: string): boolean {
    const expiresAt = this.keys.get(key);
    return expiresAt !== undefined && expiresAt > this.now();
  }

  get size(): number {
    return this.keys.size;
  }

  private sweep(now: number): void {
    for (const [key, expiresAt] of this.keys) {
      if (expiresAt > now) break;
      this.keys.delete(key);
    }
  }
}
