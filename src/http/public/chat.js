// The SSE parser is eventsource-parser's own ESM build, served from node_modules (src/http/vendor.ts).
import { createParser } from '/vendor/eventsource-parser.js';
import { renderActions } from './actions.js';
import { watchConversation } from './conversation-events.js';
import { answerView, humanReply, systemNote, userBubble } from './render.js';

// The server keeps memory per conversation id; the page only has to remember which one it is in.
const CONVERSATION_KEY = 'merchant-copilot.conversationId';
const SPACE_KEY = 'merchant-copilot.space';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const messages = $('messages');
const empty = $('empty');
const input = /** @type {HTMLTextAreaElement} */ ($('input'));
const send = /** @type {HTMLButtonElement} */ ($('send'));
const spaceSelect = /** @type {HTMLSelectElement} */ ($('space'));

/** @type {AbortController | null} */
let inFlight = null;
/** A question picked (e.g. a clarify option) while an answer is still streaming: sent right after. */
/** @type {string | null} */
let queued = null;
/** Teammates' replies for the current conversation (see conversation-events.js). */
/** @type {ReturnType<typeof watchConversation> | null} */
let watcher = null;

const store = {
  get: (/** @type {string} */ k) => {
    try {
      return localStorage.getItem(k);
    } catch {
      return null; // storage disabled (private mode): work without persistence
    }
  },
  set: (/** @type {string} */ k, /** @type {string | null} */ v) => {
    try {
      if (v === null) localStorage.removeItem(k);
      else localStorage.setItem(k, v);
    } catch {}
  },
};

function scrollToEnd() {
  messages.scrollTop = messages.scrollHeight;
}

/** @param {HTMLElement} el */
function appendLive(el) {
  const nearBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
  empty.hidden = true;
  messages.append(el);
  if (nearBottom) scrollToEnd();
}

/**
 * Listens for teammates in this conversation from its first answer on, so a reply that comes
 * while the page is open shows up at once.
 * @param {string | null} conversationId
 */
function watch(conversationId) {
  if (watcher?.conversationId === conversationId) return;
  watcher?.close();
  watcher = null;
  if (!conversationId) return;
  // Every change to a ticket repeats its state (a reply keeps it "claimed"): say each state once.
  /** @type {Map<string, string>} */
  const said = new Map();
  watcher = watchConversation(conversationId, {
    onReply: (r) => appendLive(humanReply(r.by || 'A teammate', r.text)),
    onStatus: (c) => {
      const state = `${c.status}:${c.assignee ?? ''}`;
      if (said.get(c.handoffId) === state) return;
      said.set(c.handoffId, state);
      if (c.status === 'claimed' && c.assignee) appendLive(systemNote(`${c.assignee} is on it.`));
      if (c.status === 'resolved')
        appendLive(systemNote('A teammate marked this as resolved. I can answer again.'));
    },
  });
}

/** @param {boolean} busy */
function setBusy(busy) {
  send.textContent = busy ? 'Stop' : 'Send';
  send.classList.toggle('stop', busy);
}

/** Reads `{error: {message}}` from a failed response, falling back to a generic line. */
async function errorMessage(/** @type {Response} */ res) {
  try {
    const body = await res.json();
    if (typeof body?.error?.message === 'string') return body.error.message;
  } catch {}
  return 'Something went wrong on our side. Please try again, or ask a human.';
}

/** @param {string} question */
async function ask(question) {
  const text = question.trim();
  if (!text) return;
  if (inFlight) {
    queued = text;
    return;
  }
  empty.hidden = true;
  messages.append(userBubble(text));
  const view = answerView();
  messages.append(view.el);
  scrollToEnd();

  const controller = new AbortController();
  inFlight = controller;
  setBusy(true);
  const ctx = { answerId: /** @type {string | null} */ (null), decision: 'escalate', question: text };
  const conversationId = store.get(CONVERSATION_KEY);
  const space = $('space-picker').hidden ? null : spaceSelect.value;

  let settled = false;
  /**
   * The answer is over (done, error, stop or a broken stream): show its actions and free the input
   * at once, without waiting for the server to close the stream.
   * @param {'done' | 'error' | 'stopped'} state
   * @param {string} [message]
   */
  const settle = (state, message) => {
    if (settled) return;
    settled = true;
    if (message) view.showError(message);
    view.finish(state);
    renderActions(view, { ...ctx, conversationId: store.get(CONVERSATION_KEY) });
    if (inFlight === controller) inFlight = null;
    setBusy(false);
    const next = queued;
    queued = null;
    if (next && state !== 'stopped') ask(next);
  };

  /** @param {{ event: string, data: string }} ev */
  const onEvent = (ev) => {
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (settled) return;
    const nearBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
    switch (ev.event) {
      case 'meta':
        store.set(CONVERSATION_KEY, data.conversationId);
        ctx.answerId = data.answerId;
        watch(data.conversationId);
        break;
      case 'token':
        view.appendText(String(data.text ?? ''));
        break;
      case 'sources':
        view.setSources(Array.isArray(data.sources) ? data.sources : []);
        break;
      case 'clarify':
        view.setClarify(Array.isArray(data.options) ? data.options : [], (q) => ask(q));
        break;
      case 'handoff':
        // handoffId null: the ticket could not be stored (e.g. Redis down); never promise a reply then.
        view.showNotice(
          data.handoffId
            ? 'A teammate will answer here.'
            : 'Could not reach a teammate right now. Please try again in a moment.',
        );
        break;
      case 'done':
        ctx.answerId = data.answerId ?? ctx.answerId;
        ctx.decision = data.decision;
        settle('done');
        break;
      case 'error':
        settle('error', String(data.message || 'Something went wrong. You can ask a human.'));
        break;
    }
    if (nearBottom) scrollToEnd();
  };

  try {
    const body = {
      message: text,
      ...(conversationId ? { conversationId } : {}),
      ...(space ? { space } : {}),
    };
    const res = await fetch('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (!res.ok || !res.body) {
      settle('error', await errorMessage(res));
      return;
    }
    // EventSource cannot POST, so the stream is read with fetch and parsed by eventsource-parser.
    const parser = createParser({
      onEvent: (/** @type {{ event?: string, data: string }} */ e) =>
        onEvent({ event: e.event ?? 'message', data: e.data }),
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    settle('error', 'The answer was interrupted. Please try again, or ask a human.');
  } catch {
    if (controller.signal.aborted) settle('stopped');
    else settle('error', 'Lost the connection. Please try again, or ask a human.');
  }
}

function submit() {
  if (inFlight) {
    inFlight.abort();
    return;
  }
  const text = input.value;
  if (!text.trim()) return;
  input.value = '';
  autosize();
  ask(text);
}

function autosize() {
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

function newConversation() {
  queued = null;
  inFlight?.abort();
  store.set(CONVERSATION_KEY, null);
  watch(null);
  for (const el of [...messages.children]) if (el !== empty) el.remove();
  empty.hidden = false;
  input.focus();
}

/** Shows the space picker only when the copilot serves more than one space. */
async function loadSpaces() {
  try {
    const res = await fetch('/api/status');
    if (!res.ok) return;
    /** @type {{ spaces: Array<{ name: string }> }} */
    const status = await res.json();
    const names = status.spaces.map((s) => s.name);
    if (names.length < 2) return;
    for (const name of names) spaceSelect.append(new Option(name, name));
    const saved = store.get(SPACE_KEY);
    spaceSelect.value =
      saved && names.includes(saved) ? saved : names.includes('default') ? 'default' : names[0];
    $('space-picker').hidden = false;
  } catch {}
}

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
input.addEventListener('keydown', (e) => {
  // Enter sends, Shift+Enter is a newline; never send while an IME is composing (Chinese, Japanese…).
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    // While an answer streams the button means "Stop"; Enter must not stop it by accident.
    if (!inFlight) submit();
  }
});
input.addEventListener('input', autosize);
$('new-conversation').addEventListener('click', newConversation);
spaceSelect.addEventListener('change', () => {
  store.set(SPACE_KEY, spaceSelect.value);
  // Memory is per conversation: switching the knowledge base starts a fresh one.
  newConversation();
});
for (const chip of $('examples').querySelectorAll('button')) {
  chip.addEventListener('click', () => ask(chip.textContent ?? ''));
}
loadSpaces();
watch(store.get(CONVERSATION_KEY));
input.focus();
