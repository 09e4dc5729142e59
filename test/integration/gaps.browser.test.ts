import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium } from '../helpers/services.js';

/**
 * The knowledge gaps tab of /console (gaps.js) in real Chromium against the real app, offline (no
 * model: drafts are the teammates' replies): list → draft → edit → save, then the chat API
 * answers the question from the saved answer.
 */
const SHOTS = 'test-output/screenshots';
const TOKEN = 'browser-gaps-token';
const RENAME = [
  'How do I change my shop name?',
  'Can I rename my store?',
  'Where can I edit the name of my shop?',
];
const HOSTILE = 'Why does my invoice show <img src=x onerror="window.__xss=1"> as the tax line?';
const REPLY = 'Settings → Shop profile → Name. Once every 30 days.';
const EDITED =
  'Go to Settings → Shop profile and change the name. You can rename your shop once every 30 days.';

describe.skipIf(!(await chromiumAvailable()))('knowledge gaps in the console (headless Chromium)', () => {
  let run: RunningApp;
  let browser: Browser;

  async function downvote(message: string, i: number): Promise<{ answerId: string; conversationId: string }> {
    const conversationId = `gaps-browser-conversation-${i}-000000`;
    const r = await chat(run.url, { message, conversationId });
    const answerId = r.done().answerId as string;
    const fb = await fetch(`${run.url}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answerId, rating: 'down', reason: 'Not what I asked' }),
    });
    expect(fb.status).toBeLessThan(300);
    return { answerId, conversationId };
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const kb = copyKnowledge();
    run = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      ADMIN_TOKEN: TOKEN,
      LLM_PROVIDER: 'offline',
      REDIS_URL: '',
    });
    const asked = [];
    for (const [i, q] of RENAME.entries()) asked.push(await downvote(q, i));
    await downvote(HOSTILE, 9);
    // The first asker asks for a human; a teammate answers in the console (not saved).
    const first = asked[0] as { answerId: string; conversationId: string };
    const ticket = await fetch(`${run.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(first),
    }).then((r) => r.json());
    const reply = await fetch(`${run.url}/api/console/handoffs/${ticket.handoffId}/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ agent: 'Dana', text: REPLY }),
    });
    expect(reply.status).toBe(200);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await run?.close();
  });

  it('lists the gaps, drafts from the teammate’s reply, saves the edited answer; the chat then answers from it', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${run.url}/console`);
    await page.getByTestId('console-token').fill(TOKEN);
    await page.getByTestId('console-agent').fill('Dana');
    await page.getByTestId('console-signin').click();
    expect(await page.getByTestId('gaps-panel').isHidden()).toBe(true);
    await page.getByTestId('tab-gaps').click();

    const gaps = page.getByTestId('gap');
    await expect.poll(() => gaps.count(), { timeout: 10_000 }).toBe(2);
    const rename = gaps.first();
    expect(await rename.getByTestId('gap-count').textContent()).toBe('3×');
    expect(RENAME).toContain(await rename.getByTestId('gap-question').textContent());
    for (const q of RENAME) expect(await rename.textContent()).toContain(q);
    expect(await rename.textContent()).toContain(`Dana: ${REPLY}`);
    expect(await rename.textContent()).toContain('3 👎');
    expect(await page.getByTestId('gaps-summary').textContent()).toContain(
      'Drafts come from teammates’ replies',
    );

    // The hostile question is text: no element was made from it.
    const hostile = gaps.nth(1);
    expect(await hostile.getByTestId('gap-question').textContent()).toBe(HOSTILE);
    expect(await page.locator('#gaps-panel img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    await rename.getByTestId('gap-draft').click();
    const text = rename.getByTestId('gap-edit-text');
    await text.waitFor({ timeout: 10_000 });
    expect(await text.inputValue()).toBe(REPLY);
    expect(await rename.getByTestId('gap-draft-note').getAttribute('data-source')).toBe('replies');
    const question = (await rename.getByTestId('gap-edit-question').inputValue()) as string;
    expect(RENAME).toContain(question);

    // Saving nothing is refused in the page, and nothing is sent.
    await text.fill('   ');
    await rename.getByTestId('gap-save').click();
    expect(await rename.getByTestId('gap-status').textContent()).toBe('Write the answer first.');

    await text.fill(EDITED);
    await page.screenshot({ path: `${SHOTS}/console-gaps.png`, fullPage: true });
    await rename.getByTestId('gap-save').click();
    await expect
      .poll(() => rename.getByTestId('gap-status').textContent(), { timeout: 20_000 })
      .toMatch(
        /^Saved as default\/answers\/g_[0-9a-f]{16}\.md\. The copilot answers this question from now on\.$/,
      );
    expect(await rename.getByTestId('gap-saved').isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/console-gaps-saved.png`, fullPage: true });

    const again = await chat(run.url, { message: question, conversationId: 'gaps-browser-again-0000000000' });
    expect(again.text()).toContain('You can rename your shop once every 30 days.');
    const record = await run.app.stores.answers.get(again.done().answerId as string);
    expect(record?.via).toBe('annotation');

    // After a reload the gap still shows as saved.
    await page.getByTestId('gaps-refresh').click();
    await expect
      .poll(() => gaps.first().getByTestId('gap-saved').isVisible(), { timeout: 10_000 })
      .toBe(true);
    expect(errors).toEqual([]);
  });
});
