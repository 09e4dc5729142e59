import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { AskInput } from '../../src/domain/copilot.js';
import { createHttpApp } from '../../src/http/app.js';
import { CLARIFY_OPTIONS, createScriptedCopilot, type ScriptName } from '../fakes/scripted-copilot.js';
import { chromiumAvailable, launchChromium } from '../helpers/services.js';

const SHOTS = 'test-output/screenshots';
const pick = (input: AskInput): ScriptName =>
  input.message === 'Refunds?' ? 'clarify' : /human/i.test(input.message) ? 'handoff' : 'answer';
// Slow enough tokens that the page visibly grows the answer.
const copilot = createScriptedCopilot({ pick, delayMs: 150, spaces: ['default', 'apparel'] });

let server: Server;
let base: string;
let browser: Browser;

describe.skipIf(!(await chromiumAvailable()))('web chat page in headless Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    const { app } = createHttpApp({ config: loadConfig({}), copilot, logger: pino({ level: 'silent' }) });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  /** Opens the page and collects console errors (a CSP violation shows up there). */
  async function open(viewport: { width: number; height: number }) {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      // The handoff endpoint is not mounted in this app: its 404 is expected and handled.
      if (m.type() === 'error' && !m.location().url.includes('/api/handoffs')) errors.push(m.text());
    });
    await page.goto(base);
    return { page, errors };
  }

  async function send(page: Page, text: string) {
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-input').press('Enter');
  }

  /** Samples the last answer's text until it is done; returns the distinct texts seen. */
  async function watchAnswer(page: Page): Promise<string[]> {
    const last = page.getByTestId('message-assistant').last();
    const seen: string[] = [];
    for (let i = 0; i < 300; i++) {
      const { state, text } = await last.evaluate((el: HTMLElement) => ({
        state: el.dataset.state,
        text: el.querySelector('.text')?.textContent ?? '',
      }));
      if (state === 'streaming' && text && seen.at(-1) !== text) seen.push(text);
      if (state === 'done' || state === 'error') return seen;
      await page.waitForTimeout(25);
    }
    throw new Error('answer never finished');
  }

  it('streams an answer with numbered sources, feedback and ask-a-human', async () => {
    const { page, errors } = await open({ width: 1100, height: 820 });
    expect(await page.title()).toBe('Merchant Copilot');
    await expect.poll(() => page.getByTestId('space-select').isVisible()).toBe(true);

    await send(page, 'How long do refunds take?');
    await expect
      .poll(() => page.getByTestId('message-user').last().textContent())
      .toBe('How long do refunds take?');
    const partials = await watchAnswer(page);
    expect(new Set(partials).size).toBeGreaterThanOrEqual(2);
    const answer = page.getByTestId('message-assistant').last();
    expect(await answer.locator('.text').textContent()).toContain('Refunds are issued within 14 days');

    // [1] and [2] become superscript links to the numbered source list.
    const cites = answer.locator('sup.cite a');
    expect(await cites.allTextContents()).toEqual(['1', '2']);
    const target = (await cites.first().getAttribute('href'))!.slice(1);
    const sources = answer.getByTestId('sources');
    expect(await sources.locator('li').count()).toBe(2);
    expect(await sources.locator('li').first().getAttribute('id')).toBe(target);
    const sourceText = await sources.textContent();
    for (const s of ['Refund policy', 'policies/refunds.md', 'Refunds › Timing', 'Payments guide', 'p. 3']) {
      expect(sourceText).toContain(s);
    }

    for (const id of ['feedback-up', 'feedback-down', 'ask-human']) {
      expect(await answer.getByTestId(id).isVisible()).toBe(true);
    }

    // 👎 records the rating at once, then offers an optional reason.
    await answer.getByTestId('feedback-down').click();
    await answer.getByTestId('feedback-reason').fill('Missing the EU rules');
    await answer.getByTestId('feedback-reason').press('Enter');
    await expect
      .poll(() => copilot.feedbacks.at(-1)?.feedback.reason, { timeout: 5000 })
      .toBe('Missing the EU rules');

    // No handoff desk mounted here: the page says so kindly.
    await answer.getByTestId('ask-human').click();
    await expect
      .poll(() => answer.getByTestId('handoff-notice').textContent(), { timeout: 5000 })
      .toContain('available soon');
    await page.screenshot({ path: `${SHOTS}/web-chat.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends the clarify option question and shows handoff notices, in one conversation', async () => {
    const { page, errors } = await open({ width: 1100, height: 820 });
    await page.getByTestId('new-conversation').click();
    await send(page, 'Refunds?');
    const option = page.getByTestId('clarify-option').first();
    await option.waitFor();
    expect(await page.getByTestId('clarify-option').allTextContents()).toEqual(
      CLARIFY_OPTIONS.map((o) => o.label),
    );
    await page.screenshot({ path: `${SHOTS}/web-chat-clarify.png` });
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/api/chat') && r.method() === 'POST'),
      option.click(),
    ]);
    expect(JSON.parse(request.postData() ?? '{}').message).toBe(CLARIFY_OPTIONS[0]?.question);
    await watchAnswer(page);
    const [clarifyCall, followUp] = copilot.calls.slice(-2);
    expect(followUp?.input.message).toBe(CLARIFY_OPTIONS[0]?.question);
    // The page kept the conversation id from the first answer's meta event.
    expect(followUp?.input.conversationKey).toBe(clarifyCall?.input.conversationKey);

    await send(page, 'Can a human help me?');
    await expect
      .poll(() => page.getByTestId('handoff-notice').last().textContent(), { timeout: 5000 })
      .toBe('A teammate will answer here.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a 375 px phone screen without horizontal scrolling, and sends the chosen space', async () => {
    const { page, errors } = await open({ width: 375, height: 740 });
    await page.getByTestId('space-select').selectOption('apparel');
    await send(page, 'What is the return window for shirts bought on sale during the summer promotion?');
    await watchAnswer(page);
    expect(copilot.calls.at(-1)?.input.space).toBe('apparel');
    const overflow = await page.evaluate(() =>
      [document.documentElement, document.body, document.getElementById('messages')!].map(
        (el) => el.scrollWidth - el.clientWidth,
      ),
    );
    expect(overflow).toEqual([0, 0, 0]);
    await page.screenshot({ path: `${SHOTS}/web-chat-mobile.png` });
    expect(errors).toEqual([]);
    await page.close();
  });
});
