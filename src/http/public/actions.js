import { h } from './render.js';

/**
 * POSTs JSON and returns the response (or null when the network failed).
 * @param {string} url
 * @param {unknown} body
 */
export async function postJson(url, body) {
  try {
    return await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    return null;
  }
}

/**
 * The row under a finished answer: 👍 / 👎 (with an optional reason) and "Ask a human".
 * @param {ReturnType<typeof import('./render.js').answerView>} view
 * @param {{ answerId: string | null, decision: string, conversationId: string | null, question: string }} ctx
 */
export function renderActions(view, ctx) {
  const row = view.actions;
  row.replaceChildren();
  const status = h('span', 'action-status');
  status.setAttribute('role', 'status');

  if (ctx.answerId && ctx.decision === 'answer') {
    const up = iconButton(THUMB_UP, 'Helpful', 'feedback-up');
    const down = iconButton(THUMB_DOWN, 'Not helpful', 'feedback-down');
    const form = reasonForm(async (reason) => {
      const res = await postJson('/api/feedback', { answerId: ctx.answerId, rating: 'down', reason });
      status.textContent = res?.ok ? 'Thanks, that helps us improve.' : 'Could not send feedback.';
    });
    /** @param {'up' | 'down'} rating */
    const rate = async (rating) => {
      up.disabled = true;
      down.disabled = true;
      (rating === 'up' ? up : down).setAttribute('aria-pressed', 'true');
      // Record the rating at once; the optional reason follows as an update.
      const res = await postJson('/api/feedback', { answerId: ctx.answerId, rating });
      if (!res?.ok) {
        status.textContent = 'Could not send feedback.';
        return;
      }
      status.textContent = 'Thanks for the feedback.';
      if (rating === 'down') {
        form.hidden = false;
        form.querySelector('input')?.focus();
      }
    };
    up.addEventListener('click', () => rate('up'));
    down.addEventListener('click', () => rate('down'));
    row.append(up, down);
    view.el.append(form);
  }

  const ask = h('button', 'ghost small', 'Ask a human');
  ask.setAttribute('type', 'button');
  ask.dataset.testid = 'ask-human';
  ask.addEventListener('click', async () => {
    ask.setAttribute('disabled', '');
    const body = { conversationId: ctx.conversationId, message: ctx.question };
    const res = await postJson('/api/handoffs', ctx.answerId ? { ...body, answerId: ctx.answerId } : body);
    if (res?.ok) view.showNotice('A teammate will answer here.');
    // No handoff desk on this server (yet): say so kindly instead of failing.
    else if (res?.status === 404) view.showNotice('A teammate will be available soon.');
    else {
      view.showNotice('Could not reach a teammate right now. Please try again in a moment.');
      ask.removeAttribute('disabled');
    }
  });
  row.append(ask, status);
  row.hidden = false;
}

// 👍 / 👎 drawn as SVG (Feather icons, MIT): emoji fonts are missing on many servers and kiosks.
const THUMB_UP =
  'M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3';
const THUMB_DOWN =
  'M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17';

/** @param {string} d */
function icon(d) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  for (const [k, v] of Object.entries({
    viewBox: '0 0 24 24',
    width: '16',
    height: '16',
    'aria-hidden': 'true',
  })) {
    svg.setAttribute(k, v);
  }
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

/**
 * @param {string} d
 * @param {string} label
 * @param {string} testid
 */
function iconButton(d, label, testid) {
  const b = /** @type {HTMLButtonElement} */ (h('button', 'icon'));
  b.append(icon(d));
  b.type = 'button';
  b.title = label;
  b.setAttribute('aria-label', label);
  b.dataset.testid = testid;
  return b;
}

/** @param {(reason: string) => Promise<void>} onSend */
function reasonForm(onSend) {
  const form = /** @type {HTMLFormElement} */ (h('form', 'reason'));
  form.hidden = true;
  const input = /** @type {HTMLInputElement} */ (h('input'));
  input.type = 'text';
  input.maxLength = 1000;
  input.placeholder = 'What was wrong or missing? (optional)';
  input.setAttribute('aria-label', 'Reason');
  input.dataset.testid = 'feedback-reason';
  const send = h('button', 'primary small', 'Send');
  send.setAttribute('type', 'submit');
  const skip = h('button', 'ghost small', 'Skip');
  skip.setAttribute('type', 'button');
  skip.addEventListener('click', () => {
    form.hidden = true;
  });
  form.append(input, send, skip);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    form.hidden = true;
    if (input.value.trim()) await onSend(input.value.trim());
  });
  return form;
}
