import { AGENT_KEY, agentName, consoleApi, local, session, TOKEN_KEY } from './console-api.js';
import { h, updatedAgo } from './render.js';
import './tabs.js';

/**
 * The agent console: sign-in, and the Handoffs tab: lists handoff tickets from /api/console/* and
 * lets a teammate claim, reply (optionally saving the reply as knowledge) and resolve. Every text
 * from a ticket goes through textContent (h()), never innerHTML: questions and replies are user input.
 * The other tabs live in their own modules (insights.js, review.js, export.js; tabs.js switches).
 * Sign-in and sign-out are announced on `document` as `console:signin` / `console:signout`.
 */

const POLL_MS = 4000;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const list = $('tickets');
const banner = $('banner');
const signin = /** @type {HTMLFormElement} */ ($('signin'));
const filter = /** @type {HTMLSelectElement} */ ($('filter'));

/** Per ticket: its element, the version shown, and the reply typed so far (kept across refreshes). */
/** @type {Map<string, { el: HTMLElement, updatedAt: number, draft: string | null, save: boolean }>} */
const shown = new Map();
/** @type {ReturnType<typeof setTimeout> | null} */
let timer = null;

/** @param {string} text @param {boolean} [ok] */
function say(text, ok = false) {
  banner.textContent = text;
  banner.classList.toggle('ok', ok);
  banner.hidden = !text;
}

/**
 * Calls the console API with the token (GET, or POST with a body). A 401 sends the user back to
 * sign in (console:unauthorized, below).
 * @param {string} path
 * @param {unknown} [body]
 */
function api(path, body) {
  return consoleApi(path, body === undefined ? {} : { body });
}

/** @param {string} [message] */
function showSignin(message) {
  stopPolling();
  signin.hidden = false;
  $('controls').hidden = true;
  list.replaceChildren();
  $('review').hidden = true;
  shown.clear();
  $('empty').hidden = true;
  document.dispatchEvent(new CustomEvent('console:signout'));
  say(message ?? '');
  /** @type {HTMLInputElement} */ ($('agent')).value = local.get(AGENT_KEY) ?? '';
  /** @type {HTMLInputElement} */ ($('token')).focus();
}

/** @param {number} at */
function ago(at) {
  const s = Math.max(0, Math.round((Date.now() - at) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(at).toLocaleString();
}

/** Only http(s) links become anchors: a ticket field must never become a javascript: URL. */
function safeLink(/** @type {string | undefined} */ url) {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    const a = /** @type {HTMLAnchorElement} */ (h('a', '', 'open thread'));
    a.href = u.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  } catch {
    return null;
  }
}

/** @param {string} title @param {Node | string} content */
function block(title, content) {
  const el = h('div', 'block');
  el.append(h('h4', '', title), content);
  return el;
}

/** @param {any} t */
function renderTicket(t) {
  const prev = shown.get(t.id);
  const el = h('article', 'ticket');
  el.dataset.testid = 'ticket';
  el.dataset.id = t.id;
  el.dataset.status = t.status;

  const head = h('div', 'ticket-head');
  head.append(h('span', `badge ${t.status}`, t.status));
  head.append(`${t.reason} · ${t.space} · ${t.origin?.surface ?? ''} · ${ago(t.createdAt)}`);
  if (t.assignee) head.append(` · ${t.assignee}`);
  const question = h('h3', '', t.question);
  question.dataset.testid = 'ticket-question';
  el.append(head, question);

  const who = h('p', 'meta-line', `Asked by ${t.asker ?? 'a web visitor'}`);
  const link = safeLink(t.origin?.link);
  if (link) who.append(' · ', link);
  el.append(who);

  if (t.cardError && !t.card) {
    const err = h('p', 'card-error', `Support card not posted: ${t.cardError}. Retrying automatically.`);
    err.dataset.testid = 'card-error';
    el.append(err);
  }
  if (t.relayError) {
    const err = h('p', 'card-error', `The last reply did not reach the asker: ${t.relayError}`);
    err.dataset.testid = 'relay-error';
    el.append(err);
  }
  if (t.draftAnswer) el.append(block('Draft answer', t.draftAnswer));
  if (t.sources?.length) {
    const ol = h('ol');
    for (const s of t.sources) ol.append(h('li', '', `${s.title || s.source} (${s.source})`));
    el.append(block('Sources', ol));
  }
  if (t.messages?.length) {
    const thread = h('div', 'thread');
    for (const m of t.messages) {
      const line = h('div', `line ${m.role}`);
      line.append(h('strong', '', m.role === 'agent' ? `${m.by}:` : 'Asker:'), m.text);
      thread.append(line);
    }
    el.append(block('Conversation', thread));
  }
  if (t.savedAnswer) el.append(h('p', 'meta-line', `Saved as ${t.savedAnswer}`));

  const status = h('span', 'ticket-status');
  status.setAttribute('role', 'status');
  status.dataset.testid = 'ticket-status';
  const active = t.status === 'open' || t.status === 'claimed';
  if (active) el.append(actions(t, status, prev));
  el.append(status);
  return el;
}

/**
 * Claim / resolve buttons and the reply form (prefilled from the draft).
 * @param {any} t @param {HTMLElement} status @param {{ draft: string | null, save: boolean } | undefined} prev
 */
function actions(t, status, prev) {
  const wrap = h('div', 'reply');
  const row = h('div', 'ticket-actions');
  const mine = t.assignee === agentName();
  if (t.status === 'open') {
    const claim = button('Claim', 'primary small', 'ticket-claim');
    claim.addEventListener('click', () => act(t.id, '/claim', {}, status, claim));
    row.append(claim);
  }
  const resolve = button('Resolve', 'ghost small', 'ticket-resolve');
  resolve.addEventListener('click', () => act(t.id, '/resolve', {}, status, resolve));
  row.append(resolve);
  if (t.status === 'claimed' && !mine)
    row.append(h('span', 'ticket-status', `${t.assignee} is answering this.`));

  const text = /** @type {HTMLTextAreaElement} */ (h('textarea'));
  text.dataset.testid = 'ticket-reply-text';
  text.setAttribute('aria-label', 'Reply to the asker');
  text.maxLength = 8000;
  // The bot's draft is a starting point for the first reply only.
  const replied = (t.messages ?? []).some((/** @type {any} */ m) => m.role === 'agent');
  text.value = prev?.draft ?? (replied ? '' : (t.draftAnswer ?? ''));
  const save = /** @type {HTMLInputElement} */ (h('input'));
  save.type = 'checkbox';
  save.dataset.testid = 'ticket-save';
  save.checked = prev?.save ?? false;
  const label = h('label', 'check');
  label.append(save, 'Save as answer for next time');
  const send = button('Send reply', 'primary small', 'ticket-reply-send');
  text.addEventListener('input', () => remember(t.id, text.value, save.checked));
  save.addEventListener('change', () => remember(t.id, text.value, save.checked));
  send.addEventListener('click', async () => {
    if (!text.value.trim()) {
      status.textContent = 'Write a reply first.';
      return;
    }
    // Once sent, the box starts empty (not the draft again) on the refreshed card.
    await act(t.id, '/reply', { text: text.value, save: save.checked }, status, send, () =>
      remember(t.id, '', false),
    );
  });
  const bottom = h('div', 'row');
  bottom.append(label, send);
  wrap.append(row, text, bottom);
  return wrap;
}

/** @param {string} id @param {string | null} draft @param {boolean} save */
function remember(id, draft, save) {
  const entry = shown.get(id);
  if (entry) Object.assign(entry, { draft, save });
}

/** @param {string} text @param {string} cls @param {string} testid */
function button(text, cls, testid) {
  const b = /** @type {HTMLButtonElement} */ (h('button', cls, text));
  b.type = 'button';
  b.dataset.testid = testid;
  return b;
}

/**
 * @param {string} id @param {string} path @param {Record<string, unknown>} body
 * @param {HTMLElement} status @param {HTMLButtonElement} btn @param {() => void} [onDone]
 */
async function act(id, path, body, status, btn, onDone) {
  btn.disabled = true;
  status.classList.remove('error');
  status.textContent = path === '/reply' && body.save ? 'Sending and saving…' : 'Working…';
  try {
    const res = await api(`/handoffs/${encodeURIComponent(id)}${path}`, { agent: agentName(), ...body });
    if (!res.ok) {
      status.classList.add('error');
      status.textContent = res.data?.error?.message ?? `Failed (${res.status}).`;
      return false;
    }
    if (res.data.relayError) say(`Your reply did not reach the asker: ${res.data.relayError}`);
    else if (res.data.saveError) say(`Reply sent, but not saved: ${res.data.saveError}`);
    else if (res.data.saved) say(`Reply sent and saved as ${res.data.saved.file}.`, true);
    onDone?.();
    await refresh();
    return true;
  } catch {
    status.classList.add('error');
    status.textContent = 'Could not reach the server.';
    return false;
  } finally {
    btn.disabled = false;
  }
}

/** Documents past review_after (GET /api/console/review-due); hidden when none. */
async function refreshReview() {
  const res = await api('/review-due');
  const docs = res.ok && Array.isArray(res.data.documents) ? res.data.documents : [];
  const ul = $('review-list');
  ul.replaceChildren(
    ...docs.map((/** @type {any} */ d) => {
      const li = h('li');
      li.dataset.testid = 'review-item';
      const due = `${d.overdueDays} day${d.overdueDays === 1 ? '' : 's'} past review`;
      const updated = updatedAgo(d.updatedAt, Date.now());
      li.append(
        h('strong', '', d.title || d.source),
        ` — ${d.space}/${d.source} · ${due}${updated ? ` · ${updated}` : ''}`,
      );
      return li;
    }),
  );
  $('review').hidden = docs.length === 0;
}

async function refresh() {
  stopPolling();
  refreshReview().catch(() => {});
  try {
    const res = await api(`/handoffs?status=${encodeURIComponent(filter.value)}`);
    if (!res.ok) {
      if (res.status !== 401 && res.status !== 404)
        say(res.data?.error?.message ?? 'Could not load tickets.');
      return;
    }
    render(res.data.tickets ?? []);
  } catch {
    say('Could not reach the server; retrying.');
  }
  timer = setTimeout(refresh, POLL_MS);
}

/** Re-renders only tickets that changed, so a reply being typed is never lost to a refresh. */
function render(/** @type {any[]} */ tickets) {
  const ids = new Set(tickets.map((t) => t.id));
  for (const [id, entry] of shown) {
    if (!ids.has(id)) {
      entry.el.remove();
      shown.delete(id);
    }
  }
  // Walk the list in order, moving elements only when out of place (a move would drop focus).
  let cursor = /** @type {Element | null} */ (list.firstElementChild);
  for (const t of tickets) {
    const entry = shown.get(t.id);
    let el = entry?.el;
    if (!entry || entry.updatedAt !== t.updatedAt) {
      const fresh = renderTicket(t);
      if (el) {
        if (cursor === el) cursor = fresh;
        el.replaceWith(fresh);
      }
      el = fresh;
      shown.set(t.id, {
        el,
        updatedAt: t.updatedAt,
        draft: entry?.draft ?? null,
        save: entry?.save ?? false,
      });
    }
    if (el === cursor) cursor = cursor.nextElementSibling;
    else list.insertBefore(el, cursor);
  }
  $('empty').hidden = tickets.length > 0;
}

function stopPolling() {
  if (timer) clearTimeout(timer);
  timer = null;
}

function start() {
  signin.hidden = true;
  $('controls').hidden = false;
  $('whoami').textContent = `Signed in as ${agentName()}`;
  say('');
  refresh();
  document.dispatchEvent(new CustomEvent('console:signin'));
}

document.addEventListener('console:unauthorized', (e) => {
  showSignin(/** @type {CustomEvent<{ message: string }>} */ (e).detail.message);
});

signin.addEventListener('submit', (e) => {
  e.preventDefault();
  const token = /** @type {HTMLInputElement} */ ($('token')).value.trim();
  const agent = /** @type {HTMLInputElement} */ ($('agent')).value.trim();
  if (!token || !agent) return;
  session.set(TOKEN_KEY, token);
  local.set(AGENT_KEY, agent);
  start();
});
$('refresh').addEventListener('click', () => refresh());
$('signout').addEventListener('click', () => {
  session.set(TOKEN_KEY, null);
  showSignin('Signed out.');
});
filter.addEventListener('change', () => {
  list.replaceChildren();
  shown.clear();
  refresh();
});

// After every module of the page has run (they listen for console:signin / console:tab).
document.addEventListener('DOMContentLoaded', () => {
  if (session.get(TOKEN_KEY)) start();
  else showSignin();
});
