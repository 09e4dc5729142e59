import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { HandoffTicket } from '../../../src/domain/handoff.js';
import { buildHandoffCard, describeWhere } from '../../../src/slack/blocks/handoff-card.js';
import {
  buildForwardText,
  buildRelayText,
  buildReminderText,
  waited,
} from '../../../src/slack/blocks/handoff-messages.js';
import {
  buildHandoffReplyModal,
  REPLY_MAX_CHARS,
  readHandoffReply,
} from '../../../src/slack/blocks/handoff-reply-modal.js';
import { person } from '../../../src/slack/blocks/person.js';
import { actionIds, buttonValue } from '../../helpers/slack.js';
import { checkLimits } from './limits-check.js';

const ticket = (over: Partial<HandoffTicket> = {}): HandoffTicket => ({
  id: 'h_abc123',
  space: 'default',
  conversationKey: 'T1:C1:1600000000.000001',
  conversationId: 'C1:1600000000.000001',
  origin: { surface: 'slack', team: 'T1', channel: 'C1', threadTs: '1600000000.000001' },
  asker: 'U1',
  question: 'Can I ship lithium batteries to Norway?',
  draftAnswer: 'Probably by sea [1].',
  sources: [
    { n: 1, source: 'shipping.md', title: 'Shipping', space: 'default', chunkId: 'c1', snippet: 's' },
  ],
  reason: 'escalate',
  status: 'open',
  createdAt: 0,
  updatedAt: 0,
  messages: [],
  history: [{ at: 0, actor: 'U1', action: 'created' }],
  ...over,
});

const text = (blocks: types.KnownBlock[]) => JSON.stringify(blocks);
const inputOf = (view: types.ModalView, blockId: string) =>
  view.blocks.find((b) => b.block_id === blockId) as types.InputBlock | undefined;

describe('buildHandoffCard', () => {
  it('shows question, asker, thread link, draft, sources and reason, with the three buttons', () => {
    const card = buildHandoffCard(ticket(), 'https://fake.slack.test/archives/C1/p1600000000000001');
    expect(actionIds(card.blocks)).toEqual(['handoff_claim', 'handoff_reply', 'handoff_resolve']);
    for (const id of ['handoff_claim', 'handoff_reply', 'handoff_resolve'])
      expect(buttonValue(card.blocks, id)).toBe('h_abc123');
    const all = text(card.blocks);
    expect(all).toContain('Can I ship lithium batteries to Norway?');
    expect(all).toContain('<@U1>');
    expect(all).toContain('<https://fake.slack.test/archives/C1/p1600000000000001|Open the thread>');
    expect(all).toContain('Probably by sea');
    expect(all).toContain('Shipping');
    expect(all).toContain('nothing relevant enough');
    expect(card.text).toContain('Can I ship lithium');
    checkLimits(card.blocks);
  });

  it('names the channel and thread when there is no permalink, and never the web conversation id', () => {
    expect(describeWhere(ticket())).toBe('<#C1> · thread `1600000000.000001`');
    expect(describeWhere(ticket(), 'javascript:alert(1)|x')).toBe('<#C1> · thread `1600000000.000001`');
    const web = ticket({ origin: { surface: 'web' }, conversationId: 'web-secret-1', asker: undefined });
    expect(describeWhere(web)).toBe('web chat');
    const card = buildHandoffCard(web);
    expect(text(card.blocks)).toContain('a web visitor');
    // The conversation id reads the replies: the card shows the short ticket ref instead.
    expect(JSON.stringify(card)).not.toContain('web-secret-1');
    expect(text(card.blocks)).toContain('ticket `h_abc123`');
  });

  it('shows the assignee once claimed (no Claim button) and drops every button once resolved', () => {
    const claimed = buildHandoffCard(ticket({ status: 'claimed', assignee: 'U9' }));
    expect(actionIds(claimed.blocks)).toEqual(['handoff_reply', 'handoff_resolve']);
    expect(text(claimed.blocks)).toContain('Claimed by <@U9>');
    const resolved = buildHandoffCard(
      ticket({
        status: 'resolved',
        assignee: 'U9',
        savedAnswer: 'default/answers/h_abc123.md',
        messages: [{ role: 'agent', by: 'U9', text: 'yes', at: 1 }],
        history: [
          { at: 0, actor: 'U1', action: 'created' },
          { at: 2, actor: 'U7', action: 'resolved' },
        ],
      }),
    );
    expect(actionIds(resolved.blocks)).toEqual([]);
    expect(text(resolved.blocks)).toContain('Resolved* by <@U7>');
    expect(text(resolved.blocks)).toContain('1 reply sent');
    expect(text(resolved.blocks)).toContain('default/answers/h_abc123.md');
  });

  it('stays within Block Kit limits with huge questions, drafts and many sources, and defuses pings', () => {
    const long = ticket({
      question: `<!channel> ${'why? '.repeat(2000)}`,
      draftAnswer: 'x'.repeat(20_000),
      sources: Array.from({ length: 30 }, (_, i) => ({
        n: i + 1,
        source: `s${i}.md`,
        title: 'T'.repeat(500),
        space: 'default',
        chunkId: `c${i}`,
        snippet: 's',
      })),
    });
    const card = buildHandoffCard(long);
    checkLimits(card.blocks);
    expect(card.blocks.length).toBeLessThanOrEqual(50);
    expect(text(card.blocks)).not.toContain('<!channel>');
    expect(card.text.length).toBeLessThanOrEqual(300);
  });
});

describe('handoff messages', () => {
  it('attributes relayed replies and forwarded messages, mentions Slack users, names console agents', () => {
    expect(
      buildRelayText({ role: 'agent', by: 'U9', text: 'Yes, by sea. <!here>', at: 0, via: 'slack' }),
    ).toBe('<@U9> (teammate): Yes, by sea.');
    expect(buildRelayText({ role: 'agent', by: 'alice', text: 'ok', at: 0 })).toBe('*alice* (teammate): ok');
    expect(buildForwardText({ role: 'asker', by: 'U1', text: 'any news?\nthanks', at: 0 }, ticket())).toBe(
      ':speech_balloon: <@U1> (asker) wrote:\n>any news?\n>thanks',
    );
    expect(person('<@U1>')).toBe('*&lt;@U1&gt;*');
  });

  it("neutralizes foreign text: web askers' follow-ups and console replies carry no Slack markup", () => {
    const hostile = 'hi <@U0ADMIN> <!channel> <https://evil.test|bank.com> \u202Egnp.exe\u202C & more';
    const web = ticket({ origin: { surface: 'web' }, asker: undefined });
    const forwarded = buildForwardText({ role: 'asker', by: 'visitor', text: hostile, at: 0 }, web);
    const relayed = buildRelayText({ role: 'agent', by: 'alice', text: hostile, at: 0 });
    for (const out of [forwarded, relayed]) {
      expect(out).not.toMatch(/<@U0ADMIN>|<!channel>|<https:|[\u202A-\u202E\u2066-\u2069]/);
      expect(out).toContain('&lt;@U0ADMIN&gt;');
      expect(out).toContain('&lt;https://evil.test|bank.com&gt;');
      expect(out).toContain('&amp; more');
    }
    // A Slack asker's own words stay theirs (only pings go).
    const own = buildForwardText({ role: 'asker', by: 'U1', text: 'see <#C1> <!here>', at: 0 }, ticket());
    expect(own).toContain('see <#C1>');
  });

  it('reminders say how long the question has waited', () => {
    expect(buildReminderText(ticket({ createdAt: 0 }), 16 * 60_000)).toContain('waited 16 min');
    expect(waited(5_000)).toBe('under a minute');
    expect(waited(3 * 3_600_000)).toBe('3 h');
  });
});

describe('handoff reply modal', () => {
  it('is handoff_reply_view with the draft prefilled, the save option, resolve ticked, and the ticket id as metadata', () => {
    const view = buildHandoffReplyModal({
      ticketId: 'h_abc123',
      question: 'Q?',
      draft: 'Draft answer',
      canSave: true,
    });
    expect(view.callback_id).toBe('handoff_reply_view');
    expect(view.private_metadata).toBe('h_abc123');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    const json = JSON.stringify(view.blocks);
    expect(json).toContain('"initial_value":"Draft answer"');
    expect(json).toContain('Save as answer for next time');
    const element = inputOf(view, 'options')?.element;
    expect(element?.type).toBe('checkboxes');
    if (element?.type === 'checkboxes') {
      expect(element.options.map((o) => o.value)).toEqual(['save', 'resolve']);
      expect(element.initial_options?.map((o) => o.value)).toEqual(['resolve']);
      for (const o of element.options) {
        expect(o.text.text.length).toBeLessThanOrEqual(75);
        expect(o.description?.text.length ?? 0).toBeLessThanOrEqual(75);
      }
    }
  });

  it('clamps a long draft to the input limit and hides "save" where answers cannot be saved', () => {
    const view = buildHandoffReplyModal({
      ticketId: 'h',
      question: 'Q',
      draft: 'y'.repeat(9000),
      canSave: false,
    });
    const el = inputOf(view, 'answer')?.element;
    expect(el?.type === 'plain_text_input' && el.initial_value?.length).toBeLessThanOrEqual(REPLY_MAX_CHARS);
    expect(JSON.stringify(view.blocks)).not.toContain('Save as answer');
  });

  it('reads the submission', () => {
    const state = {
      values: {
        answer: { answer_input: { type: 'plain_text_input', value: '  Yes.  ' } },
        options: {
          options_input: {
            type: 'checkboxes',
            selected_options: [{ value: 'save', text: { type: 'plain_text' as const, text: 's' } }],
          },
        },
      },
    };
    expect(readHandoffReply(state)).toEqual({ text: 'Yes.', save: true, resolve: false });
    expect(readHandoffReply({ values: {} })).toEqual({ text: '', save: false, resolve: false });
  });
});
