import type { Redis } from 'ioredis';
import type { HandoffStatus, HandoffTicket, NewHandoff, Transition } from '../domain/handoff.js';
import { CopilotError } from '../errors.js';
import { notFound, TransitionalHandoffStore } from './store-base.js';
import { newTicket, type Step } from './transitions.js';

/**
 * Handoff tickets in Redis, shared by every replica. Key layout (after the client's ioredis
 * keyPrefix, see memory/redis-client.ts):
 *   handoff:<id>                    the ticket as JSON; closed tickets expire after `retentionMs`
 *   handoffs:status:<status>        zset of ticket ids by createdAt, one per status
 *   handoffs:conv:<conversation>    zset of the conversation's ticket ids by createdAt
 *   handoffs:card:<channel>:<ts>    ticket id of a support card (replies typed in its thread)
 *   handoffs:active:<conversation>  id of the conversation's active ticket (one at a time)
 * Index entries whose ticket expired are dropped lazily when read. `list` pages through an index
 * (PAGE ids per round trip): every open and claimed ticket is listed, however many there are;
 * only closed tickets are capped at the newest `listLimit` per status.
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
if ttl > 0 and redis.call('GET', KEYS[4]) == ARGV[3] then redis.call('DEL', KEYS[4]) end
return 1
`;

const STATUSES: HandoffStatus[] = ['open', 'claimed', 'resolved', 'cancelled'];
const PAGE = 500;
const MAX_CAS_ATTEMPTS = 25;

export interface RedisHandoffStoreOptions {
  redis: Redis;
  /** How long resolved and cancelled tickets are kept (default 90 days). Active ones never expire. */
  retentionMs?: number;
  /** Most closed (resolved, cancelled) tickets per status one `list` call returns (default 500). */
  listLimit?: number;
  now?: () => number;
}

export class RedisHandoffStore extends TransitionalHandoffStore {
  private readonly redis: Redis;
  private readonly retentionMs: number;
  private readonly listLimit: number;
  private readonly now: () => number;

  constructor(opts: RedisHandoffStoreOptions) {
    super();
    this.redis = opts.redis;
    this.retentionMs = opts.retentionMs ?? 90 * 24 * 3600 * 1000;
    this.listLimit = opts.listLimit ?? 500;
    this.now = opts.now ?? Date.now;
  }

  private ticketKey = (id: string) => `handoff:${id}`;
  private statusKey = (s: HandoffStatus) => `handoffs:status:${s}`;
  private convKey = (k: string) => `handoffs:conv:${k}`;
  private cardKey = (channel: string, ts: string) => `handoffs:card:${channel}:${ts}`;
  private activeKey = (k: string) => `handoffs:active:${k}`;

  /**
   * One active ticket per conversation, across replicas: the conversation's `active` key is
   * claimed with SET NX; a request that loses the race gets the winner's ticket. A key left by a
   * closed (or expired) ticket is taken over with a compare-and-set on its old value.
   */
  async open(input: NewHandoff): Promise<{ ticket: HandoffTicket; created: boolean }> {
    const ticket = newTicket(input, this.now());
    const guard = this.activeKey(input.conversationKey);
    for (let attempt = 0; ; attempt++) {
      const won = await guarded('create', () => this.redis.set(guard, ticket.id, 'NX'));
      if (won === 'OK') break;
      const holder = await guarded('create', () => this.redis.get(guard));
      const current = holder ? await this.get(holder) : null;
      if (current && ACTIVE.includes(current.status)) return { ticket: current, created: false };
      if (attempt >= 5) throw guardError();
      // A stale guard (closed or expired ticket): replace it only if nobody else did meanwhile.
      const swapped = await guarded('create', () =>
        this.redis.eval(SWAP_LUA, 1, guard, holder ?? '', ticket.id),
      );
      if (swapped === 1) break;
    }
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
    return { ticket, created: true };
  }

  async get(id: string): Promise<HandoffTicket | null> {
    return parse(await guarded('get', () => this.redis.get(this.ticketKey(id))));
  }

  async list(filter: { status?: HandoffStatus[] } = {}): Promise<HandoffTicket[]> {
    const statuses = filter.status ?? STATUSES;
    const tickets = await Promise.all(
      statuses.map((s) =>
        this.readIndex(this.statusKey(s), ACTIVE.includes(s) ? Number.POSITIVE_INFINITY : this.listLimit),
      ),
    );
    return tickets
      .flat()
      .filter((t) => statuses.includes(t.status))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  async listFor(conversationKey: string): Promise<HandoffTicket[]> {
    return this.readIndex(this.convKey(conversationKey), this.listLimit);
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

  /**
   * The newest `limit` tickets of one index zset, newest first, read a page at a time; ids whose
   * ticket expired are removed from it. Pages go by score (createdAt), not by rank, so a ticket
   * moving out of the set meanwhile cannot make the next page skip one that stayed.
   */
  private async readIndex(key: string, limit: number): Promise<HandoffTicket[]> {
    return guarded('list', async () => {
      const out: HandoffTicket[] = [];
      const seen = new Set<string>();
      let max = '+inf';
      let offset = 0;
      while (out.length < limit) {
        const page = await this.redis.zrevrangebyscore(key, max, '-inf', 'WITHSCORES', 'LIMIT', offset, PAGE);
        const ids: string[] = [];
        for (let i = 0; i < page.length; i += 2) {
          const id = page[i] as string;
          if (!seen.has(id)) ids.push(id);
          seen.add(id);
        }
        if (ids.length > 0) {
          const values = await this.redis.mget(...ids.map(this.ticketKey));
          const gone = ids.filter((_, i) => values[i] == null);
          if (gone.length > 0) await this.redis.zrem(key, ...gone);
          for (const t of values.map(parse)) if (t && out.length < limit) out.push(t);
        }
        if (page.length < PAGE * 2) break;
        // Inclusive: tickets sharing the last score are read again and skipped through `seen`;
        // a whole page of one score moves on by offset instead.
        const last = page[page.length - 1] as string;
        if (last === max) offset += PAGE;
        else {
          max = last;
          offset = 0;
        }
      }
      return out;
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
          4,
          this.ticketKey(id),
          this.statusKey(current.status),
          this.statusKey(t.status),
          this.activeKey(t.conversationKey),
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

const ACTIVE: readonly HandoffStatus[] = ['open', 'claimed'];

/** Replaces the conversation's active-ticket guard only if it still names the stale ticket. */
const SWAP_LUA = `
local v = redis.call('GET', KEYS[1])
if (v or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

function guardError(): CopilotError {
  return new CopilotError('handoff:unavailable', 'Could not open the handoff ticket (busy conversation).', {
    status: 503,
    hint: 'Please try again in a moment.',
  });
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
