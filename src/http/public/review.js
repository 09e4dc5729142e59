import { agentName, consoleApi, fillSpaces, insightSpaces } from './console-api.js';
import { h } from './render.js';

/**
 * The Review queue tab:
 *   - 👎 answers of a space and period (GET /api/console/insights/review) with the reason, the
 *     question, the answer and its sources; the admin writes the right answer, which is saved as
 *     knowledge (POST /review/<answerId>, the same save path as handoff replies) and the item is
 *     marked reviewed;
 *   - saved answers (GET/PUT/DELETE /saved-answers): edit the text, or delete after a confirmation.
 * All text from records and files is set with textContent (h()), never innerHTML.
 * `#review-panel` gets `data-state="ready"` once both lists are shown.
 */

const DAY_MS = 86_400_000;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const panel = $('review-panel');
const spaceSelect = /** @type {HTMLSelectElement} */ ($('queue-space'));
const periodSelect = /** @type {HTMLSelectElement} */ ($('queue-period'));
const status = $('queue-status');
const queueList = $('queue-list');
const savedList = $('saved-list');

let spacesLoaded = false;
let seq = 0;
/** Text typed so far per item ('q:<answerId>', 'qq:<answerId>', 's:<file>'), kept across reloads. */
const drafts = new Map();

/**
 * Fills a field from its draft (or `initial`) and remembers what is typed.
 * @param {HTMLInputElement | HTMLTextAreaElement} field @param {string} key @param {string} initial
 */
function keepDraft(field, key, initial) {
  field.value = drafts.get(key) ?? initial;
  field.addEventListener('input', () => drafts.set(key, field.value));
}

/** @param {string} text @param {string} cls @param {string} testid */
function button(text, cls, testid) {
  const b = /** @type {HTMLButtonElement} */ (h('button', cls, text));
  b.type = 'button';
  b.dataset.testid = testid;
  return b;
}

/** @param {string} title @param {Node | string} content @param {string} testid */
function block(title, content, testid) {
  const el = h('div', 'block');
  const body = typeof content === 'string' ? h('div', '', content) : content;
  if (body instanceof HTMLElement) body.dataset.testid = testid;
  el.append(h('h4', '', title), body);
  return el;
}

/** @param {HTMLElement} el @param {string} text @param {boolean} [error] */
function tell(el, text, error = false) {
  el.textContent = text;
  el.classList.toggle('error', error);
}

/** @param {any} item a review item */
function renderItem(item) {
  const el = h('article', 'ticket queue-item');
  el.dataset.testid = 'queue-item';
  el.dataset.answerId = item.answerId;
  el.dataset.reviewed = String(item.reviewed);

  const head = h('div', 'ticket-head');
  head.append(
    h('span', `badge ${item.reviewed ? 'resolved' : 'claimed'}`, item.reviewed ? 'reviewed' : 'to review'),
    `${item.space} · ${new Date(item.createdAt).toLocaleString()}`,
  );
  const reason = h('p', 'queue-reason', `👎 ${item.reason || 'no reason given'}`);
  reason.dataset.testid = 'queue-reason';
  const question = h('h3', '', item.question);
  question.dataset.testid = 'queue-question';
  el.append(head, question, reason, block('Answer given', item.answer, 'queue-answer'));

  const ol = h('ol');
  for (const s of item.sources ?? []) {
    ol.append(h('li', '', s.title && s.title !== s.source ? `${s.title} (${s.source})` : s.source));
  }
  if (!item.sources?.length) ol.append(h('li', 'muted', 'no sources'));
  el.append(block('Sources', ol, 'queue-sources'));

  const state = h('span', 'ticket-status');
  state.setAttribute('role', 'status');
  state.dataset.testid = 'queue-item-status';
  if (item.reviewed) {
    el.append(h('p', 'meta-line', 'Reviewed: the right answer is in Saved answers below.'), state);
    return el;
  }

  const form = h('div', 'reply');
  const qLabel = h('label', 'field');
  const qInput = /** @type {HTMLInputElement} */ (h('input'));
  qInput.type = 'text';
  qInput.maxLength = 2000;
  keepDraft(qInput, `qq:${item.answerId}`, item.question);
  qInput.dataset.testid = 'queue-question-input';
  qLabel.append(h('span', '', 'Save for the question'), qInput);
  const tLabel = h('label', 'field');
  const text = /** @type {HTMLTextAreaElement} */ (h('textarea'));
  text.maxLength = 8000;
  text.dataset.testid = 'queue-text';
  keepDraft(text, `q:${item.answerId}`, '');
  tLabel.append(h('span', '', 'The right answer'), text);
  const save = button('Save as knowledge', 'primary small', 'queue-save');
  save.addEventListener('click', async () => {
    if (!text.value.trim()) {
      tell(state, 'Write the right answer first.', true);
      return;
    }
    save.disabled = true;
    tell(state, 'Saving and reindexing…');
    try {
      const res = await consoleApi(`/insights/review/${encodeURIComponent(item.answerId)}`, {
        body: { text: text.value, question: qInput.value, agent: agentName() },
      });
      if (!res.ok) {
        tell(state, res.data?.error?.message ?? `Failed (${res.status}).`, true);
        return;
      }
      tell(status, `Saved as ${res.data.saved.file}.`);
      drafts.delete(`q:${item.answerId}`);
      drafts.delete(`qq:${item.answerId}`);
      await load();
    } catch {
      tell(state, 'Could not reach the server.', true);
    } finally {
      save.disabled = false;
    }
  });
  const row = h('div', 'row');
  row.append(state, save);
  form.append(qLabel, tLabel, row);
  el.append(form);
  return el;
}

/** @param {any} a a saved answer file */
function renderSaved(a) {
  const el = h('article', 'ticket saved-answer');
  el.dataset.testid = 'saved-answer';
  el.dataset.file = a.file;
  const head = h('div', 'ticket-head');
  head.append(h('span', 'badge', a.space), h('code', '', a.file));
  if (a.answeredBy) head.append(` · ${a.answeredBy}`);
  if (a.answeredAt) head.append(` · ${new Date(a.answeredAt).toLocaleString()}`);
  const question = h('h3', '', a.question || '(no question)');
  question.dataset.testid = 'saved-question';

  const text = /** @type {HTMLTextAreaElement} */ (h('textarea'));
  text.maxLength = 8000;
  keepDraft(text, `s:${a.file}`, a.answer);
  text.dataset.testid = 'saved-text';
  text.setAttribute('aria-label', 'Saved answer text');
  const state = h('span', 'ticket-status');
  state.setAttribute('role', 'status');
  state.dataset.testid = 'saved-status';

  const update = button('Save changes', 'primary small', 'saved-update');
  update.addEventListener('click', async () => {
    if (!text.value.trim()) {
      tell(state, 'The answer cannot be empty; delete it instead.', true);
      return;
    }
    update.disabled = true;
    tell(state, 'Saving and reindexing…');
    try {
      const res = await consoleApi('/insights/saved-answers', {
        method: 'PUT',
        body: { file: a.file, text: text.value, agent: agentName() },
      });
      if (!res.ok) tell(state, res.data?.error?.message ?? `Failed (${res.status}).`, true);
      else {
        // Reloaded: the file holds the scrubbed text, which is what the copilot answers with.
        drafts.delete(`s:${a.file}`);
        tell(status, `Saved ${a.file}.`);
        await load();
      }
    } catch {
      tell(state, 'Could not reach the server.', true);
    } finally {
      update.disabled = false;
    }
  });

  // Deleting takes two clicks: Delete, then "Yes, delete".
  const del = button('Delete', 'ghost small', 'saved-delete');
  const confirm = button('Yes, delete', 'danger small', 'saved-delete-confirm');
  const cancel = button('Cancel', 'ghost small', 'saved-delete-cancel');
  confirm.hidden = true;
  cancel.hidden = true;
  const asking = (/** @type {boolean} */ on) => {
    del.hidden = on;
    confirm.hidden = !on;
    cancel.hidden = !on;
    tell(state, on ? 'Delete this answer? The copilot stops using it.' : '');
  };
  del.addEventListener('click', () => asking(true));
  cancel.addEventListener('click', () => asking(false));
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    tell(state, 'Deleting and reindexing…');
    try {
      const res = await consoleApi(`/insights/saved-answers?file=${encodeURIComponent(a.file)}`, {
        method: 'DELETE',
      });
      if (!res.ok) {
        tell(state, res.data?.error?.message ?? `Failed (${res.status}).`, true);
        return;
      }
      tell(status, `Deleted ${a.file}.`);
      drafts.delete(`s:${a.file}`);
      await load();
    } catch {
      tell(state, 'Could not reach the server.', true);
    } finally {
      confirm.disabled = false;
    }
  });

  const row = h('div', 'row');
  const buttons = h('div', 'ticket-actions');
  buttons.append(del, confirm, cancel, update);
  row.append(state, buttons);
  const form = h('div', 'reply');
  form.append(text, row);
  el.append(head, question, form);
  return el;
}

async function load() {
  const mine = ++seq;
  panel.dataset.state = 'loading';
  try {
    if (!spacesLoaded) {
      fillSpaces(spaceSelect, await insightSpaces());
      spacesLoaded = true;
    }
    const from = Date.now() - Number(periodSelect.value) * DAY_MS;
    const [queue, saved] = await Promise.all([
      consoleApi(`/insights/review?space=${encodeURIComponent(spaceSelect.value || '*')}&from=${from}`),
      consoleApi('/insights/saved-answers'),
    ]);
    if (mine !== seq) return;
    if (!queue.ok || !saved.ok) {
      panel.dataset.state = 'error';
      const failed = queue.ok ? saved : queue;
      tell(status, failed.data?.error?.message ?? `Could not load the queue (${failed.status}).`, true);
      return;
    }
    const items = Array.isArray(queue.data.items) ? queue.data.items : [];
    const answers = Array.isArray(saved.data.answers) ? saved.data.answers : [];
    queueList.replaceChildren(...items.map(renderItem));
    $('queue-empty').hidden = items.length > 0;
    savedList.replaceChildren(...answers.map(renderSaved));
    $('saved-empty').hidden = answers.length > 0;
    panel.dataset.state = 'ready';
    if (status.classList.contains('error')) tell(status, '');
  } catch {
    if (mine !== seq) return;
    panel.dataset.state = 'error';
    tell(status, 'Could not reach the server.', true);
  }
}

spaceSelect.addEventListener('change', () => load());
periodSelect.addEventListener('change', () => load());
$('queue-refresh').addEventListener('click', () => {
  spacesLoaded = false;
  tell(status, '');
  load();
});
document.addEventListener('console:tab', (e) => {
  if (/** @type {CustomEvent<{ tab: string }>} */ (e).detail.tab === 'review') load();
});
document.addEventListener('console:signout', () => {
  spacesLoaded = false;
  seq++;
  drafts.clear();
  queueList.replaceChildren();
  savedList.replaceChildren();
  tell(status, '');
});
