import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * Daily model budgets per space and per user: tokens and/or cost (USD) spent on model answers
 * today (UTC). Past a limit the copilot answers without the model (the offline extractive answer,
 * with citations, marked) and says why. Counters live in Redis, shared by every replica (a hash
 * per scope and day that expires after two days), or in process without Redis.
 */
export interface BudgetLimits {
  tokensPerSpace?: number;
  tokensPerUser?: number;
  costPerSpaceUsd?: number;
  costPerUserUsd?: number;
}

export interface BudgetScope {
  space: string;
  /** Slack user or web client; absent for anonymous callers (only the space budget applies). */
  user?: string;
}

export interface Spent {
  tokens: number;
  costUsd: number;
}

export interface BudgetCounter {
  get(keys: string[]): Promise<Spent[]>;
  add(keys: string[], tokens: number, costUsd: number): Promise<void>;
}

export interface Budget {
  /** Which limit is reached, or null when the model may answer. Fails open (logged). */
  exceeded(scope: BudgetScope): Promise<'space' | 'user' | null>;
  spend(scope: BudgetScope, tokens: number, costUsd: number): Promise<void>;
}

const day = (now: Date) => now.toISOString().slice(0, 10);

export function createBudget(opts: {
  limits: BudgetLimits;
  counter: BudgetCounter;
  logger: Logger;
  now?: () => Date;
}): Budget | null {
  const { limits } = opts;
  const spaceLimited = limits.tokensPerSpace !== undefined || limits.costPerSpaceUsd !== undefined;
  const userLimited = limits.tokensPerUser !== undefined || limits.costPerUserUsd !== undefined;
  if (!spaceLimited && !userLimited) return null;
  const now = opts.now ?? (() => new Date());
  const keys = (s: BudgetScope) => {
    const d = day(now());
    return { space: `${d}:space:${s.space}`, user: s.user ? `${d}:user:${s.user}` : null };
  };
  const over = (spent: Spent | undefined, tokens?: number, cost?: number) =>
    Boolean(
      spent &&
        ((tokens !== undefined && spent.tokens >= tokens) || (cost !== undefined && spent.costUsd >= cost)),
    );
  return {
    async exceeded(scope) {
      const k = keys(scope);
      try {
        const [space, user] = await opts.counter.get(k.user ? [k.space, k.user] : [k.space]);
        if (spaceLimited && over(space, limits.tokensPerSpace, limits.costPerSpaceUsd)) return 'space';
        if (userLimited && k.user && over(user, limits.tokensPerUser, limits.costPerUserUsd)) return 'user';
        return null;
      } catch (err) {
        opts.logger.warn({ err }, 'budget check failed; answering with the model');
        return null;
      }
    },
    async spend(scope, tokens, costUsd) {
      const k = keys(scope);
      await opts.counter
        .add(k.user ? [k.space, k.user] : [k.space], tokens, costUsd)
        .catch((err: unknown) => opts.logger.warn({ err }, 'budget counter update failed'));
    },
  };
}

export class InProcessBudgetCounter implements BudgetCounter {
  private readonly spent = new Map<string, Spent>();
  async get(keys: string[]): Promise<Spent[]> {
    return keys.map((k) => this.spent.get(k) ?? { tokens: 0, costUsd: 0 });
  }
  async add(keys: string[], tokens: number, costUsd: number): Promise<void> {
    const today = keys[0]?.slice(0, 10);
    // Yesterday's counters are never read again: drop them so the map stays small.
    for (const k of this.spent.keys()) if (today && !k.startsWith(today)) this.spent.delete(k);
    for (const k of keys) {
      const s = this.spent.get(k) ?? { tokens: 0, costUsd: 0 };
      this.spent.set(k, { tokens: s.tokens + tokens, costUsd: s.costUsd + costUsd });
    }
  }
}

export class RedisBudgetCounter implements BudgetCounter {
  /** Keys `budget:<scope>:<day>`, in the client's keyPrefix namespace. */
  constructor(private readonly redis: Redis) {}
  async get(keys: string[]): Promise<Spent[]> {
    const pipe = this.redis.pipeline();
    for (const k of keys) pipe.hmget(`budget:${k}`, 'tokens', 'cost');
    const rows = (await pipe.exec()) ?? [];
    return rows.map(([err, v]) => {
      if (err) throw err;
      const [tokens, cost] = (v as Array<string | null>) ?? [];
      return { tokens: Number(tokens ?? 0), costUsd: Number(cost ?? 0) };
    });
  }
  async add(keys: string[], tokens: number, costUsd: number): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const k of keys) {
      const key = `budget:${k}`;
      pipe.hincrby(key, 'tokens', Math.round(tokens));
      pipe.hincrbyfloat(key, 'cost', costUsd);
      pipe.expire(key, 2 * 24 * 3600);
    }
    await pipe.exec();
  }
}
