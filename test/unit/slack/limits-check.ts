import type { types } from '@slack/bolt';
import { expect } from 'vitest';

/** Asserts the Block Kit limits the builders promise to respect. */
export function checkLimits(blocks: types.KnownBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(100);
  for (const b of blocks) {
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(10);
      for (const e of b.elements) if ('text' in e) expect(e.text.length).toBeLessThanOrEqual(3000);
    }
    const buttons = [
      ...(b.type === 'actions' ? b.elements : []),
      ...(b.type === 'section' && b.accessory ? [b.accessory] : []),
    ].filter((e): e is types.Button => e.type === 'button');
    const ids = buttons.map((e) => e.action_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of buttons) {
      expect(e.text.text.length).toBeLessThanOrEqual(75);
      expect((e.value ?? '').length).toBeLessThanOrEqual(2000);
    }
  }
}
