import { consoleApi, fillSpaces, insightSpaces } from './console-api.js';
import { h } from './render.js';

/**
 * The Insights tab: figures and charts of GET /api/console/insights/dashboard for a space ('*' =
 * all) and a period (7/30/90 days). Charts are Chart.js (the UMD build served at
 * /vendor/chart.umd.js, global `Chart`); each canvas keeps its chart, so `Chart.getChart(canvas)`
 * returns what is drawn. Data values are the API's raw numbers (counts, ms, tokens, USD); only
 * axis ticks and tooltips are formatted.
 *
 * `#insights-panel` gets `data-loaded="<space>:<period>"` once the figures and charts of that
 * choice are drawn (`data-state` is loading / ready / error).
 */

/** @typedef {'answered' | 'clarified' | 'escalated' | 'saved' | 'cache'} Category */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const panel = $('insights-panel');
const spaceSelect = /** @type {HTMLSelectElement} */ ($('insights-space'));
const periodSelect = /** @type {HTMLSelectElement} */ ($('insights-period'));
const status = $('insights-status');
const figures = $('insights-figures');

/** @type {Array<[Category, string, string]>} key, label, colour */
const CATEGORIES = [
  ['answered', 'Answered', '#4f46e5'],
  ['clarified', 'Clarified', '#0ea5e9'],
  ['escalated', 'Escalated', '#f97316'],
  ['saved', 'From saved answer', '#16a34a'],
  ['cache', 'From cache', '#a3a3a3'],
];
const UP = '#16a34a';
const DOWN = '#dc2626';
const P50 = '#4f46e5';
const P95 = '#f59e0b';

const count = new Intl.NumberFormat('en');
const usd = new Intl.NumberFormat('en', { style: 'currency', currency: 'USD', maximumFractionDigits: 4 });

/** @param {number | null} rate */
const percent = (rate) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10} %`);

/** "850 ms", "2.4 s", "3.5 min", "1.2 h"; '—' when unknown. @param {number | null} ms */
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

let loaded = false;
let seq = 0;

/** @returns {any} the UMD Chart constructor */
function ChartJs() {
  return /** @type {any} */ (window).Chart;
}

/**
 * One figure card: label, shown value, an optional line below; `data-value` holds the raw number
 * ('' when there is none) for scripts and tests.
 * @param {string} key @param {string} label @param {string} shown @param {number | null} raw @param {string} [sub]
 */
function figure(key, label, shown, raw, sub) {
  const el = h('div', 'figure');
  el.dataset.testid = `fig-${key}`;
  el.dataset.value = raw === null ? '' : String(raw);
  const value = h('strong', 'figure-value', shown);
  el.append(h('span', 'figure-label', label), value);
  if (sub) el.append(h('span', 'figure-sub', sub));
  return el;
}

/** @param {any} d the dashboard */
function renderFigures(d) {
  const t = d.totals;
  const hs = d.handoff;
  const byCat = /** @type {Record<Category, number>} */ (t.byCategory);
  figures.replaceChildren(
    figure('questions', 'Questions', count.format(t.questions), t.questions, `last ${d.period} days`),
    figure(
      'automated',
      'Automated resolution',
      percent(t.automatedRate),
      t.automatedRate,
      'answered, saved answer or cache',
    ),
    ...CATEGORIES.map(([key, label]) => figure(key, label, count.format(byCat[key] ?? 0), byCat[key] ?? 0)),
    figure(
      'thumbs-up-rate',
      '👍 rate (helpful)',
      percent(t.thumbsUpRate),
      t.thumbsUpRate,
      'of rated answers',
    ),
    figure('thumbs-up', '👍 Helpful', count.format(t.thumbsUp), t.thumbsUp),
    figure('thumbs-down', '👎 Not helpful', count.format(t.thumbsDown), t.thumbsDown),
    figure('ttft-p50', 'First token p50', duration(d.ttftMs.p50), d.ttftMs.p50),
    figure('ttft-p95', 'First token p95', duration(d.ttftMs.p95), d.ttftMs.p95),
    figure('tokens', 'Tokens', count.format(t.tokens), t.tokens),
    figure('cost', 'Cost', usd.format(t.costUsd), t.costUsd),
    figure('handoffs-claimed', 'Handoffs claimed', count.format(hs.claimed), hs.claimed),
    figure('handoffs-resolved', 'Handoffs resolved', count.format(hs.resolved), hs.resolved),
    figure(
      'claim-p50',
      'Time to claim p50',
      duration(hs.claimMs.p50),
      hs.claimMs.p50,
      `p95 ${duration(hs.claimMs.p95)}`,
    ),
    figure(
      'resolve-p50',
      'Time to resolve p50',
      duration(hs.resolveMs.p50),
      hs.resolveMs.p50,
      `p95 ${duration(hs.resolveMs.p95)}`,
    ),
  );
}

/**
 * Draws (or redraws) the chart of a canvas. Animation is off: figures change on a click and the
 * chart must show them at once.
 * @param {string} id @param {any} config
 */
function draw(id, config) {
  const Chart = ChartJs();
  const canvas = /** @type {HTMLCanvasElement} */ ($(id));
  Chart.getChart(canvas)?.destroy();
  return new Chart(canvas, {
    ...config,
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      ...config.options,
      plugins: { legend: { position: 'bottom' }, ...config.options?.plugins },
    },
  });
}

/** Short day labels ("Dec 5") for the ISO days of the period. @param {string[]} days */
function dayLabels(days) {
  const fmt = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return days.map((d) => fmt.format(new Date(`${d}T00:00:00Z`)));
}

/** @param {number} ms */
const msTick = (ms) => duration(ms);

/** @param {any} d the dashboard */
function renderCharts(d) {
  const labels = dayLabels(d.days);
  const t = d.totals;

  draw('chart-outcomes', {
    type: 'bar',
    data: {
      labels,
      datasets: CATEGORIES.map(([key, label, color]) => ({
        key,
        label,
        data: d.perDay[key],
        backgroundColor: color,
        stack: 'q',
      })),
    },
    options: {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });

  // Per day: (answered + saved + cache) / questions of that day; no point on a day without questions.
  const automated = d.days.map((/** @type {string} */ _day, /** @type {number} */ i) => {
    const total = CATEGORIES.reduce((sum, [key]) => sum + (d.perDay[key][i] ?? 0), 0);
    const auto = d.perDay.answered[i] + d.perDay.saved[i] + d.perDay.cache[i];
    return total ? auto / total : null;
  });
  draw('chart-automated', {
    type: 'line',
    data: {
      labels,
      datasets: [
        {
          key: 'automated',
          label: `Automated resolution (period: ${percent(t.automatedRate)})`,
          data: automated,
          borderColor: '#4f46e5',
          backgroundColor: '#4f46e5',
          spanGaps: true,
        },
      ],
    },
    options: {
      scales: {
        y: { min: 0, max: 1, ticks: { callback: (/** @type {number} */ v) => percent(v) } },
      },
      plugins: {
        tooltip: { callbacks: { label: (/** @type {any} */ c) => percent(c.parsed.y) } },
      },
    },
  });

  draw('chart-feedback', {
    type: 'doughnut',
    data: {
      labels: ['👍 Helpful', '👎 Not helpful'],
      datasets: [
        { key: 'feedback', label: 'Ratings', data: [t.thumbsUp, t.thumbsDown], backgroundColor: [UP, DOWN] },
      ],
    },
  });

  const reasons = Object.entries(/** @type {Record<string, number>} */ (t.downReasons)).sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );
  draw('chart-reasons', {
    type: 'bar',
    data: {
      labels: reasons.map(([r]) => r),
      datasets: [
        {
          key: 'reasons',
          label: '👎 with this reason',
          data: reasons.map(([, n]) => n),
          backgroundColor: DOWN,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: false } },
    },
  });

  draw('chart-ttft', {
    type: 'bar',
    data: {
      labels: ['Time to first token'],
      datasets: [
        { key: 'p50', label: 'p50', data: [d.ttftMs.p50], backgroundColor: P50 },
        { key: 'p95', label: 'p95', data: [d.ttftMs.p95], backgroundColor: P95 },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { callback: msTick } } } },
  });

  draw('chart-usage', {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          key: 'tokens',
          label: 'Tokens',
          data: d.tokensPerDay,
          backgroundColor: '#818cf8',
          yAxisID: 'y',
          order: 2,
        },
        {
          key: 'cost',
          label: 'Cost (USD)',
          type: 'line',
          data: d.costPerDay,
          borderColor: '#f59e0b',
          backgroundColor: '#f59e0b',
          yAxisID: 'y1',
          order: 1,
        },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, position: 'left', title: { display: true, text: 'tokens' } },
        y1: {
          beginAtZero: true,
          position: 'right',
          grid: { drawOnChartArea: false },
          title: { display: true, text: 'USD' },
        },
      },
    },
  });

  const hs = d.handoff;
  draw('chart-handoffs', {
    type: 'bar',
    data: {
      labels: [`Time to claim (${hs.claimed})`, `Time to resolve (${hs.resolved})`],
      datasets: [
        { key: 'p50', label: 'p50', data: [hs.claimMs.p50, hs.resolveMs.p50], backgroundColor: P50 },
        { key: 'p95', label: 'p95', data: [hs.claimMs.p95, hs.resolveMs.p95], backgroundColor: P95 },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { callback: msTick } } } },
  });
}

async function load() {
  const mine = ++seq;
  const space = spaceSelect.value || '*';
  const period = periodSelect.value;
  panel.dataset.state = 'loading';
  status.classList.remove('error');
  status.textContent = 'Loading…';
  try {
    if (!ChartJs()) throw new Error('charts');
    if (!loaded) {
      fillSpaces(spaceSelect, await insightSpaces());
      loaded = true;
    }
    const res = await consoleApi(
      `/insights/dashboard?space=${encodeURIComponent(space)}&period=${encodeURIComponent(period)}`,
    );
    if (mine !== seq) return;
    if (!res.ok) {
      panel.dataset.state = 'error';
      status.classList.add('error');
      status.textContent = res.data?.error?.message ?? `Could not load the figures (${res.status}).`;
      return;
    }
    renderFigures(res.data);
    renderCharts(res.data);
    panel.dataset.loaded = `${space}:${period}`;
    panel.dataset.state = 'ready';
    status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (mine !== seq) return;
    panel.dataset.state = 'error';
    status.classList.add('error');
    status.textContent =
      err instanceof Error && err.message === 'charts'
        ? 'The chart library did not load; reload the page.'
        : 'Could not reach the server.';
  }
}

spaceSelect.addEventListener('change', () => load());
periodSelect.addEventListener('change', () => load());
$('insights-refresh').addEventListener('click', () => {
  loaded = false; // new spaces may have appeared
  load();
});
document.addEventListener('console:tab', (e) => {
  if (/** @type {CustomEvent<{ tab: string }>} */ (e).detail.tab === 'insights') load();
});
document.addEventListener('console:signout', () => {
  loaded = false;
  seq++;
  figures.replaceChildren();
  delete panel.dataset.loaded;
});
