// Small helpers shared by the pages. Nothing here ever turns user data into
// HTML: elements are built with createElement and filled with textContent.

// h('li', { class: 'msg', dataset: { seq: 3 } }, 'text', childNode, …)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

// Copies text to the clipboard. Uses the async Clipboard API when the page
// may, else selects the text (in `input` when given, or in a temporary
// off-screen field) and uses execCommand. Resolves true when it worked.
export async function copyText(text, input) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      /* fall back below */
    }
  }
  const active = document.activeElement;
  let field = input;
  if (!field) {
    field = h('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' });
    field.value = text;
    document.body.append(field);
  }
  let ok = false;
  try {
    field.focus();
    field.select();
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  if (!input) {
    field.remove();
    if (active && typeof active.focus === 'function') active.focus();
  }
  return ok;
}

export function storageGet(store, key) {
  try {
    return store.getItem(key);
  } catch {
    return null;
  }
}

export function storageSet(store, key, value) {
  try {
    if (value === null || value === undefined) store.removeItem(key);
    else store.setItem(key, value);
  } catch {
    /* storage disabled: the feature just is not remembered */
  }
}

// Number of Unicode code points (what the server counts).
export function codePoints(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// Room ids look like "abc-defg-hjk"; accept any reasonable URL-safe id so
// the client does not need to change if the format grows.
export const ROOM_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

// The id in a page address /<kind>/<id> (kind 'r' for a room, 'e' for an
// event), or null when the address has no valid one.
export function idFromPath(pathname, kind) {
  const m = pathname.match(new RegExp(`^/${kind}/([^/]+)/?$`));
  if (!m) return null;
  try {
    const id = decodeURIComponent(m[1]);
    return ROOM_ID_RE.test(id) ? id : null;
  } catch {
    return null;
  }
}
