/**
 * What every part of the agent console shares: the admin token (sessionStorage, dies with the tab),
 * the agent's name (localStorage), and calls to /api/console with the token.
 *
 * A 401 or "admin endpoints are off" answer dispatches `console:unauthorized` on `document`
 * (detail: {message}); console.js then shows the sign-in form. Other modules (insights.js,
 * review.js, export.js, gaps.js) only call consoleApi() / consoleDownload().
 */

export const TOKEN_KEY = 'merchant-copilot.console.token';
export const AGENT_KEY = 'merchant-copilot.console.agent';

const storage = (/** @type {'session' | 'local'} */ kind) => {
  const s = () => (kind === 'session' ? sessionStorage : localStorage);
  return {
    get: (/** @type {string} */ k) => {
      try {
        return s().getItem(k);
      } catch {
        return null;
      }
    },
    set: (/** @type {string} */ k, /** @type {string | null} */ v) => {
      try {
        if (v === null) s().removeItem(k);
        else s().setItem(k, v);
      } catch {}
    },
  };
};
export const session = storage('session');
export const local = storage('local');

export function agentName() {
  return local.get(AGENT_KEY) || 'console';
}

/** @param {Response} res @param {any} data */
function checkAuth(res, data) {
  let message = null;
  if (res.status === 401) {
    session.set(TOKEN_KEY, null);
    message = 'That token was not accepted. Check ADMIN_TOKEN and try again.';
  } else if (res.status === 404 && data?.error?.code === 'admin:off') {
    message = data.error.message;
  }
  if (message !== null)
    document.dispatchEvent(new CustomEvent('console:unauthorized', { detail: { message } }));
}

/**
 * Calls /api/console<path> with the token; JSON in and out.
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [init]
 * @returns {Promise<{ ok: boolean, status: number, data: any }>}
 */
export async function consoleApi(path, init = {}) {
  const hasBody = init.body !== undefined;
  const res = await fetch(`/api/console${path}`, {
    method: init.method ?? (hasBody ? 'POST' : 'GET'),
    headers: {
      Authorization: `Bearer ${session.get(TOKEN_KEY) ?? ''}`,
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(hasBody ? { body: JSON.stringify(init.body) } : {}),
  });
  const data = await res.json().catch(() => ({}));
  checkAuth(res, data);
  return { ok: res.ok, status: res.status, data };
}

/**
 * Downloads /api/console<path> (the token rides in a header, so a plain link cannot do it) and
 * saves it under the server's file name. Returns the file name and size, or the server's message.
 * @param {string} path
 * @returns {Promise<{ ok: true, filename: string, bytes: number } | { ok: false, message: string }>}
 */
export async function consoleDownload(path) {
  const res = await fetch(`/api/console${path}`, {
    headers: { Authorization: `Bearer ${session.get(TOKEN_KEY) ?? ''}` },
  });
  if (!res.ok) {
    const data = await res.json().catch(() => ({}));
    checkAuth(res, data);
    return { ok: false, message: data?.error?.message ?? `Failed (${res.status}).` };
  }
  const blob = await res.blob();
  const disposition = res.headers.get('Content-Disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'export';
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the file once the click is handled; the URL only holds memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { ok: true, filename, bytes: blob.size };
}

/** Space names with insight counters (GET /api/console/insights/spaces), sorted. */
export async function insightSpaces() {
  const res = await consoleApi('/insights/spaces');
  const list = res.ok && Array.isArray(res.data.spaces) ? res.data.spaces : [];
  return /** @type {string[]} */ (list.filter((/** @type {unknown} */ s) => typeof s === 'string')).sort();
}

/**
 * Refills a space <select>: "All spaces" (*) then each space; keeps the current choice when it
 * still exists.
 * @param {HTMLSelectElement} select @param {string[]} spaces
 */
export function fillSpaces(select, spaces) {
  const current = select.value || '*';
  const options = [['*', 'All spaces'], ...spaces.map((s) => [s, s])].map(([value, label]) => {
    const o = document.createElement('option');
    o.value = /** @type {string} */ (value);
    o.textContent = /** @type {string} */ (label);
    return o;
  });
  select.replaceChildren(...options);
  select.value = spaces.includes(current) ? current : '*';
}
