/**
 * DOM builders for the chat page. Model and user text only ever goes through textContent /
 * createTextNode (never innerHTML), so an answer cannot inject markup.
 */

let seq = 0;

const UNITS = /** @type {const} */ ([
  ['year', 365 * 86400e3],
  ['month', 30 * 86400e3],
  ['week', 7 * 86400e3],
  ['day', 86400e3],
  ['hour', 3600e3],
  ['minute', 60e3],
]);

/**
 * "updated 3 days ago" for a source's document date; '' when there is none or it is invalid.
 * @param {string | undefined} iso
 * @param {number} now
 */
export function updatedAgo(iso, now) {
  const t = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(t)) return '';
  const diff = t - now;
  const fmt = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return `updated ${fmt.format(Math.round(diff / ms), unit)}`;
  }
  return 'updated just now';
}

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
export function h(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Fills `el` with the answer text: `[n]` becomes a superscript link to source n, `**x**` bold.
 * @param {HTMLElement} el
 * @param {string} text
 * @param {(n: number) => string} anchorFor
 */
export function renderInline(el, text, anchorFor) {
  el.replaceChildren();
  const parts = text.split(/(\[\d{1,3}\]|\*\*[^*\n]+\*\*)/);
  for (const [i, part] of parts.entries()) {
    if (!part) continue;
    const cite = /^\[(\d{1,3})\]$/.exec(part);
    if (cite) {
      const n = Number(cite[1]);
      const sup = h('sup', 'cite');
      const a = h('a', '', String(n));
      a.setAttribute('href', `#${anchorFor(n)}`);
      a.setAttribute('aria-label', `Source ${n}`);
      sup.append(a);
      el.append(sup);
    } else if (part.startsWith('**') && part.endsWith('**') && part.length > 4) {
      el.append(h('strong', '', part.slice(2, -2)));
    } else {
      // "return [1]." reads better as "return¹." : drop the space before a citation.
      const beforeCite = /^\[\d{1,3}\]$/.test(parts[i + 1] ?? '');
      el.append(document.createTextNode(beforeCite ? part.replace(/[ \t]+$/, '') : part));
    }
  }
}

/** @param {string} text */
export function userBubble(text) {
  const el = h('article', 'msg user');
  el.dataset.testid = 'message-user';
  el.append(h('div', 'bubble', text));
  return el;
}

/**
 * A teammate's reply, attributed, shown like an answer but marked as coming from a person.
 * @param {string} by
 * @param {string} text
 */
export function humanReply(by, text) {
  const el = h('article', 'msg assistant human');
  el.dataset.testid = 'message-human';
  el.append(h('p', 'who', `${by} · teammate`), h('div', 'bubble', text));
  return el;
}

/** A one-line update about the handoff ("alice is on it"). @param {string} text */
export function systemNote(text) {
  const el = h('p', 'system-note', text);
  el.dataset.testid = 'handoff-status';
  el.setAttribute('role', 'status');
  return el;
}

/**
 * @typedef {{ n: number, source: string, title: string, space?: string, headingPath?: string[], page?: number, url?: string, updatedAt?: string }} Source
 * @typedef {{ question: string, label: string, source: string }} ClarifyOption
 */

/**
 * The source's title, linked to the document (GET /api/sources/:space/<source>, which serves
 * only files of public spaces in the current index). Each path segment is encoded on its own so
 * the server sees the same segments; a source without a space stays plain text.
 * @param {Source} s
 */
export function sourceTitle(s) {
  const label = s.title || s.source;
  // A synced website or Notion page links to the page itself (http/https only).
  const external = typeof s.url === 'string' && /^https?:\/\//i.test(s.url) ? s.url : undefined;
  if (!external && (!s.space || !s.source)) return h('span', 'src-title', label);
  const a = h('a', 'src-title', label);
  const path = s.source.split('/').map(encodeURIComponent).join('/');
  a.setAttribute('href', external ?? `/api/sources/${encodeURIComponent(s.space)}/${path}`);
  a.setAttribute('target', '_blank');
  a.setAttribute('rel', 'noopener noreferrer');
  a.dataset.testid = 'source-link';
  return a;
}

/** One assistant answer, updated in place as events stream in. */
export function answerView() {
  const id = `answer-${++seq}`;
  const anchorFor = (/** @type {number} */ n) => `${id}-src-${n}`;
  const el = h('article', 'msg assistant');
  el.dataset.testid = 'message-assistant';
  el.dataset.state = 'thinking';
  const bubble = h('div', 'bubble');
  const text = h('div', 'text', 'Searching your knowledge…');
  text.classList.add('thinking');
  const clarify = h('div', 'clarify');
  const sourcesWrap = h('section', 'sources-wrap');
  const sources = h('ol', 'sources');
  sources.dataset.testid = 'sources';
  sourcesWrap.append(h('h3', '', 'Sources'), sources);
  const notice = h('p', 'notice');
  notice.dataset.testid = 'handoff-notice';
  const actions = h('div', 'actions');
  for (const node of [clarify, sourcesWrap, notice, actions]) node.hidden = true;
  bubble.append(text, clarify, sourcesWrap);
  el.append(bubble, notice, actions);

  // Clicking a citation highlights its source instead of jumping the whole page.
  text.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a') : null;
    const target = a ? document.getElementById((a.getAttribute('href') ?? '').slice(1)) : null;
    if (!target) return;
    e.preventDefault();
    target.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    target.classList.remove('flash');
    void target.offsetWidth; // restart the animation
    target.classList.add('flash');
  });

  let raw = '';
  return {
    el,
    actions,
    /** @param {string} chunk */
    appendText(chunk) {
      raw += chunk;
      text.classList.remove('thinking');
      el.dataset.state = 'streaming';
      renderInline(text, raw, anchorFor);
    },
    hasText: () => raw.length > 0,
    /** @param {Source[]} list */
    setSources(list) {
      sources.replaceChildren();
      for (const s of list) {
        const li = h('li');
        li.id = anchorFor(s.n);
        li.value = s.n;
        const meta = h('span', 'src-meta');
        meta.append(h('span', 'src-path', s.source));
        // "p. 3" must not break across lines; paths may break anywhere (narrow phones).
        if (s.page) meta.append(' · ', h('span', 'src-page', `p. ${s.page}`));
        if (s.headingPath?.length) meta.append(' · ', h('span', '', s.headingPath.join(' › ')));
        const updated = updatedAgo(s.updatedAt, Date.now());
        if (updated) {
          const time = h('time', 'src-updated', updated);
          time.setAttribute('datetime', String(s.updatedAt));
          time.dataset.testid = 'source-updated';
          meta.append(' · ', time);
        }
        li.append(sourceTitle(s), meta);
        sources.append(li);
      }
      sourcesWrap.hidden = list.length === 0;
    },
    /** @param {ClarifyOption[]} options @param {(q: string) => void} onPick */
    setClarify(options, onPick) {
      if (!raw) {
        text.classList.remove('thinking');
        text.textContent = 'Which of these do you mean?';
      }
      clarify.replaceChildren();
      for (const o of options) {
        const b = h('button', 'chip', o.label || o.question);
        b.type = 'button';
        b.title = o.question;
        b.dataset.testid = 'clarify-option';
        b.addEventListener('click', () => {
          for (const other of clarify.querySelectorAll('button')) other.disabled = true;
          b.classList.add('chosen');
          onPick(o.question);
        });
        clarify.append(b);
      }
      clarify.hidden = options.length === 0;
    },
    /** @param {string} message */
    showNotice(message) {
      notice.textContent = message;
      notice.hidden = false;
    },
    /** @param {string} message */
    showError(message) {
      text.classList.remove('thinking');
      el.classList.add('failed');
      if (!raw) text.textContent = message;
      else text.append(h('span', 'inline-error', ` ${message}`));
    },
    /** @param {'done' | 'error' | 'stopped'} state */
    finish(state) {
      el.dataset.state = state;
      if (text.classList.contains('thinking')) {
        text.classList.remove('thinking');
        text.textContent = state === 'stopped' ? 'Stopped.' : '';
      }
    },
  };
}
