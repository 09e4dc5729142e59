/**
 * Console tabs. Each button `[data-tab="<name>"]` inside `#tabs` shows the section `#<name>-panel`
 * and hides the other panels. How a tab is switched (for every part of the console, gaps.js too):
 *
 *   - click the button, or call `showTab(name)` from this module;
 *   - on every switch `document` gets a `console:tab` CustomEvent with `detail: {tab}`, also when
 *     the tab is shown again after signing in; a panel loads (or reloads) its data on it;
 *   - the URL hash (`/console#insights`) names the tab, so a reload or a shared link opens it.
 *
 * A hidden button (like `data-tab="gaps"` until gaps.js unhides it) is not shown from the hash.
 * The tab bar itself is hidden until sign-in (console.js dispatches `console:signin` /
 * `console:signout`).
 */

const bar = /** @type {HTMLElement} */ (document.getElementById('tabs'));
let current = 'handoffs';

function buttons() {
  return /** @type {HTMLButtonElement[]} */ ([...bar.querySelectorAll('button[data-tab]')]);
}

/** The name of the tab on show. */
export function activeTab() {
  return current;
}

/** @param {string} name */
export function showTab(name) {
  const target = buttons().find((b) => b.dataset.tab === name);
  if (!target) return;
  current = name;
  for (const b of buttons()) {
    const on = b === target;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
    const panel = document.getElementById(`${b.dataset.tab}-panel`);
    if (panel) panel.hidden = !on;
  }
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  document.dispatchEvent(new CustomEvent('console:tab', { detail: { tab: name } }));
}

function hideAll() {
  for (const b of buttons()) {
    const panel = document.getElementById(`${b.dataset.tab}-panel`);
    if (panel) panel.hidden = true;
  }
}

bar.addEventListener('click', (e) => {
  const b = e.target instanceof Element ? e.target.closest('button[data-tab]') : null;
  if (b instanceof HTMLButtonElement && b.dataset.tab) showTab(b.dataset.tab);
});

// Arrow keys move between visible tabs (the WAI-ARIA tabs pattern).
bar.addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const visible = buttons().filter((b) => !b.hidden);
  const i = visible.findIndex((b) => b.dataset.tab === current);
  const next = visible[(i + (e.key === 'ArrowRight' ? 1 : visible.length - 1)) % visible.length];
  if (next?.dataset.tab) {
    showTab(next.dataset.tab);
    next.focus();
  }
});

document.addEventListener('console:signin', () => {
  bar.hidden = false;
  const fromHash = location.hash.slice(1);
  const button = buttons().find((b) => b.dataset.tab === fromHash && !b.hidden);
  showTab(button ? fromHash : current);
});
document.addEventListener('console:signout', () => {
  bar.hidden = true;
  hideAll();
});
