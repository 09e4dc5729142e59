import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRef } from '../../../src/domain/answers.js';
import type { CopilotStatus } from '../../../src/domain/copilot.js';
import type { HandoffTicket } from '../../../src/domain/handoff.js';
import {
  buildAnswerBlocks,
  buildSourcesBlock,
  decodeAskHumanValue,
  encodeAskHumanValue,
  updatedToken,
} from '../../../src/slack/blocks/answer.js';
import { buildClarifyBlocks } from '../../../src/slack/blocks/clarify.js';
import {
  buildFeedbackReasonModal,
  parseFeedbackModalMeta,
} from '../../../src/slack/blocks/feedback-modal.js';
import { buildHelpBlocks } from '../../../src/slack/blocks/help.js';
import { buildHomeView } from '../../../src/slack/blocks/home.js';
import { actionIds } from '../../helpers/slack.js';
import { checkLimits } from './limits-check.js';

const source = (n: number, title = `Doc ${n}`): SourceRef => ({
  n,
  source: `docs/${n}.md`,
  title,
  space: 'default',
  chunkId: `c${n}`,
  snippet: 's',
});

const STATUS: CopilotStatus = {
  indexVersion: 'v1',
  spaces: [
    { name: 'default', documents: 2, chunks: 9, public: true },
    { name: 'wholesale', documents: 1, chunks: 3, public: false },
  ],
  modes: { llm: 'offline', embeddings: 'local', memory: 'in-process', slack: 'http' },
  ready: true,
};

describe('buildAnswerBlocks', () => {
  it('ends with the sources and the three fixed buttons', () => {
    const blocks = buildAnswerBlocks({
      answerId: 'a1',
      sources: [source(1), source(2)],
      decision: 'answer',
      question: 'q?',
    });
    expect(blocks[0]?.type).toBe('context');
    expect(actionIds(blocks)).toEqual(['copilot_feedback_up', 'copilot_feedback_down', 'copilot_ask_human']);
    checkLimits(blocks);
  });

  it('offers only "ask a human" without an answer id, and no buttons at all after a handoff', () => {
    expect(actionIds(buildAnswerBlocks({ sources: [], decision: 'escalate', question: 'q' }))).toEqual([
      'copilot_ask_human',
    ]);
    const handed = buildAnswerBlocks({ answerId: 'a', sources: [], decision: 'escalate', handedOff: true });
    // "I've asked a teammate" is nothing to rate, and a human is already coming.
    expect(actionIds(handed)).toEqual([]);
    expect(JSON.stringify(handed)).toContain('A teammate has been asked');
  });

  it('stays within Block Kit limits for any sources and question', () => {
    const src = fc.record({
      title: fc.string({ maxLength: 400 }),
      page: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(src, { maxLength: 30 }), fc.string({ maxLength: 5000 }), (items, question) => {
        const sources = items.map((s, i) => ({
          ...source(i + 1, s.title),
          ...(s.page ? { page: s.page } : {}),
        }));
        const blocks = buildAnswerBlocks({ answerId: 'a1', sources, decision: 'answer', question });
        checkLimits(blocks);
        const ask = decodeAskHumanValue(encodeAskHumanValue({ answerId: 'a1', question }));
        expect(ask.answerId).toBe('a1');
        expect(question.startsWith((ask.question ?? '').replace(/…$/, ''))).toBe(true);
      }),
    );
  });

  it('defuses pings and markup in source titles', () => {
    const blocks = buildAnswerBlocks({
      answerId: 'a',
      sources: [source(1, 'FAQ <!here> <b>')],
      decision: 'answer',
    });
    expect(JSON.stringify(blocks)).not.toContain('<!here>');
    expect(JSON.stringify(blocks)).toContain('&lt;b&gt;');
  });
});

describe('buildClarifyBlocks', () => {
  it('one copilot_clarify button per option, the value being the question', () => {
    const blocks = buildClarifyBlocks([
      { question: 'Return window for shoes?', label: 'Shoes', source: 'returns.md' },
      { question: 'Return window for TVs?', label: 'TVs', source: 'faq.csv' },
    ]);
    expect(actionIds(blocks)).toEqual(['copilot_clarify', 'copilot_clarify']);
    const values = blocks.flatMap((b) =>
      b.type === 'section' && b.accessory?.type === 'button' ? [b.accessory.value] : [],
    );
    expect(values).toEqual(['Return window for shoes?', 'Return window for TVs?']);
    checkLimits(blocks);
  });

  it('caps options, labels and values', () => {
    const long = 'x'.repeat(5000);
    const blocks = buildClarifyBlocks(
      Array.from({ length: 9 }, () => ({ question: long, label: long, source: long })),
    );
    expect(actionIds(blocks)).toHaveLength(5);
    checkLimits(blocks);
  });
});

describe('feedback modal, help and home', () => {
  it('the reason modal round-trips its metadata', () => {
    const view = buildFeedbackReasonModal({ answerId: 'a1', channel: 'C1', threadTs: '1.2' });
    expect(view.callback_id).toBe('copilot_feedback_reason');
    expect(view.notify_on_close).toBe(true);
    expect(parseFeedbackModalMeta(view.private_metadata)).toEqual({
      answerId: 'a1',
      channel: 'C1',
      threadTs: '1.2',
    });
    expect(parseFeedbackModalMeta('nope')).toBeNull();
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });

  it('help fits', () => {
    checkLimits(buildHelpBlocks());
  });

  it('home shows kb_reindex to admins only and stays under 100 blocks', () => {
    const ticket = (i: number): HandoffTicket => ({
      id: `h${i}`,
      space: 'default',
      conversationKey: 'k',
      conversationId: 'c',
      origin: { surface: 'slack', link: 'https://x' },
      asker: 'U1',
      question: `question ${i} ${'x'.repeat(500)}`,
      sources: [],
      reason: 'asked',
      status: 'open',
      createdAt: Date.now() - i * 60_000,
      updatedAt: Date.now(),
      history: [],
    });
    const input = {
      indexStatus: STATUS,
      openHandoffs: Array.from({ length: 40 }, (_, i) => ticket(i)),
      recentDown: Array.from({ length: 30 }, (_, i) => ({
        answerId: `a${i}`,
        question: 'q',
        rating: 'down' as const,
        reason: 'r'.repeat(900),
        at: Date.now(),
      })),
      notice: 'Reindex finished',
    };
    const admin = buildHomeView({ ...input, isAdmin: true });
    const user = buildHomeView({ ...input, isAdmin: false });
    expect(actionIds(admin.blocks)).toEqual(['kb_reindex']);
    expect(actionIds(user.blocks)).toEqual([]);
    expect(admin.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(admin.blocks)).toContain('`wholesale` 🔒');
    checkLimits(admin.blocks as Parameters<typeof checkLimits>[0]);
    expect(buildHomeView({ ...input, indexStatus: null, isAdmin: false }).blocks.length).toBeGreaterThan(0);
  });
});

describe('source dates', () => {
  it('shows the document date as a Slack {ago} token with a plain-date fallback', () => {
    const block = buildSourcesBlock([
      {
        n: 1,
        source: 'a.md',
        title: 'A',
        space: 'default',
        chunkId: 'x',
        snippet: '',
        updatedAt: '2026-12-02T00:00:00.000Z',
      },
      { n: 2, source: 'b.md', title: 'B', space: 'default', chunkId: 'y', snippet: '' },
    ]);
    const texts = (block?.elements ?? []).map((e) => ('text' in e ? e.text : ''));
    expect(texts[0]).toBe(
      `*[1]* A · <!date^${Date.parse('2026-12-02') / 1000}^updated {ago}|updated 2026-12-02>`,
    );
    expect(texts[1]).toBe('*[2]* B');
    expect(updatedToken('not a date')).toBe('');
  });
});
