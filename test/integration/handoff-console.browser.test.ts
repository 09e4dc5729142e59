import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium } from '../helpers/services.js';

/**
 * The web side of the loop in real Chromium against the real app: "Ask a human" in the chat page
 * → the ticket shows in /console → the reply typed there appears in the chat page.
 */
const SHOTS = 'test-output/screenshots';
const TOKEN = 'browser-console-token';
const QUESTION = 'Which items are prohibited?';
const HOSTILE = 'Is <img src=x onerror="window.__xss=1"> allowed in titles?';

describe.skipIf(!(await chromiumAvailable()))('agent console and web chat in headless Chromium', () => {
  let run: RunningApp;
  let browser: Browser;

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
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await run?.close();
  });

  async function open(path: string, viewport = { width: 1100, height: 860 }) {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${run.url}${path}`);
    return { page, errors };
  }

  async function askInChat(page: Page, text: string) {
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-input').press('Enter');
    const last = page.getByTestId('message-assistant').last();
    await expect.poll(() => last.getAttribute('data-state'), { timeout: 10_000 }).toMatch(/done|error/);
    return last;
  }

  it('ask a human in the chat → ticket in /console → reply typed there appears in the chat', async () => {
    const chat = await open('/');
    const answer = await askInChat(chat.page, QUESTION);
    expect(await answer.getAttribute('data-state')).toBe('done');
    await answer.getByTestId('ask-human').click();
    await expect
      .poll(() => answer.getByTestId('handoff-notice').textContent(), { timeout: 5000 })
      .toBe('A teammate will answer here.');

    // Another asker's ticket whose question is hostile markup.
    await fetch(`${run.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: 'hostile-1-conversation-00000000', message: HOSTILE }),
    });

    const desk = await open('/console');
    await desk.page.getByTestId('console-token').fill(TOKEN);
    await desk.page.getByTestId('console-agent').fill('Dana');
    await desk.page.getByTestId('console-signin').click();
    const ticket = desk.page.getByTestId('ticket').filter({ hasText: QUESTION });
    await ticket.waitFor({ timeout: 5000 });
    // Escaped: the hostile question is text, its <img> never became an element.
    const hostile = desk.page.getByTestId('ticket').filter({ hasText: 'allowed in titles' });
    expect(await hostile.getByTestId('ticket-question').textContent()).toBe(HOSTILE);
    expect(await desk.page.locator('#tickets img').count()).toBe(0);
    expect(await desk.page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    // The draft (the bot's answer) prefills the reply box.
    const draft = await ticket.getByTestId('ticket-reply-text').inputValue();
    expect(draft.length).toBeGreaterThan(0);

    await ticket.getByTestId('ticket-claim').click();
    await expect.poll(() => ticket.getAttribute('data-status'), { timeout: 5000 }).toBe('claimed');
    const reply =
      'Hi! Vintage knives are allowed with a blade under 10 cm. Email help@shop.example for anything else.';
    await ticket.getByTestId('ticket-reply-text').fill(reply);
    await ticket.getByTestId('ticket-save').check();
    await desk.page.screenshot({ path: `${SHOTS}/console.png`, fullPage: true });
    await ticket.getByTestId('ticket-reply-send').click();

    // The asker sees it live, attributed.
    const human = chat.page.getByTestId('message-human').last();
    await human.waitFor({ timeout: 10_000 });
    expect(await human.locator('.bubble').textContent()).toBe(reply);
    expect(await human.textContent()).toContain('Dana');
    await expect
      .poll(() => chat.page.getByTestId('handoff-status').allTextContents(), { timeout: 5000 })
      .toContain('Dana is on it.');
    // The reply re-sends the "claimed" state; the page says it once.
    expect(
      (await chat.page.getByTestId('handoff-status').allTextContents()).filter((t) => t === 'Dana is on it.'),
    ).toHaveLength(1);

    // The console shows the reply in the ticket's conversation and where it was saved.
    await expect
      .poll(() => desk.page.locator('#banner').textContent(), { timeout: 10_000 })
      .toMatch(/saved as default\/answers\//);
    await expect.poll(() => ticket.textContent(), { timeout: 5000 }).toContain('Saved as default/answers/');
    expect(await ticket.getByTestId('ticket-reply-text').inputValue()).toBe('');
    await desk.page.screenshot({ path: `${SHOTS}/console.png`, fullPage: true });
    await chat.page.screenshot({ path: `${SHOTS}/web-chat-human-reply.png` });

    await ticket.getByTestId('ticket-resolve').click();
    await expect
      .poll(() => chat.page.getByTestId('handoff-status').allTextContents(), { timeout: 5000 })
      .toContain('A teammate marked this as resolved. I can answer again.');
    // Resolved tickets leave the default "waiting" list.
    await expect.poll(() => ticket.count(), { timeout: 5000 }).toBe(0);

    expect(chat.errors).toEqual([]);
    expect(desk.errors).toEqual([]);
    await chat.page.close();
    await desk.page.close();
  });

  it('a wrong token sends the console back to sign-in with a reason', async () => {
    // Another asker's ticket whose question is hostile markup.
    await fetch(`${run.url}/api/handoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: 'hostile-1-conversation-00000000', message: HOSTILE }),
    });

    const desk = await open('/console');
    await desk.page.getByTestId('console-token').fill('nope');
    await desk.page.getByTestId('console-agent').fill('Eve');
    await desk.page.getByTestId('console-signin').click();
    await expect
      .poll(() => desk.page.locator('#banner').textContent(), { timeout: 5000 })
      .toMatch(/not accepted/);
    expect(await desk.page.getByTestId('console-token').isVisible()).toBe(true);
    await desk.page.close();
  });
});
