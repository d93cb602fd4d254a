// The chat panel: history with "Show earlier messages", lines to everyone
// or to hosts only, and a queue for lines typed while the connection is
// down (sent by themselves once it is back: nothing typed is lost).
import { t, tr, formatTime, formatFullTime, onLangChange } from './i18n.js';
import { RpcError, Codes } from './rpc.js';
import { $, state, call, announce, on, emit, amHost } from './state.js';
import { h, codePoints, storageGet, storageSet } from './util.js';

const HISTORY_PAGE = 50;
export const MAX_TEXT = 2000;
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]+/g;

const el = {
  loadEarlier: $('load-earlier'),
  loadEarlierLabel: $('load-earlier-label'),
  chatEmpty: $('chat-empty'),
  log: $('chat-log'),
  pending: $('chat-pending'),
  form: $('chat-form'),
  input: $('chat-input'),
  error: $('chat-error'),
  send: $('send'),
  to: $('chat-to'),
};

const chat = {
  messages: new Map(), // seq -> chat message
  hasMore: false,
  pending: [], // [{ text, to }] not yet stored by the server
  flushing: false,
  loadingEarlier: false,
  unread: 0,
};

// What was typed but not yet stored by aula (the text in the box and the
// waiting lines) is kept per tab, so a reload loses nothing either.
const draftKey = () => `aula.draft.${state.roomId}`;

function saveDraft() {
  const draft = { text: el.input.value, pending: chat.pending };
  storageSet(sessionStorage, draftKey(), draft.text || draft.pending.length ? JSON.stringify(draft) : null);
}

function restoreDraft() {
  let d = null;
  try {
    d = JSON.parse(storageGet(sessionStorage, draftKey()));
  } catch {
    d = null;
  }
  if (!d || typeof d !== 'object') return;
  if (!el.input.value && typeof d.text === 'string') el.input.value = d.text;
  if (!chat.pending.length && Array.isArray(d.pending)) {
    chat.pending = d.pending.filter((m) => m && typeof m.text === 'string');
  }
}

// An error text (translated key) plus, optionally, the server's own words.
export function showError(target, key, serverMessage) {
  if (!key) {
    target.replaceChildren();
    return;
  }
  const main = h('span');
  tr(main, key);
  target.replaceChildren(main);
  if (serverMessage) {
    const detail = h('span', { class: 'error-detail' });
    tr(detail, 'serverSaid', { msg: serverMessage });
    target.append(' ', detail);
  }
}

function errorKey(target) {
  const span = target.firstElementChild;
  return span ? span.dataset.i18nDyn : undefined;
}

function isMine(msg) {
  return !!msg.from && state.myIds.has(msg.from.id);
}

function timeEl(ts) {
  const d = new Date(ts);
  return h('time', {
    class: 'msg-time',
    datetime: Number.isFinite(d.getTime()) ? d.toISOString() : null,
    title: formatFullTime(ts),
    dataset: { ts: String(ts) },
    'data-testid': 'msg-time',
  }, formatTime(ts));
}

function messageEl(msg) {
  const mine = isMine(msg);
  const name = h('span', { class: 'msg-name', 'data-testid': 'msg-name' }, msg.from?.name ?? '');
  if (mine) {
    const you = h('span', { class: 'you-tag' });
    tr(you, 'you');
    name.append(' ', you);
  }
  const head = h('div', { class: 'msg-head' }, name, timeEl(msg.ts));
  if (msg.to === 'hosts') {
    const tag = h('span', { class: 'to-tag', 'data-testid': 'msg-to-hosts' });
    tr(tag, 'toHostsTag');
    head.append(tag);
  }
  const cls = ['msg', mine ? 'mine' : '', msg.to === 'hosts' ? 'private' : ''].filter(Boolean).join(' ');
  return h('li', { class: cls, dataset: { seq: String(msg.seq) }, 'data-testid': 'chat-message' },
    head, h('p', { class: 'msg-text', 'data-testid': 'msg-text' }, String(msg.text ?? '')));
}

function renderChat() {
  const list = [...chat.messages.values()].sort((a, b) => a.seq - b.seq);
  el.log.replaceChildren(...list.map(messageEl));
  updateChrome();
}

function updateChrome() {
  el.chatEmpty.hidden = chat.messages.size > 0 || chat.pending.length > 0;
  el.loadEarlier.hidden = !chat.hasMore;
}

function renderPending() {
  saveDraft();
  el.pending.replaceChildren(...chat.pending.map((m) => {
    const note = h('span', { class: 'msg-time' });
    tr(note, 'pendingNote');
    return h('li', { class: 'msg mine pending', 'data-testid': 'chat-pending-message' },
      h('div', { class: 'msg-head' }, note),
      h('p', { class: 'msg-text', 'data-testid': 'msg-text' }, m.text));
  }));
  updateChrome();
}

// Puts one message into the log at its place by seq; false if it is
// already there.
function insertMessage(msg) {
  if (!msg || typeof msg.seq !== 'number' || chat.messages.has(msg.seq)) return false;
  chat.messages.set(msg.seq, msg);
  const node = messageEl(msg);
  let after = el.log.lastElementChild;
  while (after && Number(after.dataset.seq) > msg.seq) after = after.previousElementSibling;
  if (after) after.after(node);
  else el.log.prepend(node);
  return true;
}

// Whether the reader is following the newest lines. While they are, the log
// stays scrolled to the bottom, also when it changes size.
let following = true;
el.log.addEventListener('scroll', () => {
  following = el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight < 120;
});
if (typeof ResizeObserver === 'function') {
  new ResizeObserver(() => {
    if (following) scrollToBottom();
  }).observe(el.log);
}

function scrollToBottom() {
  el.log.scrollTop = el.log.scrollHeight;
}

// A join result's newest lines. After a reconnect: keep what we had
// (including pages loaded earlier) if the newest lines overlap it, else
// start again from the newest lines. Lines are keyed by seq: never twice.
export function loadChat(result, { reconnect, first }) {
  const lines = result.chat || [];
  const hasMore = !!result.chat_has_more;
  if (!reconnect) {
    chat.messages = new Map(lines.map((m) => [m.seq, m]));
    chat.hasMore = hasMore;
  } else {
    const overlaps = lines.some((m) => chat.messages.has(m.seq));
    const oldestHad = chat.messages.size ? Math.min(...chat.messages.keys()) : Infinity;
    if (!overlaps) {
      chat.messages = new Map();
      chat.hasMore = hasMore;
    } else if (lines.length && lines[0].seq < oldestHad) {
      chat.hasMore = hasMore;
    }
    for (const m of lines) chat.messages.set(m.seq, m);
  }
  if (first) {
    following = true;
    restoreDraft();
  }
  renderChat();
  renderPending();
  updateTo();
  if (following) scrollToBottom();
  if (errorKey(el.error) === 'notConnected' || errorKey(el.error) === 'queuedOffline') showError(el.error, null);
  flushPending();
}

export function onChatMessage(msg) {
  if (!insertMessage(msg)) return;
  updateChrome();
  if (following) scrollToBottom();
  if (!isMine(msg)) {
    announce(t('announceMessage', { name: msg.from?.name ?? '', text: msg.text }));
    if (document.hidden) {
      chat.unread++;
      emit('unread', chat.unread);
    }
  }
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && chat.unread) {
    chat.unread = 0;
    emit('unread', 0);
  }
});

function chatErrorFor(e) {
  if (!(e instanceof RpcError)) return ['sendFailed'];
  switch (e.code) {
    case Codes.RATE_LIMITED:
      return ['rateLimited'];
    case Codes.STORAGE_FAILED:
      return ['storageFailed'];
    case Codes.INVALID_PARAMS:
      if (/long|length|2000/i.test(e.message)) return ['msgTooLong'];
      if (/empty|blank/i.test(e.message)) return ['msgEmpty'];
      return ['msgInvalid', e.message];
    default:
      return ['sendFailed', e.message];
  }
}

function offline(e) {
  return e instanceof RpcError &&
    [RpcError.CLOSED, RpcError.TIMEOUT, Codes.NOT_JOINED].includes(e.code);
}

function params(text, to) {
  return to === 'hosts' ? { text, to } : { text };
}

// Lines typed while offline go out in order once connected again.
async function flushPending() {
  if (chat.flushing) return;
  chat.flushing = true;
  try {
    while (chat.pending.length && state.rpc) {
      const m = chat.pending[0];
      try {
        const msg = await call('chat.send', params(m.text, m.to));
        chat.pending.shift();
        insertMessage(msg);
        renderPending();
        scrollToBottom();
      } catch (e) {
        if (offline(e)) break;
        if (e instanceof RpcError && e.code === Codes.RATE_LIMITED) {
          setTimeout(flushPending, 1500);
          break;
        }
        // Refused for good: give the text back to the person.
        chat.pending.shift();
        renderPending();
        if (!el.input.value) el.input.value = m.text;
        const [key, detail] = chatErrorFor(e);
        showError(el.error, key, detail);
      }
    }
  } finally {
    chat.flushing = false;
  }
}

function queue(text, to) {
  chat.pending.push({ text, to });
  renderPending();
  showError(el.error, 'queuedOffline');
}

async function sendMessage() {
  if (el.send.getAttribute('aria-busy') === 'true') return;
  const raw = el.input.value;
  const text = raw.replace(CONTROL_CHARS, ' ').trim();
  if (!text) {
    showError(el.error, 'msgEmpty');
    el.input.focus();
    return;
  }
  if (codePoints(text) > MAX_TEXT) {
    showError(el.error, 'msgTooLong');
    el.input.focus();
    return;
  }
  const to = el.to.value === 'hosts' && !amHost() ? 'hosts' : 'everyone';
  if (!state.rpc || chat.pending.length) {
    el.input.value = '';
    queue(text, to);
    return;
  }
  el.send.setAttribute('aria-busy', 'true');
  try {
    const msg = await call('chat.send', params(text, to));
    insertMessage(msg);
    updateChrome();
    scrollToBottom();
    if (el.input.value === raw) el.input.value = '';
    saveDraft();
    showError(el.error, null);
    if (document.activeElement === el.send) el.input.focus();
  } catch (e) {
    if (offline(e)) {
      if (el.input.value === raw) el.input.value = '';
      queue(text, to);
      if (e.code === Codes.NOT_JOINED || e.code === RpcError.TIMEOUT) emit('connection-suspect');
    } else {
      const [key, detail] = chatErrorFor(e);
      showError(el.error, key, detail);
    }
  } finally {
    el.send.removeAttribute('aria-busy');
  }
}

async function loadEarlier() {
  if (chat.loadingEarlier) return;
  if (!state.rpc) {
    showError(el.error, 'notConnected');
    return;
  }
  const before = chat.messages.size ? Math.min(...chat.messages.keys()) : undefined;
  chat.loadingEarlier = true;
  el.loadEarlier.setAttribute('aria-busy', 'true');
  el.loadEarlierLabel.dataset.i18n = 'loadingEarlier';
  el.loadEarlierLabel.textContent = t('loadingEarlier');
  try {
    const p = { limit: HISTORY_PAGE };
    if (before !== undefined) p.before = before;
    const res = await call('chat.history', p);
    const prevHeight = el.log.scrollHeight;
    const prevTop = el.log.scrollTop;
    let first = null;
    for (const m of res.messages || []) {
      if (insertMessage(m) && !first) first = m.seq;
    }
    chat.hasMore = !!res.has_more;
    updateChrome();
    // Keep the lines the reader was looking at in the same place.
    el.log.scrollTop = prevTop + (el.log.scrollHeight - prevHeight);
    if (el.loadEarlier.hidden && first !== null) {
      const node = el.log.querySelector(`[data-seq="${first}"]`);
      if (node) {
        node.tabIndex = -1;
        node.focus();
      }
    }
  } catch (e) {
    const [key, detail] = offline(e) ? ['notConnected'] : ['earlierFailed', e.message];
    showError(el.error, key, detail);
  } finally {
    chat.loadingEarlier = false;
    el.loadEarlier.removeAttribute('aria-busy');
    el.loadEarlierLabel.dataset.i18n = 'showEarlier';
    el.loadEarlierLabel.textContent = t('showEarlier');
  }
}

// Hosts see every line anyway: "to hosts only" is for the others.
function updateTo() {
  el.to.closest('.chat-to').hidden = amHost();
  if (amHost()) el.to.value = 'everyone';
}

export function focusChat() {
  el.input.focus({ preventScroll: true });
}

export function resetChatError() {
  showError(el.error, null);
}

export function initChat() {
  el.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    sendMessage();
  });
  el.input.addEventListener('input', () => {
    saveDraft();
    const key = errorKey(el.error);
    if ((key === 'msgEmpty' && el.input.value.trim()) ||
        (key === 'msgTooLong' && codePoints(el.input.value.trim()) <= MAX_TEXT)) {
      showError(el.error, null);
    }
  });
  el.loadEarlier.addEventListener('click', loadEarlier);
  on('me', updateTo);
  onLangChange(() => {
    for (const node of el.log.querySelectorAll('time[data-ts]')) {
      const ts = Number(node.dataset.ts);
      node.textContent = formatTime(ts);
      node.title = formatFullTime(ts);
    }
  });
}
