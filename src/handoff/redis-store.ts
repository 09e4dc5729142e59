import type { Redis } from 'ioredis';
import { CopilotError } from '../errors.js';
import { notFound, TransitionalHandoffStore } from './store-base.js';
import { newTicket, type Step } from './transitions.js';
import type { HandoffStatus, HandoffTicket, NewHandoff, Transition } from './types.js';

/**
 * Handoff tickets in Redis, shared by every replica. Key layout (prefix
 * defaults to `copilot:`):
 *   <prefix>handoff:<id>                    the ticket as JSON; closed tickets expire after `retentionMs`
 *   <prefix>handoffs:status:<status>        zset of ticket ids by createdAt, one per status
 *   <prefix>handoffs:conv:<conversation>    zset of the conversation's ticket ids by createdAt
 *   <prefix>handoffs:card:<channel>:<ts>    ticket id of a support card (replies typed in its thread)
 * Index entries whose ticket expired are dropped lazily when read.
 *
 * Transitions are compare-and-set: the new JSON is computed in JS by the same pure step as the
 * in-process store, and a Lua script writes it only if the stored JSON is still exactly what was
 * read (and moves the id between status sets in the same script). A lost race re-reads and
 * re-runs the step, so a second claim sees the first one and reports who has the ticket.
 * (JSON is not decoded in Lua on purpose: cjson would turn [] into {}.)
 */
const CAS_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[5])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) else redis.call('SET', KEYS[1], ARGV[2]) end
if KEYS[2] ~= KEYS[3] then redis.call('ZREM', KEYS[2], ARGV[3]) end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
return 1
`;

const STATUSES: HandoffStatus[] = ['open', 'claimed', 'resolved', 'cancelled'];
const MAX_CAS_ATTEMPTS = 25;

export interface RedisHandoffStoreOptions {
  redis: Redis;
  prefix?: string;
  /** How long resolved and cancelled tickets are kept (default 90 days). Active ones never expire. */
  retentionMs?: number;
  /** Most tickets one `list` call returns (default 500). */
  listLimit?: number;
  now?: () => number;
}

export class RedisHandoffStore extends TransitionalHandoffStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly retentionMs: number;
  private readonly listLimit: number;
  private readonly now: () => number;

  constructor(opts: RedisHandoffStoreOptions) {
    super();
    this.redis = opts.redis;
    this.prefix = opts.prefix ?? 'copilot:';
    this.retentionMs = opts.retentionMs ?? 90 * 24 * 3600 * 1000;
    this.listLimit = opts.listLimit ?? 500;
    this.now = opts.now ?? Date.now;
  }

  private ticketKey = (id: string) => `${this.prefix}handoff:${id}`;
  private statusKey = (s: HandoffStatus) => `${this.prefix}handoffs:status:${s}`;
  private convKey = (k: string) => `${this.prefix}handoffs:conv:${k}`;
  private cardKey = (channel: string, ts: string) => `${this.prefix}handoffs:card:${channel}:${ts}`;

  async create(input: NewHandoff): Promise<HandoffTicket> {
    const ticket = newTicket(input, this.now());
    await guarded('create', async () => {
      const replies = await this.redis
        .multi()
        .set(this.ticketKey(ticket.id), JSON.stringify(ticket))
        .zadd(this.statusKey('open'), ticket.createdAt, ticket.id)
        .zadd(this.convKey(ticket.conversationKey), ticket.createdAt, ticket.id)
        .exec();
      const failed = replies?.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
    });
    return ticket;
  }

  async get(id: string): Promise<HandoffTicket | null> {
    return parse(await guarded('get', () => this.redis.get(this.ticketKey(id))));
  }

  async list(filter: { status?: HandoffStatus[] } = {}): Promise<HandoffTicket[]> {
    const statuses = filter.status ?? STATUSES;
    const tickets = await Promise.all(statuses.map((s) => this.readIndex(this.statusKey(s))));
    return tickets
      .flat()
      .filter((t) => statuses.includes(t.status))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, this.listLimit);
  }

  async listFor(conversationKey: string): Promise<HandoffTicket[]> {
    return this.readIndex(this.convKey(conversationKey));
  }

  async byCard(channel: string, ts: string): Promise<HandoffTicket | null> {
    const id = await guarded('card lookup', () => this.redis.get(this.cardKey(channel, ts)));
    return id ? this.get(id) : null;
  }

  /** Also maps the card to its ticket; idempotent, so it need not be in the compare-and-set. */
  override async markCardPosted(id: string, card: { channel: string; ts: string }): Promise<Transition> {
    const result = await super.markCardPosted(id, card);
    if (result.ok) {
      // Outlives a closed ticket's retention, so a late thread reply still finds (no) ticket cleanly.
      await guarded('card map', () =>
        this.redis.set(this.cardKey(card.channel, card.ts), id, 'PX', this.retentionMs * 2),
      );
    }
    return result;
  }

  /** Newest tickets of one index zset; ids whose ticket expired are removed from it. */
  private async readIndex(key: string): Promise<HandoffTicket[]> {
    return guarded('list', async () => {
      const ids = await this.redis.zrevrange(key, 0, this.listLimit - 1);
      if (ids.length === 0) return [];
      const values = await this.redis.mget(...ids.map(this.ticketKey));
      const gone = ids.filter((_, i) => values[i] == null);
      if (gone.length > 0) await this.redis.zrem(key, ...gone);
      return values.map(parse).filter((t): t is HandoffTicket => t !== null);
    });
  }

  protected async apply(id: string, step: Step): Promise<Transition> {
    return guarded('update', async () => {
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
        const raw = await this.redis.get(this.ticketKey(id));
        const current = parse(raw);
        if (!raw || !current) return notFound(id);
        const result = step(current, this.now());
        if (!result.ok || result.ticket === current) return result;
        const t = result.ticket;
        const closed = t.status === 'resolved' || t.status === 'cancelled';
        const written = await this.redis.eval(
          CAS_LUA,
          3,
          this.ticketKey(id),
          this.statusKey(current.status),
          this.statusKey(t.status),
          raw,
          JSON.stringify(t),
          id,
          t.createdAt,
          closed ? this.retentionMs : 0,
        );
        if (written === 1) return result;
      }
      throw new Error(`ticket ${id} kept changing under ${MAX_CAS_ATTEMPTS} attempts`);
    });
  }
}

function parse(raw: string | null | undefined): HandoffTicket | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as HandoffTicket;
  } catch {
    return null;
  }
}

async function guarded<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // The client's own text stays in `cause` for the logs: this message reaches the asker (a 503).
    throw new CopilotError('handoff:unavailable', `Could not reach the handoff desk (${op} failed).`, {
      cause: err,
      status: 503,
      hint: 'The handoff desk is unavailable right now; please try again in a moment.',
    });
  }
}
