import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerRecord } from '../../src/domain/answers.js';
import { bucketOf, DAY_MS, percentile } from '../../src/insights/buckets.js';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/openai-server.js';
import { type ChatResult, chat, copyKnowledge, type RunningApp, startApp } from '../helpers/app.js';
import { chromiumAvailable, launchChromium } from '../helpers/services.js';

/**
 * The console's Insights, Review queue and Export tabs in real Chromium against the real app: the
 * records come from questions asked over HTTP (the real @langchain/openai client streaming from the
 * fake OpenAI server, so tokens, cost and time to first token are real), 👍/👎 over HTTP, and a
 * handoff claimed and resolved through the console API. The page's figures and the Chart.js
 * charts (read back with Chart.getChart(canvas)) must equal those records.
 */
const SHOTS = 'test-output/screenshots';
const TOKEN = 'insights-console-token';
const EMAIL = 'jane.doe@example.com';
const Q = {
  returns: `What is the return window for home goods? Reply to ${EMAIL}`,
  payout: 'When does the payout reach my bank account?',
  clarify: 'fees?',
  escalate: "What's the Wi-Fi password in the Tacoma warehouse break room?",
  apparel: 'How long is the return window for apparel?',
};
const HOSTILE_REASON = '<img src=x onerror="window.__xss=1"> Wrong size chart';
const RIGHT_ANSWER = 'Payouts reach your bank account two business days after settlement (code PAYOUT-7731).';
const EDITED_ANSWER =
  'Payouts reach your bank account three business days after settlement (code PAYOUT-8842).';

type ChartDump = {
  type: string;
  labels: string[];
  datasets: Array<{ key: string; label: string; data: Array<number | null> }>;
  painted: number;
};

describe.skipIf(!(await chromiumAvailable()))('console insights, review queue and export in Chromium', () => {
  let run: RunningApp;
  let fake: FakeOpenAI;
  let browser: Browser;
  let kb: ReturnType<typeof copyKnowledge>;
  let n = 0;
  /** Every record asked in the default space over HTTP, in order. */
  const defaultIds: string[] = [];
  const ids = {} as Record<keyof typeof Q | 'cached', string>;
  let handoffId = '';

  const ask = async (message: string, space?: string): Promise<ChatResult> => {
    const r = await chat(run.url, {
      message,
      conversationId: `insights-console-conversation-${++n}-${Date.now()}`,
      ...(space ? { space } : {}),
    });
    expect(r.status).toBe(200);
    if (!space) defaultIds.push(r.done().answerId as string);
    return r;
  };
  const record = async (id: string) => (await run.app.stores.answers.get(id)) as AnswerRecord;
  const feedback = async (answerId: string, rating: 'up' | 'down', reason?: string) => {
    const res = await fetch(`${run.url}/api/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answerId, rating, ...(reason ? { reason } : {}) }),
    });
    expect(res.status).toBeLessThan(300);
  };
  const consoleApi = async (p: string, body?: unknown) => {
    const res = await fetch(`${run.url}/api/console${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    kb = copyKnowledge();
    fake = await startFakeOpenAI({
      tokenDelayMs: 2,
      replier: () => 'Here is what our policy says about that [1]. Ask again if anything is unclear.',
    });
    run = await startApp({
      KNOWLEDGE_DIR: kb.knowledgeDir,
      INDEX_DIR: kb.indexDir,
      ADMIN_TOKEN: TOKEN,
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-test-not-a-real-key',
      LLM_MODEL: 'gpt-4o-mini',
      REDIS_URL: '',
    });

    // One question per outcome, and one in the apparel space.
    const returns = await ask(Q.returns);
    expect(returns.done()).toMatchObject({ decision: 'answer', cached: false });
    const payout = await ask(Q.payout);
    expect(payout.done()).toMatchObject({ decision: 'answer', cached: false });
    const cached = await ask(Q.payout);
    expect(cached.done()).toMatchObject({ decision: 'answer', cached: true });
    const clarify = await ask(Q.clarify);
    expect(clarify.done()).toMatchObject({ decision: 'clarify' });
    const escalate = await ask(Q.escalate);
    expect(escalate.done()).toMatchObject({ decision: 'escalate' });
    const apparel = await ask(Q.apparel, 'apparel');
    expect(apparel.done()).toMatchObject({ decision: 'answer', cached: false });
    Object.assign(ids, {
      returns: returns.done().answerId,
      payout: payout.done().answerId,
      cached: cached.done().answerId,
      clarify: clarify.done().answerId,
      escalate: escalate.done().answerId,
      apparel: apparel.done().answerId,
    });

    await feedback(ids.returns, 'up');
    await feedback(ids.payout, 'down', 'Outdated');
    await feedback(ids.apparel, 'down', HOSTILE_REASON);

    // The escalation opened a ticket: claimed, then resolved, through the console API.
    handoffId = escalate.of('handoff')[0]?.handoffId as string;
    expect(handoffId).toBeTruthy();
    await new Promise((r) => setTimeout(r, 30));
    await consoleApi(`/handoffs/${handoffId}/claim`, { agent: 'Dana' });
    await new Promise((r) => setTimeout(r, 30));
    await consoleApi(`/handoffs/${handoffId}/resolve`, { agent: 'Dana' });
    await run.app.handoffs.idle();

    // Two older records (20 and 60 days ago) through the app's answer store, so 7/30/90 differ.
    const base = await record(ids.returns);
    for (const days of [20, 60]) {
      await run.app.stores.answers.save({
        ...base,
        id: `a_old_${days}_days`,
        feedback: undefined,
        createdAt: Date.now() - days * DAY_MS,
      } as AnswerRecord);
    }
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await run?.close();
    await fake?.close();
    if (kb) fs.rmSync(kb.root, { recursive: true, force: true });
  });

  async function signedIn() {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${run.url}/console`);
    await page.getByTestId('console-token').fill(TOKEN);
    await page.getByTestId('console-agent').fill('Ana');
    await page.getByTestId('console-signin').click();
    await page.getByTestId('tab-insights').waitFor({ state: 'visible', timeout: 5000 });
    return { page, errors };
  }

  /** Waits until the dashboard of that choice is drawn. */
  async function dashboardOf(page: Page, space: string, period: number) {
    await page.getByTestId('insights-space').selectOption(space);
    await page.getByTestId('insights-period').selectOption(String(period));
    await page.locator(`#insights-panel[data-loaded="${space}:${period}"][data-state="ready"]`).waitFor({
      timeout: 10_000,
    });
  }

  const figure = async (page: Page, key: string) => {
    const v = await page.getByTestId(`fig-${key}`).getAttribute('data-value');
    return v === '' || v === null ? null : Number(v);
  };
  const shown = (page: Page, key: string) =>
    page.getByTestId(`fig-${key}`).locator('.figure-value').textContent();

  /** Each chart of the panel, from Chart.js itself, with how many pixels it painted. */
  const charts = (page: Page) =>
    page.evaluate(() => {
      type ChartLike = {
        config: { type: string };
        data: {
          labels: string[];
          datasets: Array<{ key: string; label: string; data: Array<number | null> }>;
        };
      };
      const Chart = (
        window as unknown as { Chart: { getChart(c: HTMLCanvasElement): ChartLike | undefined } }
      ).Chart;
      const out: Record<string, unknown> = {};
      for (const canvas of Array.from(
        document.querySelectorAll<HTMLCanvasElement>('#insights-panel canvas'),
      )) {
        const chart = Chart.getChart(canvas);
        if (!chart) {
          out[canvas.id] = null;
          continue;
        }
        const px = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
          0,
          0,
          canvas.width,
          canvas.height,
        ).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if ((px[i] as number) > 0) painted++;
        out[canvas.id] = {
          type: chart.config.type,
          labels: [...chart.data.labels],
          datasets: chart.data.datasets.map((d) => ({ key: d.key, label: d.label, data: [...d.data] })),
          painted,
        };
      }
      return out as Record<string, ChartDump | null>;
    });

  const sum = (xs: Array<number | null>) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
  const byKey = (c: ChartDump | null | undefined, key: string) =>
    c?.datasets.find((d) => d.key === key)?.data ?? [];

  it('insights: every figure and chart equals the records created, and the space/period selectors change them', async () => {
    const { page, errors } = await signedIn();
    await page.getByTestId('tab-insights').click();
    await page.locator('#insights-panel[data-loaded="*:7"][data-state="ready"]').waitFor({ timeout: 10_000 });
    expect(page.url()).toMatch(/#insights$/);
    expect(await page.locator('#handoffs-panel').isHidden()).toBe(true);

    // What the records say (last 7 days: the six HTTP questions).
    const recent = await Promise.all(
      [ids.returns, ids.payout, ids.cached, ids.clarify, ids.escalate, ids.apparel].map(record),
    );
    expect([recent[0]?.via, recent[1]?.via, recent[2]?.via, recent[5]?.via]).toEqual([
      'llm',
      'llm',
      'cache',
      'llm',
    ]);
    const tokens = sum(recent.map((r) => r.usage?.totalTokens ?? 0));
    const cost = sum(recent.map((r) => r.usage?.costUsd ?? 0));
    expect(tokens).toBeGreaterThan(0);
    expect(cost).toBeGreaterThan(0);
    const hist = (values: number[]) => {
      const h = new Map<number, number>();
      for (const v of values) h.set(bucketOf(v), (h.get(bucketOf(v)) ?? 0) + 1);
      return { p50: percentile(h, 0.5), p95: percentile(h, 0.95) };
    };
    const ttft = hist(
      recent.flatMap((r) => (r.timings.firstTokenMs === undefined ? [] : [r.timings.firstTokenMs])),
    );
    expect(ttft.p50).not.toBeNull();
    const ticket = (await consoleApi(`/handoffs/${handoffId}`)).ticket as unknown as {
      createdAt: number;
      history: Array<{ action: string; at: number }>;
    };
    const at = (action: string) =>
      (ticket.history.find((e) => e.action === action)?.at as number) - ticket.createdAt;
    const claim = hist([at('claimed')]);
    const resolve = hist([at('resolved')]);

    // Figures.
    expect(await figure(page, 'questions')).toBe(6);
    expect(await shown(page, 'questions')).toBe('6');
    expect(await figure(page, 'answered')).toBe(3);
    expect(await figure(page, 'clarified')).toBe(1);
    expect(await figure(page, 'escalated')).toBe(1);
    expect(await figure(page, 'saved')).toBe(0);
    expect(await figure(page, 'cache')).toBe(1);
    expect(await figure(page, 'automated')).toBeCloseTo(4 / 6, 10);
    expect(await shown(page, 'automated')).toBe('66.7 %');
    expect(await figure(page, 'thumbs-up')).toBe(1);
    expect(await figure(page, 'thumbs-down')).toBe(2);
    expect(await figure(page, 'thumbs-up-rate')).toBeCloseTo(1 / 3, 10);
    expect(await figure(page, 'tokens')).toBe(tokens);
    expect(await figure(page, 'cost')).toBeCloseTo(cost, 5);
    expect(await figure(page, 'ttft-p50')).toBe(ttft.p50);
    expect(await figure(page, 'ttft-p95')).toBe(ttft.p95);
    expect(await figure(page, 'handoffs-claimed')).toBe(1);
    expect(await figure(page, 'handoffs-resolved')).toBe(1);
    expect(await figure(page, 'claim-p50')).toBe(claim.p50);
    expect(await figure(page, 'resolve-p50')).toBe(resolve.p50);

    // Charts: each canvas has a Chart.js chart that painted pixels, with the records' values.
    const c = await charts(page);
    expect(Object.keys(c).sort()).toEqual([
      'chart-automated',
      'chart-feedback',
      'chart-handoffs',
      'chart-outcomes',
      'chart-reasons',
      'chart-ttft',
      'chart-usage',
    ]);
    for (const [id, chart] of Object.entries(c)) {
      expect(chart, id).not.toBeNull();
      expect(chart?.painted, id).toBeGreaterThan(500);
    }
    const outcomes = c['chart-outcomes'];
    expect(outcomes?.labels).toHaveLength(7);
    expect(outcomes?.datasets.map((d) => d.key)).toEqual([
      'answered',
      'clarified',
      'escalated',
      'saved',
      'cache',
    ]);
    for (const [key, want] of Object.entries({
      answered: 3,
      clarified: 1,
      escalated: 1,
      saved: 0,
      cache: 1,
    })) {
      const data = byKey(outcomes, key);
      expect(data, key).toHaveLength(7);
      expect(sum(data), key).toBe(want);
      expect(data.at(-1), key).toBe(want); // all asked today
    }
    expect(byKey(c['chart-automated'], 'automated').at(-1)).toBeCloseTo(4 / 6, 10);
    expect(c['chart-feedback']?.labels).toEqual(['👍 Helpful', '👎 Not helpful']);
    expect(byKey(c['chart-feedback'], 'feedback')).toEqual([1, 2]);
    const hostileKey = HOSTILE_REASON.toLowerCase().slice(0, 40);
    expect(c['chart-reasons']?.labels).toEqual([hostileKey, 'outdated']);
    expect(byKey(c['chart-reasons'], 'reasons')).toEqual([1, 1]);
    expect(byKey(c['chart-ttft'], 'p50')).toEqual([ttft.p50]);
    expect(byKey(c['chart-ttft'], 'p95')).toEqual([ttft.p95]);
    expect(sum(byKey(c['chart-usage'], 'tokens'))).toBe(tokens);
    expect(sum(byKey(c['chart-usage'], 'cost'))).toBeCloseTo(cost, 5);
    expect(byKey(c['chart-handoffs'], 'p50')).toEqual([claim.p50, resolve.p50]);
    expect(byKey(c['chart-handoffs'], 'p95')).toEqual([claim.p95, resolve.p95]);
    await page.screenshot({ path: `${SHOTS}/console-insights.png`, fullPage: true });

    // The period selector: the records of 20 and 60 days ago come in.
    await dashboardOf(page, '*', 30);
    expect(await figure(page, 'questions')).toBe(7);
    expect(await figure(page, 'answered')).toBe(4);
    let now = await charts(page);
    expect(byKey(now['chart-outcomes'], 'answered')).toHaveLength(30);
    expect(sum(byKey(now['chart-outcomes'], 'answered'))).toBe(4);
    await dashboardOf(page, '*', 90);
    expect(await figure(page, 'questions')).toBe(8);
    now = await charts(page);
    expect(sum(byKey(now['chart-outcomes'], 'answered'))).toBe(5);
    expect(sum(byKey(now['chart-usage'], 'tokens'))).toBe(tokens + 2 * (recent[0]?.usage?.totalTokens ?? 0));

    // The space selector: apparel has one answered question with one 👎.
    await dashboardOf(page, 'apparel', 7);
    expect(await figure(page, 'questions')).toBe(1);
    expect(await figure(page, 'answered')).toBe(1);
    expect(await figure(page, 'thumbs-down')).toBe(1);
    expect(await figure(page, 'handoffs-claimed')).toBe(0);
    now = await charts(page);
    expect(now['chart-reasons']?.labels).toEqual([hostileKey]);
    expect(byKey(now['chart-feedback'], 'feedback')).toEqual([0, 1]);
    expect(sum(byKey(now['chart-usage'], 'tokens'))).toBe(recent[5]?.usage?.totalTokens);
    await dashboardOf(page, 'default', 7);
    expect(await figure(page, 'questions')).toBe(5);
    expect(await figure(page, 'handoffs-resolved')).toBe(1);

    // A reload keeps the tab (URL hash).
    await page.reload();
    await page.locator('#insights-panel[data-state="ready"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('tab-insights').getAttribute('aria-selected')).toBe('true');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('review queue: 👎 items with reason, question, answer and sources; saving one answers the next ask; saved answers edited and deleted', async () => {
    const { page, errors } = await signedIn();
    await page.getByTestId('tab-review').click();
    await page.locator('#review-panel[data-state="ready"]').waitFor({ timeout: 10_000 });

    const items = page.getByTestId('queue-item');
    expect(await items.count()).toBe(2);
    const payoutRecord = await record(ids.payout);
    const item = page.locator(`[data-testid="queue-item"][data-answer-id="${ids.payout}"]`);
    expect(await item.getAttribute('data-reviewed')).toBe('false');
    expect(await item.getByTestId('queue-reason').textContent()).toBe('👎 Outdated');
    expect(await item.getByTestId('queue-question').textContent()).toBe(Q.payout);
    expect(await item.getByTestId('queue-answer').textContent()).toBe(payoutRecord.answer);
    const sources = await item.getByTestId('queue-sources').locator('li').allTextContents();
    expect(sources).toHaveLength(payoutRecord.sources.length);
    for (const [i, s] of payoutRecord.sources.entries()) expect(sources[i]).toContain(s.source);
    // The hostile reason is text, never markup.
    const hostile = page.locator(`[data-testid="queue-item"][data-answer-id="${ids.apparel}"]`);
    expect(await hostile.getByTestId('queue-reason').textContent()).toBe(`👎 ${HOSTILE_REASON}`);
    expect(await page.locator('#review-panel img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // An empty answer is refused in the page.
    await item.getByTestId('queue-save').click();
    expect(await item.getByTestId('queue-item-status').textContent()).toMatch(/Write the right answer/);

    await item.getByTestId('queue-text').fill(RIGHT_ANSWER);
    await item.getByTestId('queue-save').click();
    await expect.poll(() => item.getAttribute('data-reviewed'), { timeout: 30_000 }).toBe('true');
    const status = (await page.locator('#queue-status').textContent()) ?? '';
    const file = /Saved as (\S+)\.$/.exec(status)?.[1] as string;
    expect(file).toMatch(/^default\/answers\/r_[\w-]+\.md$/);
    expect(fs.readFileSync(path.join(kb.knowledgeDir, file), 'utf8')).toContain('PAYOUT-7731');
    // Reviewed items sort after the ones still to review.
    expect(await items.first().getAttribute('data-answer-id')).toBe(ids.apparel);

    // The next ask of that question is answered from the saved answer, with no model call.
    const calls = fake.requests.length;
    const again = await ask(Q.payout);
    expect(again.text()).toContain('PAYOUT-7731');
    expect((await record(again.done().answerId as string)).via).toBe('annotation');
    expect(fake.requests.length).toBe(calls);

    // Saved answers: edit in the page.
    const saved = page.locator(`[data-testid="saved-answer"][data-file="${file}"]`);
    await saved.waitFor({ timeout: 5000 });
    expect(await saved.getByTestId('saved-question').textContent()).toBe(Q.payout);
    expect(await saved.getByTestId('saved-text').inputValue()).toContain('PAYOUT-7731');
    await saved.getByTestId('saved-text').fill(EDITED_ANSWER);
    await saved.getByTestId('saved-update').click();
    await expect
      .poll(() => page.locator('#queue-status').textContent(), { timeout: 30_000 })
      .toBe(`Saved ${file}.`);
    expect(fs.readFileSync(path.join(kb.knowledgeDir, file), 'utf8')).toContain('PAYOUT-8842');
    expect(await saved.getByTestId('saved-text').inputValue()).toContain('PAYOUT-8842');
    const edited = await ask(Q.payout);
    expect(edited.text()).toContain('PAYOUT-8842');
    await page.screenshot({ path: `${SHOTS}/console-review.png`, fullPage: true });

    // Delete takes a confirmation; cancel first, then confirm.
    await saved.getByTestId('saved-delete').click();
    await saved.getByTestId('saved-delete-cancel').click();
    expect(fs.existsSync(path.join(kb.knowledgeDir, file))).toBe(true);
    await saved.getByTestId('saved-delete').click();
    await saved.getByTestId('saved-delete-confirm').click();
    await expect.poll(() => saved.count(), { timeout: 30_000 }).toBe(0);
    expect(fs.existsSync(path.join(kb.knowledgeDir, file))).toBe(false);
    const after = await ask(Q.payout);
    expect(after.text()).not.toContain('PAYOUT-8842');
    expect((await record(after.done().answerId as string)).via).not.toBe('annotation');

    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('export: the CSV downloaded from the page has one row per record of the space and period; raw needs a confirmation', async () => {
    const { page, errors } = await signedIn();
    await page.getByTestId('tab-export').click();
    await expect
      .poll(() => page.getByTestId('export-space').locator('option').allTextContents())
      .toContain('default');
    await page.getByTestId('export-space').selectOption('default');

    const grab = async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('export-download').click(),
      ]);
      const file = await download.path();
      return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
    };
    const csv = await grab();
    expect(csv.name).toBe('answers-default.csv');
    const rows = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
    // Every default-space record asked over HTTP (the 20- and 60-day-old ones are outside 7 days).
    expect(rows.map((r) => r.id)).toEqual(defaultIds);
    for (const row of rows) {
      const r = await record(row.id as string);
      expect(row.decision).toBe(r.decision);
      expect(row.via).toBe(r.via);
      expect(row.space).toBe('default');
      expect(row.feedback).toBe(r.feedback?.rating ?? '');
      expect(Number(row.tokens)).toBe(r.usage?.totalTokens ?? 0);
    }
    const returns = rows.find((r) => r.id === ids.returns);
    expect(returns?.question).not.toContain(EMAIL);
    expect(returns?.question).toContain('What is the return window for home goods?');
    expect(await page.getByTestId('export-status').textContent()).toMatch(/^Downloaded answers-default\.csv/);

    // JSONL: the same records.
    await page.getByTestId('export-format').selectOption('jsonl');
    const jsonl = await grab();
    expect(jsonl.name).toBe('answers-default.jsonl');
    expect(
      jsonl.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(defaultIds);

    // Conversations: one row per conversation, its answer records as turns.
    await page.getByTestId('export-kind').selectOption('conversations');
    const convs = await grab();
    expect(convs.name).toBe('conversations-default.jsonl');
    const byConversation = new Map<string, string[]>();
    for (const id of defaultIds) {
      const r = await record(id);
      byConversation.set(r.conversationKey, [...(byConversation.get(r.conversationKey) ?? []), id]);
    }
    const convLines = convs.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { conversationKey: string; turns: Array<{ answerId: string }> });
    expect(new Map(convLines.map((c) => [c.conversationKey, c.turns.map((t) => t.answerId)]))).toEqual(
      byConversation,
    );
    await page.getByTestId('export-kind').selectOption('answers');

    // Raw: the button stays disabled until the confirmation is ticked; then the email is there.
    await page.getByTestId('export-format').selectOption('csv');
    await page.getByTestId('export-raw').check();
    expect(await page.getByTestId('export-download').isDisabled()).toBe(true);
    await page.getByTestId('export-raw-confirm').check();
    expect(await page.getByTestId('export-download').isDisabled()).toBe(false);
    const raw = await grab();
    const rawRows = parse(raw.text, { columns: true }) as Array<Record<string, string>>;
    expect(rawRows.find((r) => r.id === ids.returns)?.question).toBe(Q.returns);
    // Unticking raw clears the confirmation, so the next raw export asks again.
    await page.getByTestId('export-raw').uncheck();
    expect(await page.getByTestId('export-raw-confirm').isChecked()).toBe(false);

    // The apparel space, over the last 90 days: its one record.
    await page.getByTestId('export-space').selectOption('apparel');
    await page.getByRole('button', { name: 'Last 90 days' }).click();
    const apparel = parse((await grab()).text, { columns: true }) as Array<Record<string, string>>;
    expect(apparel.map((r) => r.id)).toEqual([ids.apparel]);
    await page.screenshot({ path: `${SHOTS}/console-export.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the gaps tab: gaps.js unhides its button, and it is switched like the others', async () => {
    const { page, errors } = await signedIn();
    await expect.poll(() => page.getByTestId('tab-gaps').isVisible(), { timeout: 5000 }).toBe(true);
    expect(await page.locator('#gaps-panel').isHidden()).toBe(true);
    await page.evaluate(() => {
      const w = window as unknown as { tabsSeen: string[] };
      w.tabsSeen = [];
      document.addEventListener('console:tab', (e) => w.tabsSeen.push((e as CustomEvent).detail.tab));
    });
    await page.getByTestId('tab-gaps').click();
    await expect.poll(() => page.getByTestId('gaps-panel').isVisible(), { timeout: 5000 }).toBe(true);
    await expect.poll(() => page.getByTestId('gaps-summary').textContent(), { timeout: 5000 }).not.toBe('');
    for (const other of ['handoffs', 'insights', 'review', 'export'])
      expect(await page.locator(`#${other}-panel`).isHidden(), other).toBe(true);
    expect(await page.getByTestId('tab-gaps').getAttribute('aria-selected')).toBe('true');
    expect(page.url()).toMatch(/#gaps$/);
    await page.getByTestId('tab-handoffs').click();
    expect(await page.evaluate(() => (window as unknown as { tabsSeen: string[] }).tabsSeen)).toEqual([
      'gaps',
      'handoffs',
    ]);
    expect(await page.locator('#gaps-panel').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('without a valid token nothing but the sign-in form is shown', async () => {
    const page = await browser.newPage();
    await page.goto(`${run.url}/console#insights`);
    await page.getByTestId('console-token').fill('not-the-token');
    await page.getByTestId('console-agent').fill('Eve');
    await page.getByTestId('console-signin').click();
    await expect.poll(() => page.locator('#banner').textContent(), { timeout: 5000 }).toMatch(/not accepted/);
    expect(await page.locator('#tabs').isHidden()).toBe(true);
    for (const panel of ['handoffs', 'insights', 'review', 'export', 'gaps'])
      expect(await page.locator(`#${panel}-panel`).isHidden(), panel).toBe(true);
    expect(await page.locator('[data-testid="fig-questions"]').count()).toBe(0);
    await page.close();
  });
});
