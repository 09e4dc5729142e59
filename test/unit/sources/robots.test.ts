import { describe, expect, it } from 'vitest';
import { parseRobots } from '../../../src/sources/robots.js';

describe('robots.txt', () => {
  const text = `# comment
User-agent: otherbot
Disallow: /

User-agent: *
Disallow: /help/private
Allow: /help/private/public-*
Disallow: /*.pdf$
`;
  it('uses the * group, longest match wins, Allow on the more specific rule, $ anchors', () => {
    const r = parseRobots(text, 'merchant-copilot-sync');
    expect(r.allowed('http://x/help/faq')).toBe(true);
    expect(r.allowed('http://x/help/private/a')).toBe(false);
    expect(r.allowed('http://x/help/private/public-faq')).toBe(true);
    expect(r.allowed('http://x/docs/a.pdf')).toBe(false);
    expect(r.allowed('http://x/docs/a.pdf?x=1')).toBe(true);
  });
  it('a group naming the agent replaces the * group', () => {
    expect(parseRobots(text, 'OtherBot/1.0').allowed('http://x/help/faq')).toBe(false);
  });
  it('empty or missing rules allow everything', () => {
    expect(parseRobots('', 'a').allowed('http://x/a')).toBe(true);
    expect(parseRobots('User-agent: *\nDisallow:\n', 'a').allowed('http://x/a')).toBe(true);
  });
});
