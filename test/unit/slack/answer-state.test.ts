import { describe, expect, it } from 'vitest';
import { AnswerState } from '../../../src/slack/answer-state.js';
import { actionIds } from '../../helpers/slack.js';

describe('AnswerState', () => {
  it('collects the answer id, sources and decision for the closing blocks', () => {
    const s = new AnswerState();
    s.apply({ type: 'meta', conversationId: 'C1:1', answerId: 'a1' });
    s.apply({ type: 'token', text: 'Returns take 30 days [1].' });
    s.apply({
      type: 'sources',
      sources: [{ n: 1, source: 'r.md', title: 'Returns', space: 'default', chunkId: 'c', snippet: '' }],
    });
    s.apply({ type: 'done', answerId: 'a1', decision: 'answer', cached: false, usage: null });
    expect(s.closingText()).toBe('');
    const blocks = s.finalBlocks('how long?');
    expect(blocks[0]?.type).toBe('context');
    expect(actionIds(blocks)).toEqual(['copilot_feedback_up', 'copilot_feedback_down', 'copilot_ask_human']);
    expect(s.notificationText()).toBe('Returns take 30 days [1].');
  });

  it('an error closes with a short warning and offers a human', () => {
    const s = new AnswerState();
    s.apply({ type: 'token', text: 'Let me' });
    s.apply({
      type: 'error',
      code: 'llm:down',
      message: 'The model is unavailable.\n    at Object.<anonymous> (x.js:1:1)',
    });
    expect(s.closingText()).toBe(
      '\n\n:warning: The model is unavailable. You can ask a teammate with the button below.',
    );
    expect(actionIds(s.finalBlocks('q'))).toContain('copilot_ask_human');
    const thrown = new AnswerState();
    thrown.fail();
    expect(thrown.closingText()).toContain('Something went wrong on our side.');
  });

  it('a clarify offers the options and a human, not feedback', () => {
    const s = new AnswerState();
    s.apply({ type: 'meta', conversationId: 'c', answerId: 'a2' });
    s.apply({ type: 'clarify', options: [{ question: 'Shoes?', label: 'Shoes', source: 'x' }] });
    expect(actionIds(s.finalBlocks('q'))).toEqual(['copilot_clarify', 'copilot_ask_human']);
    expect(s.closingText()).toBe('');
  });

  it('never ends silently and notes a handoff made by the pipeline', () => {
    const s = new AnswerState();
    s.apply({ type: 'handoff', handoffId: 'h1', reason: 'escalate' });
    s.apply({ type: 'done', answerId: 'a3', decision: 'escalate', cached: false, usage: null });
    expect(s.closingText()).toBe("I couldn't find this in the knowledge base.");
    const blocks = s.finalBlocks('q');
    expect(JSON.stringify(blocks)).toContain('A teammate has been asked');
    expect(actionIds(blocks)).not.toContain('copilot_ask_human');
  });
});
