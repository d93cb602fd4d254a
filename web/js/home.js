// Home page: create a meeting (optionally with a password and a waiting
// room) and share its participant link, keep its host link; go to a
// meeting from a link or code someone sent; hosts log in to see their
// meetings (account.js).
import { initI18n, t, tr } from './i18n.js';
import { copyText, ROOM_ID_RE } from './util.js';
import { api } from './api.js';
import { initAccount, refreshMeetings } from './account.js';

const $ = (id) => document.getElementById(id);

const createSection = $('create');
const createForm = $('create-form');
const titleInput = $('title');
const newBtn = $('new-meeting');
const newBtnLabel = newBtn.querySelector('[data-i18n]');
const createError = $('create-error');

const readySection = $('ready');
const readyHeading = $('ready-heading');
const readyTitle = $('ready-title');
const linkInput = $('room-link');
const copyBtn = $('copy-link');
const copyStatus = $('copy-status');
const joinNow = $('join-now');
const passwordInput = $('room-password');
const lobbyInput = $('room-lobby');
const hostField = $('host-link-field');
const hostInput = $('host-link');
const hostCopyBtn = $('copy-host-link');
const hostCopyStatus = $('host-copy-status');
const readyOptions = $('ready-options');

const codeCard = $('code-card');
const codeForm = $('code-form');
const codeInput = $('code');
const codeError = $('code-error');

initI18n();

let busy = false;
let statusTimer = 0;

function setBusy(on) {
  busy = on;
  newBtn.setAttribute('aria-busy', String(on));
  newBtn.disabled = on;
  newBtnLabel.dataset.i18n = on ? 'creating' : 'newMeeting';
  newBtnLabel.textContent = t(newBtnLabel.dataset.i18n);
}

async function createMeeting() {
  if (busy) return;
  tr(createError, null);
  const title = titleInput.value.trim() || t('defaultTitle');
  setBusy(true);
  const req = { title };
  if (passwordInput.value) req.password = passwordInput.value;
  if (lobbyInput.checked) req.lobby = true;
  const res = await api('POST', '/api/v1/rooms', req);
  setBusy(false);
  if (res.status === 0) {
    tr(createError, 'createOffline');
    return;
  }
  const body = res.body;
  if (res.status !== 201 || !body || !body.id) {
    tr(createError, res.status === 400 ? 'createBadTitle' : 'createFailed');
    if (res.error) console.warn('create room:', res.status, res.error);
    titleInput.focus();
    return;
  }
  passwordInput.value = '';
  refreshMeetings();
  showReady(body);
}

// The host link: join_url + "#host=" + key (a fragment never reaches
// servers or logs).
export function hostLinkOf(room) {
  if (room.host_url) return room.host_url;
  if (!room.host_key) return '';
  const path = room.join_path || `/r/${encodeURIComponent(room.id)}`;
  return `${new URL(path, window.location.origin).href}#host=${encodeURIComponent(room.host_key)}`;
}

function showReady(room) {
  const path = room.join_path || `/r/${encodeURIComponent(room.id)}`;
  const url = room.join_url || new URL(path, window.location.origin).href;
  const hostUrl = hostLinkOf(room);
  readyTitle.textContent = room.title || '';
  linkInput.value = url;
  hostInput.value = hostUrl;
  hostField.hidden = !hostUrl;
  // The creator goes in as the host.
  joinNow.href = hostUrl ? new URL(hostUrl).pathname + new URL(hostUrl).hash : path;
  const opts = [];
  if (room.has_password) opts.push(t('readyHasPassword'));
  if (room.lobby) opts.push(t('readyHasLobby'));
  readyOptions.textContent = opts.join(' ');
  tr(copyStatus, null);
  tr(hostCopyStatus, null);
  createSection.hidden = true;
  codeCard.hidden = true;
  readySection.hidden = false;
  readyHeading.focus();
}

function showCreate() {
  readySection.hidden = true;
  createSection.hidden = false;
  codeCard.hidden = false;
  titleInput.value = '';
  titleInput.focus();
}

async function copyFrom(input, status) {
  const ok = await copyText(input.value, input);
  tr(status, ok ? 'copied' : 'copyFailed');
  status.classList.toggle('error', !ok);
  clearTimeout(statusTimer);
  if (ok) statusTimer = setTimeout(() => tr(status, null), 6000);
}

// Accepts "abc-defg-hjk", "/r/abc-defg-hjk" or a full link to a meeting.
export function roomIdFrom(text) {
  const s = text.trim();
  if (!s) return null;
  const m = s.match(/(?:^|\/)r\/([^/?#\s]+)/);
  let id = m ? m[1] : s;
  try {
    id = decodeURIComponent(id);
  } catch {
    return null;
  }
  return ROOM_ID_RE.test(id) ? id : null;
}

function goToCode() {
  const text = codeInput.value;
  if (!text.trim()) {
    tr(codeError, 'codeEmpty');
    codeInput.setAttribute('aria-invalid', 'true');
    codeInput.focus();
    return;
  }
  const id = roomIdFrom(text);
  if (!id) {
    tr(codeError, 'codeInvalid');
    codeInput.setAttribute('aria-invalid', 'true');
    codeInput.focus();
    return;
  }
  window.location.href = `/r/${encodeURIComponent(id)}`;
}

createForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  createMeeting();
});
copyBtn.addEventListener('click', () => copyFrom(linkInput, copyStatus));
hostCopyBtn.addEventListener('click', () => copyFrom(hostInput, hostCopyStatus));
hostInput.addEventListener('focus', () => hostInput.select());
linkInput.addEventListener('focus', () => linkInput.select());
$('another').addEventListener('click', showCreate);
codeForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  goToCode();
});
codeInput.addEventListener('input', () => {
  if (codeInput.hasAttribute('aria-invalid')) {
    codeInput.removeAttribute('aria-invalid');
    tr(codeError, null);
  }
});

initAccount();
