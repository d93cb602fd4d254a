// Home page: create a meeting and share its link, or go to a meeting from a
// link or code someone sent.
import { initI18n, t, tr } from './i18n.js';
import { copyText, ROOM_ID_RE } from './util.js';

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
  let res;
  try {
    res = await fetch('/api/v1/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ title }),
    });
  } catch {
    setBusy(false);
    tr(createError, 'createOffline');
    return;
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  setBusy(false);
  if (res.status !== 201 || !body || !body.id) {
    tr(createError, res.status === 400 ? 'createBadTitle' : 'createFailed');
    if (body && body.error) console.warn('create room:', res.status, body.error.message);
    titleInput.focus();
    return;
  }
  showReady(body);
}

function showReady(room) {
  const path = room.join_path || `/r/${encodeURIComponent(room.id)}`;
  const url = room.join_url || new URL(path, window.location.origin).href;
  readyTitle.textContent = room.title || '';
  linkInput.value = url;
  joinNow.href = path;
  tr(copyStatus, null);
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

async function copyLink() {
  const ok = await copyText(linkInput.value, linkInput);
  tr(copyStatus, ok ? 'copied' : 'copyFailed');
  copyStatus.classList.toggle('error', !ok);
  clearTimeout(statusTimer);
  if (ok) statusTimer = setTimeout(() => tr(copyStatus, null), 6000);
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
copyBtn.addEventListener('click', copyLink);
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
