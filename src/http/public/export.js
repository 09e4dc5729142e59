import { consoleDownload, fillSpaces, insightSpaces } from './console-api.js';

/**
 * The Export tab: answer records, or the conversations they belong to, of a space and a period as
 * CSV or JSONL
 * (GET /api/console/insights/export). Personal data is scrubbed unless "Raw" is ticked, and a raw
 * export also needs the confirmation box ticked; the download button stays disabled until then.
 * Days are UTC, both ends included, as on the dashboard.
 */

const DAY_MS = 86_400_000;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const form = /** @type {HTMLFormElement} */ ($('export-form'));
const space = /** @type {HTMLSelectElement} */ ($('export-space'));
const from = /** @type {HTMLInputElement} */ ($('export-from'));
const to = /** @type {HTMLInputElement} */ ($('export-to'));
const format = /** @type {HTMLSelectElement} */ ($('export-format'));
const kind = /** @type {HTMLSelectElement} */ ($('export-kind'));
const raw = /** @type {HTMLInputElement} */ ($('export-raw'));
const confirmRaw = /** @type {HTMLInputElement} */ ($('export-raw-confirm'));
const download = /** @type {HTMLButtonElement} */ ($('export-download'));
const status = $('export-status');

let spacesLoaded = false;

/** @param {number} at */
const utcDay = (at) => new Date(at).toISOString().slice(0, 10);

/** The last `days` UTC days, today included. @param {number} days */
function setPeriod(days) {
  const now = Date.now();
  from.value = utcDay(now - (days - 1) * DAY_MS);
  to.value = utcDay(now);
}

function syncRaw() {
  $('export-raw-warning').hidden = !raw.checked;
  if (!raw.checked) confirmRaw.checked = false;
  download.disabled = raw.checked && !confirmRaw.checked;
}

/** @param {string} text @param {boolean} [error] */
function tell(text, error = false) {
  status.textContent = text;
  status.classList.toggle('error', error);
}

async function submit() {
  if (raw.checked && !confirmRaw.checked) {
    tell('Confirm the raw export first.', true);
    return;
  }
  if (!from.value || !to.value || from.value > to.value) {
    tell('Pick a period: "from" on or before "to".', true);
    return;
  }
  const q = new URLSearchParams({
    space: space.value || '*',
    from: `${from.value}T00:00:00.000Z`,
    to: `${to.value}T23:59:59.999Z`,
    format: format.value,
    kind: kind.value,
  });
  if (raw.checked) q.set('raw', 'true');
  download.disabled = true;
  tell('Preparing…');
  try {
    const res = await consoleDownload(`/insights/export?${q}`);
    if (!res.ok) tell(res.message, true);
    else
      tell(
        `Downloaded ${res.filename} (${res.bytes.toLocaleString('en')} bytes${raw.checked ? ', raw' : ''}).`,
      );
  } catch {
    tell('Could not reach the server.', true);
  } finally {
    syncRaw();
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
raw.addEventListener('change', syncRaw);
confirmRaw.addEventListener('change', syncRaw);
for (const b of form.querySelectorAll('button[data-days]')) {
  b.addEventListener('click', () => setPeriod(Number(/** @type {HTMLElement} */ (b).dataset.days)));
}

document.addEventListener('console:tab', async (e) => {
  if (/** @type {CustomEvent<{ tab: string }>} */ (e).detail.tab !== 'export') return;
  if (!from.value || !to.value) setPeriod(7);
  if (!spacesLoaded) {
    spacesLoaded = true;
    try {
      fillSpaces(space, await insightSpaces());
    } catch {
      spacesLoaded = false;
    }
  }
});
document.addEventListener('console:signout', () => {
  spacesLoaded = false;
  raw.checked = false;
  syncRaw();
  tell('');
});
syncRaw();
