import { agentName, consoleApi } from './console-api.js';
import { h } from './render.js';

/**
 * Knowledge gaps in the agent console: the period's failed questions grouped by meaning
 * (GET /api/console/insights/gaps), a draft answer for one (POST …/draft), edited and saved as
 * knowledge (POST …/save). It renders into <section id="gaps-panel">, unhides the tab button [data-tab="gaps"]
 * and loads when tabs.js switches to it (the console:tab event). Every text
 * from the API goes through textContent (h()), never innerHTML: questions are user input.
 */

const panel = /** @type {HTMLElement | null} */ (document.getElementById('gaps-panel'));
const tab = /** @type {HTMLElement | null} */ (document.querySelector('[data-tab="gaps"]'));

/**
 * The gaps API (/api/console/insights…) through the console's one client (token, 401 handling).
 * @param {string} path @param {unknown} [body]
 */
const api = (path, body) => consoleApi(`/insights${path}`, body === undefined ? {} : { body });

/** @param {unknown} data @param {string} fallback */
function errorText(data, fallback) {
  const e = /** @type {any} */ (data)?.error;
  return typeof e?.message === 'string' ? e.message : fallback;
}

/** @param {string} text @param {string} cls @param {string} testid */
function button(text, cls, testid) {
  const b = /** @type {HTMLButtonElement} */ (h('button', cls, text));
  b.type = 'button';
  b.dataset.testid = testid;
  return b;
}

/** @param {string} title @param {Node} content */
function block(title, content) {
  const el = h('div', 'block');
  el.append(h('h4', '', title), content);
  return el;
}

/** @param {{ escalated: number, no_answer: number, down: number }} why */
function whyText(why) {
  return [
    why.escalated ? `${why.escalated} handed to a teammate` : '',
    why.no_answer ? `${why.no_answer} not in the knowledge` : '',
    why.down ? `${why.down} 👎` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Only http(s) links become anchors. @param {string | undefined} url */
function safeHref(url) {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

if (panel && tab) {
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = '/gaps.css';
  document.head.append(css);

  const state = { space: '*', days: '7', loaded: false };
  const head = h('div', 'gaps-head');
  const title = h('h2', '', 'Knowledge gaps');
  const hint = h(
    'p',
    'hint',
    'Questions the copilot could not answer well (handed to a teammate, not in the knowledge, or rated 👎), grouped by meaning. Draft an answer, edit it, save it: the copilot answers these questions itself from then on.',
  );
  const space = /** @type {HTMLSelectElement} */ (h('select'));
  space.dataset.testid = 'gaps-space';
  space.append(new Option('All spaces', '*'));
  const days = /** @type {HTMLSelectElement} */ (h('select'));
  days.dataset.testid = 'gaps-days';
  for (const d of ['7', '30', '90']) days.append(new Option(`Last ${d} days`, d));
  const refresh = button('Refresh', 'ghost small', 'gaps-refresh');
  const controls = h('div', 'gaps-controls');
  controls.append(space, days, refresh);
  head.append(title, controls);
  const summary = h('p', 'meta-line');
  summary.dataset.testid = 'gaps-summary';
  summary.setAttribute('role', 'status');
  const list = h('div', 'gaps-list');
  panel.replaceChildren(head, hint, summary, list);

  // tabs.js switches panels (the [data-tab="gaps"] button shows #gaps-panel) and fires console:tab.
  tab.hidden = false;
  document.addEventListener('console:tab', (e) => {
    const detail = /** @type {CustomEvent<{ tab: string }>} */ (e).detail;
    if (detail?.tab === 'gaps' && !state.loaded) load();
  });
  space.addEventListener('change', () => load());
  days.addEventListener('change', () => load());
  refresh.addEventListener('click', () => load());

  async function loadSpaces() {
    const res = await api('/spaces');
    if (!res.ok || !Array.isArray(res.data.spaces)) return;
    const have = new Set([...space.options].map((o) => o.value));
    for (const s of res.data.spaces) if (!have.has(s)) space.append(new Option(s, s));
  }

  async function load() {
    state.loaded = true;
    summary.classList.remove('error');
    summary.textContent = 'Loading…';
    list.replaceChildren();
    try {
      loadSpaces().catch(() => {});
      const q = `?space=${encodeURIComponent(space.value)}&days=${encodeURIComponent(days.value)}`;
      const res = await api(`/gaps${q}`);
      if (!res.ok) {
        summary.classList.add('error');
        summary.textContent =
          res.status === 401
            ? 'Sign in with the admin token first.'
            : errorText(res.data, 'Could not load the gaps.');
        state.loaded = false;
        return;
      }
      const { gaps, from, to, considered, drafting } = res.data;
      const period = { from, to };
      summary.textContent = gaps.length
        ? `${gaps.length} gap${gaps.length === 1 ? '' : 's'} from ${considered} question${considered === 1 ? '' : 's'}. Drafts come from ${drafting === 'model' ? 'the model' : 'teammates’ replies'}.`
        : 'No knowledge gaps in this period. 🎉';
      list.replaceChildren(...gaps.map((/** @type {any} */ g) => renderGap(g, period)));
    } catch {
      summary.classList.add('error');
      summary.textContent = 'Could not reach the server.';
      state.loaded = false;
    }
  }

  /** @param {any} g @param {{ from: number, to: number }} period */
  function renderGap(g, period) {
    const el = h('article', 'ticket gap');
    el.dataset.testid = 'gap';
    el.dataset.id = g.id;
    const top = h('div', 'ticket-head');
    const count = h('span', 'badge', `${g.count}×`);
    count.dataset.testid = 'gap-count';
    top.append(count, ` ${whyText(g.why)} · ${g.space}`);
    const saved = h('span', 'badge resolved', 'Saved');
    saved.dataset.testid = 'gap-saved';
    saved.hidden = !g.saved;
    top.append(' ', saved);
    const question = h('h3', '', g.question);
    question.dataset.testid = 'gap-question';
    el.append(top, question);

    const others = g.examples.slice(1);
    if (others.length) {
      const ul = h('ul');
      for (const e of others)
        ul.append(h('li', '', e.reason ? `${e.question} (👎 ${e.reason})` : e.question));
      el.append(block('Also asked as', ul));
    }
    if (g.passages.length) {
      const ol = h('ol');
      for (const p of g.passages) {
        const li = h('li');
        const href = safeHref(p.url);
        const name = href
          ? /** @type {HTMLAnchorElement} */ (h('a', '', p.title || p.source))
          : h('strong', '', p.title || p.source);
        if (href && name instanceof HTMLAnchorElement) {
          name.href = href;
          name.target = '_blank';
          name.rel = 'noopener noreferrer';
        }
        li.append(name, ` (${p.source}, retrieved ${p.hits}×): ${p.snippet}`);
        ol.append(li);
      }
      el.append(block('Retrieved passages (not enough to answer)', ol));
    }
    if (g.replies.length) {
      const thread = h('div', 'thread');
      for (const r of g.replies) {
        const line = h('div', 'line agent');
        line.append(h('strong', '', `${r.by}:`), ` ${r.text}`);
        thread.append(line);
      }
      el.append(block('Teammates’ replies', thread));
    }

    const status = h('span', 'ticket-status');
    status.setAttribute('role', 'status');
    status.dataset.testid = 'gap-status';
    const draft = button(g.saved ? 'Draft again' : 'Draft answer', 'primary small', 'gap-draft');
    const editor = h('div', 'reply');
    editor.hidden = true;
    const row = h('div', 'ticket-actions');
    row.append(draft);
    el.append(row, editor, status);

    const ref = { space: g.space, from: period.from, to: period.to, question: g.question };
    draft.addEventListener('click', async () => {
      draft.disabled = true;
      status.classList.remove('error');
      status.textContent = 'Drafting…';
      try {
        const res = await api(`/gaps/${encodeURIComponent(g.id)}/draft`, ref);
        if (!res.ok) {
          status.classList.add('error');
          status.textContent = errorText(res.data, `Failed (${res.status}).`);
          return;
        }
        status.textContent = '';
        showEditor(res.data.draft);
      } catch {
        status.classList.add('error');
        status.textContent = 'Could not reach the server.';
      } finally {
        draft.disabled = false;
      }
    });

    /** @param {{ text: string, source: string, note: string }} d */
    function showEditor(d) {
      const q = /** @type {HTMLInputElement} */ (h('input'));
      q.type = 'text';
      q.maxLength = 2000;
      q.value = g.question;
      q.dataset.testid = 'gap-edit-question';
      q.setAttribute('aria-label', 'Question the answer is filed under');
      const text = /** @type {HTMLTextAreaElement} */ (h('textarea'));
      text.maxLength = 8000;
      text.value = d.text;
      text.dataset.testid = 'gap-edit-text';
      text.setAttribute('aria-label', 'Answer');
      text.placeholder = 'Write the answer the copilot should give.';
      const note = h('p', 'meta-line', d.note);
      note.dataset.testid = 'gap-draft-note';
      note.dataset.source = d.source;
      const save = button('Save as knowledge', 'primary small', 'gap-save');
      const labelQ = h('label', 'field');
      labelQ.append(h('span', '', 'Question'), q);
      const bottom = h('div', 'row');
      bottom.append(save);
      text.addEventListener('input', () => {
        if (status.classList.contains('error')) {
          status.classList.remove('error');
          status.textContent = '';
        }
      });
      editor.replaceChildren(note, labelQ, text, bottom);
      editor.hidden = false;
      text.focus();
      save.addEventListener('click', async () => {
        if (!text.value.trim()) {
          status.classList.add('error');
          status.textContent = 'Write the answer first.';
          return;
        }
        save.disabled = true;
        status.classList.remove('error');
        status.textContent = 'Saving and reindexing…';
        try {
          const res = await api(`/gaps/${encodeURIComponent(g.id)}/save`, {
            ...ref,
            question: q.value,
            text: text.value,
            agent: agentName(),
          });
          if (!res.ok) {
            // The text stays in the box: nothing typed is lost.
            status.classList.add('error');
            status.textContent = errorText(res.data, `Not saved (${res.status}).`);
            return;
          }
          status.textContent = `Saved as ${res.data.saved.file}. The copilot answers this question from now on.`;
          saved.hidden = false;
          editor.hidden = true;
          draft.textContent = 'Draft again';
        } catch {
          status.classList.add('error');
          status.textContent = 'Could not reach the server; the answer was not saved.';
        } finally {
          save.disabled = false;
        }
      });
    }
    return el;
  }
}
