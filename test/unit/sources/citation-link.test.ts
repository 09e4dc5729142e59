import { describe, expect, it } from 'vitest';
import { linkOf, toSourceRefs } from '../../../src/copilot/sources.js';
import type { SearchHit } from '../../../src/retrieval/types.js';
import { buildSourcesBlock } from '../../../src/slack/blocks/answer.js';

const hit = (meta?: Record<string, string>) =>
  ({
    score: 1,
    chunk: {
      id: 'c1',
      space: 'default',
      source: 'default/_sources/help/returns-1.md',
      title: 'Returns | Shop',
      format: 'md',
      text: 'Returns within 30 days.',
      embedText: '',
      ordinal: 0,
      ...(meta ? { meta } : {}),
    },
  }) as unknown as SearchHit;

describe('citations link to the page url', () => {
  it('carries the front matter url (http/https only) into the source reference', () => {
    const passages = [
      { n: 1, source: 'default/_sources/help/returns-1.md', title: 'Returns | Shop', text: 'Returns.' },
    ];
    const [ref] = toSourceRefs(passages as never, [hit({ url: 'https://shop.example/help/returns?a=1' })]);
    expect(ref?.url).toBe('https://shop.example/help/returns?a=1');
    const [none] = toSourceRefs(passages as never, [hit({ url: 'javascript:alert(1)' })]);
    expect(none?.url).toBeUndefined();
    expect(linkOf('/relative')).toBeUndefined();
    expect(linkOf(undefined)).toBeUndefined();
  });

  it('Slack shows the title as a link to the page; link syntax in the url or title cannot break out', () => {
    const block = buildSourcesBlock([
      {
        n: 1,
        source: 's',
        title: 'Returns | Shop',
        space: 'default',
        chunkId: 'c',
        snippet: '',
        url: 'https://shop.example/a|b>c',
      },
      { n: 2, source: 'plain.md', title: 'Plain', space: 'default', chunkId: 'd', snippet: '' },
    ]);
    const texts = JSON.stringify(block);
    expect(texts).toContain('*[1]* <https://shop.example/a%7Cb%3Ec|Returns ¦ Shop>');
    expect(texts).toContain('*[2]* Plain');
  });
});
