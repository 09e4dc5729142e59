import type { ConversationStore } from '../domain/answers.js';
import type {
  HandoffMessage,
  HandoffPort,
  HandoffStatus,
  HandoffStore,
  HandoffTicket,
  NewHandoff,
  Transition,
} from '../domain/handoff.js';
import type { Logger } from '../logger.js';
import type { CardRef, HandoffNotifier } from './notifier.js';
import type { AnswerSaver, SavedAnswer } from './save-answer.js';

export type ReplyOutcome = Transition & { saved?: SavedAnswer; saveError?: string; relayError?: string };

export interface ReplyOptions {
  /** Save the reply as an answer for next time (PII scrubbed, reindexed). */
  save?: boolean;
  /** Resolve the ticket after the reply. */
  resolve?: boolean;
  /** Slack ts of the reply, when it was typed in Slack. */
  ts?: string;
  /** Typed by a Slack user in Slack (its markup is theirs); otherwise it is neutralized for Slack. */
  fromSlack?: boolean;
}

/** The handoff desk: the pipeline's HandoffPort plus what agents and surfaces do with tickets. */
export interface HandoffService extends HandoffPort {
  listFor(conversationKey: string): Promise<HandoffTicket[]>;
  /** The ticket of a support card: Slack routes replies typed in the card's thread with it. */
  byCard(channel: string, ts: string): Promise<HandoffTicket | null>;
  claim(id: string, agent: string): Promise<Transition>;
  reply(id: string, agent: string, text: string, opts?: ReplyOptions): Promise<ReplyOutcome>;
  resolve(id: string, agent: string): Promise<Transition>;
  cancel(id: string, actor: string, note?: string): Promise<Transition>;
  /** The asker wrote while the ticket is active: record it and pass it to the teammates. */
  forward(id: string, message: { by: string; text: string; ts?: string }): Promise<Transition>;
  /** Notifiers can join after creation (the Slack app needs this service before its notifier exists). */
  addNotifier(notifier: HandoffNotifier): () => void;
  /** One reminder pass: re-announce unclaimed tickets, retry failed card posts. */
  sweep(): Promise<{ reminded: string[]; retried: string[] }>;
  /** Resolves when background card posts started so far have finished (shutdown, tests). */
  idle(): Promise<void>;
  readonly canSave: boolean;
}

export interface HandoffServiceDeps {
  store: HandoffStore;
  notifiers?: HandoffNotifier[];
  /** Absent → replies cannot be saved as knowledge (the caller is told why). */
  saver?: AnswerSaver;
  /** Human replies are added to the conversation memory as `human` turns, for later follow-ups. */
  memory?: ConversationStore;
  logger: Logger;
  /** Unclaimed tickets are re-announced after this long (HANDOFF_REMIND_MINUTES). */
  remindAfterMs: number;
  /** A failed card post is retried after this long (default: remindAfterMs / 4, at most a minute). */
  retryAfterMs?: number;
  /** Waits between attempts to deliver a reply to the asker (default 250 ms, 1 s, 4 s). */
  relayBackoffMs?: number[];
  now?: () => number;
}

export function createHandoffService(deps: HandoffServiceDeps): HandoffService {
  const { store, logger } = deps;
  const notifiers = new Set(deps.notifiers ?? []);
  const now = deps.now ?? Date.now;
  const retryAfterMs = deps.retryAfterMs ?? Math.min(deps.remindAfterMs / 4, 60_000);
  const pending = new Set<Promise<unknown>>();
  const relayBackoffMs = deps.relayBackoffMs ?? [250, 1_000, 4_000];

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => {});
    return p;
  };

  /** Calls every notifier; returns the failures as one line (empty when all worked). */
  async function each<T>(
    what: string,
    t: HandoffTicket,
    fn: (n: HandoffNotifier) => Promise<T>,
  ): Promise<{ values: T[]; error: string }> {
    const results = await Promise.allSettled([...notifiers].map(fn));
    const values: T[] = [];
    const errors: string[] = [];
    for (const r of results) {
      if (r.status === 'fulfilled') values.push(r.value);
      else errors.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
    }
    if (errors.length) logger.error({ handoffId: t.id, errors }, `handoff ${what} failed`);
    return { values, error: errors.join('; ') };
  }

  /** Post (or re-post) the card. A failure keeps the ticket open with `cardError` for the sweep. */
  async function announce(t: HandoffTicket, reminder: boolean): Promise<void> {
    const { values, error } = await each('announce', t, (n) => n.announce(t, { reminder }));
    const card = values.find((v): v is CardRef => Boolean(v));
    if (card && (t.card?.channel !== card.channel || t.card?.ts !== card.ts))
      await store.markCardPosted(t.id, card);
    if (!error) return;
    // A failed reminder on a posted card is only noted: marking the card failed would re-post it.
    if (t.card || card) await store.note(t.id, { actor: 'copilot', action: 'card_failed', note: error });
    else await store.markCardFailed(t.id, error);
  }

  const updated = async (r: Transition) => {
    if (r.ok) await each('update', r.ticket, (n) => n.update(r.ticket));
    return r;
  };

  /**
   * Delivers a reply with every notifier, each retried with backoff on its own (one that worked is
   * never asked twice). Returns the failures that outlived every retry as one line ('' when none).
   */
  async function relay(t: HandoffTicket, m: HandoffMessage): Promise<string> {
    const errors: string[] = [];
    await Promise.all(
      [...notifiers].map(async (n) => {
        for (let attempt = 0; ; attempt++) {
          try {
            await n.relayToAsker(t, m);
            return;
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            const wait = relayBackoffMs[attempt];
            if (wait === undefined) {
              errors.push(why);
              return;
            }
            logger.warn(
              { handoffId: t.id, attempt: attempt + 1, err: why },
              'relay to the asker failed; retrying',
            );
            await new Promise((resolve) => setTimeout(resolve, wait));
          }
        }
      }),
    );
    if (errors.length) logger.error({ handoffId: t.id, errors }, 'relay to the asker failed for good');
    return errors.join('; ');
  }

  async function rememberReply(t: HandoffTicket, m: HandoffMessage) {
    if (!deps.memory) return;
    await deps.memory
      .append(t.conversationKey, [{ role: 'human', text: m.text, at: m.at }])
      .catch((err: unknown) => logger.warn({ err, handoffId: t.id }, 'could not add the reply to memory'));
  }

  const service: HandoffService = {
    canSave: Boolean(deps.saver),

    async create(input: NewHandoff) {
      // One active ticket per conversation: a second escalation joins the first.
      const active = await store.activeFor(input.conversationKey);
      if (active) return active;
      // Atomic in the store: of two racing escalations only one opens (and announces) a ticket.
      const { ticket, created } = await store.open(input);
      if (!created) return ticket;
      logger.info(
        { handoffId: ticket.id, reason: ticket.reason, surface: ticket.origin.surface },
        'handoff opened',
      );
      // In the background: the asker is told at once; the card follows (and is retried if it fails).
      void track(
        announce(ticket, false).catch((err: unknown) =>
          logger.error({ err, handoffId: ticket.id }, 'announce failed'),
        ),
      );
      return ticket;
    },
    activeFor: (key) => store.activeFor(key),
    get: (id) => store.get(id),
    list: (filter?: { status?: HandoffStatus[] }) => store.list(filter),
    listFor: (key) => store.listFor(key),
    byCard: (channel, ts) => store.byCard(channel, ts),

    claim: async (id, agent) => updated(await store.claim(id, agent)),
    resolve: async (id, agent) => updated(await store.resolve(id, agent)),
    cancel: async (id, actor, note) => updated(await store.cancel(id, actor, note)),

    async reply(id, agent, text, opts = {}) {
      const r = await store.reply(id, agent, text, opts.ts, opts.fromSlack ? 'slack' : undefined);
      if (!r.ok) return r;
      const message = r.ticket.messages?.at(-1) as HandoffMessage;
      // The asker first: saving waits for a reindex, the asker should not.
      const relayError = await relay(r.ticket, message);
      let current = r.ticket;
      if (relayError) {
        const failed = await store.markRelayFailed(id, relayError);
        if (failed.ok) current = failed.ticket;
        await each('relay failure note', current, async (n) => n.relayFailed?.(current, message, relayError));
      } else if (r.ticket.relayError !== undefined) {
        const cleared = await store.markRelayed(id);
        if (cleared.ok) current = cleared.ticket;
      }
      await rememberReply(current, message);
      await each('update', current, (n) => n.update(current));
      const outcome: ReplyOutcome = { ...r, ticket: current, ...(relayError ? { relayError } : {}) };
      if (opts.save) Object.assign(outcome, await save(r.ticket, text, agent));
      if (opts.resolve) {
        const resolved = await service.resolve(id, agent);
        if (resolved.ok) outcome.ticket = resolved.ticket;
      } else if (outcome.saved) {
        outcome.ticket = (await store.get(id)) ?? outcome.ticket;
      }
      return outcome;
    },

    async forward(id, message) {
      const r = await store.forwarded(id, message);
      if (r.ok) {
        const m = r.ticket.messages?.at(-1) as HandoffMessage;
        await each('forward', r.ticket, (n) => n.forward(r.ticket, m));
      }
      return r;
    },

    addNotifier(n) {
      notifiers.add(n);
      return () => notifiers.delete(n);
    },

    async sweep() {
      const at = now();
      const reminded: string[] = [];
      const retried: string[] = [];
      for (const t of await store.list({ status: ['open', 'claimed'] })) {
        if (!t.card && t.cardError) {
          // Retry the card; compare-and-set on cardAttemptAt so one replica does it per interval.
          if (at - (t.cardAttemptAt ?? t.createdAt) < retryAfterMs) continue;
          const r = await store.markCardRetry(t.id, at, t.cardAttemptAt);
          if (!r.ok) continue;
          retried.push(t.id);
          await track(announce(r.ticket, false));
        } else if (t.status === 'open' && at - (t.lastRemindedAt ?? t.createdAt) >= deps.remindAfterMs) {
          const r = await store.markReminded(t.id, at, t.lastRemindedAt);
          if (!r.ok) continue;
          reminded.push(t.id);
          await track(announce(r.ticket, true));
        }
      }
      if (reminded.length || retried.length) logger.info({ reminded, retried }, 'handoff sweep');
      return { reminded, retried };
    },

    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };

  async function save(t: HandoffTicket, text: string, agent: string): Promise<Partial<ReplyOutcome>> {
    if (!deps.saver) return { saveError: 'Saving answers is not available on this server (no reindexer).' };
    try {
      const saved = await deps.saver.save({ ticket: t, text, agent });
      await store.markAnswerSaved(t.id, agent, saved.file);
      if (saved.job.status !== 'succeeded') {
        const why = saved.job.error?.message ?? 'reindex failed';
        await store.note(t.id, { actor: 'copilot', action: 'save_failed', note: why });
        return { saved, saveError: `Saved to ${saved.file}, but the reindex failed: ${why}` };
      }
      return { saved };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      logger.error({ err, handoffId: t.id }, 'saving the answer failed');
      await store.note(t.id, { actor: agent, action: 'save_failed', note: why });
      return { saveError: why };
    }
  }

  return service;
}
