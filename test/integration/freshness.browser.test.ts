import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium } from '../helpers/services.js';

/** Freshness on the web: the chat shows "updated 3 days ago" on a citation; the console lists documents due for review. */
const TOKEN = 'browser-freshness-token';
const DAY = 24 * 3600 * 1000;

describe.skipIf(!(await chromiumAvailable()))('freshness in headless Chromium', () => {
  let run: RunningApp;
  let browser: Browser;
  const kb = copyKnowledge();

  beforeAll(async () => {
    const updated = new Date(Date.now() - 3 * DAY - 3600e3).toISOString();
    fs.writeFileSync(
      path.join(kb.knowledgeDir, 'quasar-lamps.md'),
      `---\ntitle: Quasar lamp care\nupdated: ${updated}\nreview_after: 2020-01-01\n---\n# Quasar lamp care\n\nQuasar lamps must be dusted weekly with a dry microfiber cloth and never washed.\n`,
    );
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
    fs.rmSync(kb.root, { recursive: true, force: true });
  });

  it('shows the document date on a citation in the chat page', async () => {
    const page = await browser.newPage();
    await page.goto(`${run.url}/`);
    await page.getByTestId('chat-input').fill('How do I clean a Quasar lamp?');
    await page.getByTestId('chat-input').press('Enter');
    const last = page.getByTestId('message-assistant').last();
    await expect.poll(() => last.getAttribute('data-state'), { timeout: 10_000 }).toMatch(/done|error/);
    const item = last.getByTestId('sources').locator('li').filter({ hasText: 'Quasar lamp care' });
    expect(await item.getByTestId('source-updated').textContent()).toBe('updated 3 days ago');
  });

  it('lists documents past review_after in the console for a signed-in admin', async () => {
    const page = await browser.newPage();
    await page.goto(`${run.url}/console`);
    expect(await page.getByTestId('review-due').isVisible()).toBe(false);
    await page.getByTestId('console-token').fill(TOKEN);
    await page.getByTestId('console-agent').fill('Dana');
    await page.getByTestId('console-signin').click();
    const item = page.getByTestId('review-item').filter({ hasText: 'Quasar lamp care' });
    await item.waitFor({ timeout: 5000 });
    expect(await item.textContent()).toMatch(
      /default\/quasar-lamps\.md · \d+ days past review · updated 3 days ago/,
    );
  });
});
