import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../src/domain/handoff.js';
import type { HandoffNotifier } from '../../src/handoff/notifier.js';
import { copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';

/**
 * If posting the support card fails, nothing is lost: the ticket stays open, the failure shows in
 * the console API, and the reminder sweep posts the card once the channel works again.
 */
const TOKEN = 'retry-token';
let run: RunningApp;
let failing = true;
const posts: string[] = [];

// Stands in for the Slack notifier (whose chat.postMessage would fail with e.g. channel_not_found).
const flakyCard: HandoffNotifier = {
  async announce(t) {
    posts.push(t.id);
    if (failing) throw new Error('channel_not_found');
    return { channel: 'C_SUPPORT', ts: '1700000000.000100' };
  },
  update: async () => {},
  relayToAsker: async () => {},
  forward: async () => {},
};

beforeAll(async () => {
  const kb = copyKnowledge();
  run = await startApp({
    KNOWLEDGE_DIR: kb.knowledgeDir,
    INDEX_DIR: kb.indexDir,
    ADMIN_TOKEN: TOKEN,
    LLM_PROVIDER: 'offline',
    REDIS_URL: '',
    // 0.6 s reminders → the sweep runs every 150 ms (retries use the same pace).
    HANDOFF_REMIND_MINUTES: '0.01',
  });
  run.app.handoffs.addNotifier(flakyCard);
});
afterAll(() => run?.close());

async function ticket(id: string): Promise<HandoffTicket> {
  const res = await fetch(`${run.url}/api/console/handoffs/${id}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await res.json()) as { ticket: HandoffTicket }).ticket;
}

describe('support card post failure', () => {
  it('keeps the ticket open, shows the error in the console API, and the sweep retries until it posts', async () => {
    const res = await fetch(`${run.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        conversationId: 'card-retry-1-conversation-00000000',
        message: 'Why was my listing removed?',
      }),
    });
    expect(res.status).toBe(201);
    const { handoffId } = (await res.json()) as { handoffId: string };

    await expect
      .poll(async () => (await ticket(handoffId)).cardError, { timeout: 3000 })
      .toBe('channel_not_found');
    const failed = await ticket(handoffId);
    expect(failed.status).toBe('open');
    expect(failed.card).toBeUndefined();
    // Retried while failing (not once and forgotten).
    await expect
      .poll(() => posts.filter((p) => p === handoffId).length, { timeout: 3000 })
      .toBeGreaterThanOrEqual(2);

    failing = false;
    await expect
      .poll(async () => (await ticket(handoffId)).card, { timeout: 3000 })
      .toEqual({
        channel: 'C_SUPPORT',
        ts: '1700000000.000100',
      });
    const posted = await ticket(handoffId);
    expect(posted.cardError).toBeUndefined();
    expect(posted.status).toBe('open');
    const actions = posted.history.map((h) => h.action);
    expect(actions.slice(0, 2)).toEqual(['created', 'card_failed']);
    expect(actions).toContain('card_retry');
    expect(actions).toContain('card_posted');
  });
});
