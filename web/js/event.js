// The public page of an event (/e/{id}): what, when (in the visitor's time
// zone and the event's), registration, the waiting page with a countdown
// and the presenter's welcome text, the end page and the cancelled page.
//
// Links: /e/{id} (public), /e/{id}#k=KEY (a registrant's personal link),
// #presenter=KEY, #host=KEY. The key is kept for this tab and taken out of
// the address bar. With a key (or a name for open events) the page asks
// POST /api/v1/events/{id}/join; once the event is open it hands the token
// to the room page (event_join.js) and goes there by itself.
import { initI18n, onLangChange, tr, getLang } from './i18n.js';
import { api } from './api.js';
import { copyText, codePoints, idFromPath } from './util.js';
import { credFromHash, loadCred, saveCred, joinEvent, handOff } from './event_join.js';
import { toMs, formatWhen, formatDuration, zoneDiffers, countdown } from './event_time.js';
import { downloadFile, fileSize } from './files.js';

const $ = (id) => document.getElementById(id);
const OPEN_EARLY_MS = 15 * 60 * 1000; // attendees may enter 15 min before

const views = ['loading', 'notfound', 'error', 'event', 'registered', 'waiting', 'ended', 'cancelled'];
const el = Object.fromEntries(views.map((v) => [v, $(`view-${v}`)]));

let eventId = null;
let ev = null; // the public event object
let cred = {};
let tick = 0;
let retryTimer = 0;
let lastWords = '';

function show(name, { focus = true } = {}) {
  for (const v of views) el[v].hidden = v !== name;
  document.body.dataset.view = name;
  const heading = el[name].querySelector('h1');
  if (focus && heading) heading.focus();
  updateDocTitle();
}

function updateDocTitle() {
  document.title = ev && ev.title ? `${ev.title} — aula` : 'aula';
}

function showError(node, key, params) {
  if (!key) tr(node, null);
  else tr(node, key, params);
}

// ---------------------------------------------------------------- details

function renderDetails() {
  if (!ev) return;
  const starts = toMs(ev.starts);
  $('ev-title').textContent = ev.title || '';
  for (const id of ['waiting-heading', 'ended-title', 'cancelled-title']) $(id).textContent = ev.title || '';
  tr($('ev-kind'), ev.type === 'webinar' ? 'evKindWebinar' : 'evKindMeeting');
  if (Number.isFinite(starts)) {
    tr($('ev-when-local'), 'evWhenLocal', { when: formatWhen(starts) });
    if (zoneDiffers(starts, ev.time_zone)) {
      tr($('ev-when-event'), 'evWhenZone', { zone: ev.time_zone, when: formatWhen(starts, ev.time_zone) });
    } else {
      tr($('ev-when-event'), 'evZoneSame', { zone: ev.time_zone || '' });
    }
    tr($('waiting-when'), 'evWhenLocal', { when: formatWhen(starts) });
  }
  $('ev-duration').textContent = formatDuration(ev.duration_min);
  $('ev-description').textContent = ev.description || '';
  $('ev-description').hidden = !ev.description;
  const welcome = $('welcome');
  welcome.textContent = ev.welcome_text || '';
  welcome.hidden = !ev.welcome_text;
  updateDocTitle();
}

// ---------------------------------------------------------------- flow

async function load() {
  show('loading', { focus: false });
  const res = await api('GET', `/api/v1/events/${encodeURIComponent(eventId)}`);
  if (res.status === 404 || res.status === 400) {
    show('notfound');
    return;
  }
  if (res.status !== 200 || !res.body) {
    show('error');
    return;
  }
  ev = res.body.event || res.body;
  renderDetails();
  decide();
}

function hasKey() {
  return !!(cred.key || cred.presenter_key || cred.host_key);
}

// Host and presenter links carry no name: the page asks for one.
function roleKey() {
  return !!(cred.presenter_key || cred.host_key);
}

function keysOnly(c) {
  const out = {};
  for (const k of ['key', 'presenter_key', 'host_key']) if (c[k]) out[k] = c[k];
  return out;
}

// What the visitor sees now, from the event's state and the link's key.
function decide() {
  const status = ev.status || 'scheduled';
  if (status === 'cancelled') {
    show('cancelled');
    return;
  }
  // Back from the room after it ended: the thank-you page, not the room.
  if (loadCred(eventId).finished) {
    showEnded();
    return;
  }
  if (cred.key || (roleKey() && cred.name)) {
    enter();
    return;
  }
  if (roleKey()) {
    showNameForm();
    return;
  }
  if (status === 'ended') {
    showEnded();
    return;
  }
  showEventForms();
}

function showEventForms() {
  const reg = ev.access === 'registration';
  // The event's owner (logged in) sees its host key: one button goes in.
  $('enter-host').hidden = !ev.host_key;
  $('register-form').hidden = !reg;
  $('enter-form').hidden = reg;
  $('enter-password-field').hidden = ev.access !== 'password';
  tr($('ev-status'), ev.status === 'live' ? 'evLiveNow' : null);
  prefillName();
  show('event');
}

// A host or presenter link: only the name is asked.
function showNameForm() {
  $('register-form').hidden = true;
  $('enter-form').hidden = false;
  $('enter-password-field').hidden = true;
  $('enter-host').hidden = true;
  tr($('ev-status'), cred.host_key ? 'evAsHost' : 'evAsPresenter');
  prefillName();
  show('event', { focus: false });
  $('enter-name').focus();
}

function prefillName() {
  const input = $('enter-name');
  if (input.value) return;
  try {
    input.value = localStorage.getItem('aula.name') || '';
  } catch {
    /* storage off: the person types it */
  }
}

// Asks for a token; goes to the room, or waits, or says why not.
async function enter() {
  clearTimeout(retryTimer);
  const r = await joinEvent(eventId, cred);
  if (r.ok) {
    saveCred(eventId, { ...cred, room: r.room }); // (not finished: a new visit)
    window.location.assign(handOff(eventId, cred, r));
    return;
  }
  const b = r.body || {};
  if (r.status === 409 && b.status === 'cancelled') {
    show('cancelled');
    return;
  }
  if (r.status === 409 && b.status === 'ended') {
    showEnded();
    return;
  }
  if (r.status === 409) {
    if (b.starts !== undefined) ev.starts = b.starts;
    showWaiting();
    return;
  }
  if (r.status === 0) {
    show('error');
    return;
  }
  // A name the server refuses: ask again.
  if (r.status === 400) {
    if (roleKey()) showNameForm();
    else showEventForms();
    $('enter-name').setAttribute('aria-invalid', 'true');
    showError($('enter-error'), 'evJoinFailed', { msg: r.error || String(r.status) });
    $('enter-name').focus();
    return;
  }
  if (r.status === 404) {
    show('notfound');
    return;
  }
  // A key that does not work (any more): forget it. Anything else (a wrong
  // password, a locked room) keeps it for another try.
  const keyed = hasKey() && r.status === 403;
  if (keyed) {
    cred = {};
    saveCred(eventId, cred);
  }
  if (roleKey()) showNameForm();
  else showEventForms();
  const target = ev.access === 'registration' && !roleKey() ? $('reg-error') : $('enter-error');
  if (r.status === 401 && b.password_required) {
    $('enter-password-field').hidden = false;
    showError(target, cred.password ? 'evPasswordWrong' : 'evPasswordNeeded');
    $('enter-password').setAttribute('aria-invalid', 'true');
    $('enter-password').focus();
    return;
  }
  showError(target, keyed ? 'evKeyInvalid' : 'evJoinFailed', { msg: r.error || String(r.status) });
}

// ---------------------------------------------------------------- waiting

function showWaiting() {
  renderDetails();
  show('waiting');
  clearInterval(tick);
  const starts = toMs(ev.starts);
  const draw = () => {
    const c = countdown(starts);
    $('countdown').textContent = c.text;
    // Screen readers hear the time left once a minute, not every second.
    if (c.words !== lastWords) {
      lastWords = c.words;
      $('countdown-sr').textContent = c.words;
    }
  };
  draw();
  tick = setInterval(draw, 1000);
  // Ask again when the doors open (15 minutes before the start), then now
  // and then: the page moves into the room by itself.
  const opensIn = starts - OPEN_EARLY_MS - Date.now();
  const delay = Number.isFinite(opensIn) ? Math.min(Math.max(opensIn + 500, 5000), 60000) : 15000;
  retryTimer = setTimeout(enter, delay);
}

// ---------------------------------------------------------------- end

async function showEnded() {
  clearInterval(tick);
  clearTimeout(retryTimer);
  show('ended');
  // The event's files (GET /api/v1/events/{id}/files): with the personal
  // key or the password this tab knows, for anyone when the event is open,
  // or the host's session (the server decides). Those open once the event
  // has started; a room that ran earlier (the doors open 15 minutes before)
  // still has a live token in this tab, which works then too.
  const kept = loadCred(eventId);
  const tries = [];
  const key = cred.key || kept.key;
  const password = cred.password || kept.password;
  if (key) tries.push({ 'X-Event-Key': key });
  else if (password && ev.access === 'password') tries.push({ 'X-Event-Password': password });
  else tries.push({});
  let token = kept.token || '';
  try {
    token = JSON.parse(sessionStorage.getItem(`aula.session.${kept.room}`) || '{}').token || token;
  } catch {
    /* the kept one */
  }
  if (token) tries.push({ Authorization: `Bearer ${token}` });
  let res = null;
  let auth = {};
  for (auth of tries) {
    res = await listFiles(auth);
    if (res.status === 200) break;
  }
  // A password event opened later (a new tab knows no password): ask.
  if (res.status === 401 && res.body && res.body.password_required) {
    $('ended-password-form').hidden = false;
    return;
  }
  showFiles(res, auth);
}

function listFiles(auth) {
  return api('GET', `/api/v1/events/${encodeURIComponent(eventId)}/files`, undefined, { headers: auth });
}

async function endedPassword(evt) {
  evt.preventDefault();
  const input = $('ended-password');
  const err = $('ended-password-error');
  input.removeAttribute('aria-invalid');
  const auth = { 'X-Event-Password': input.value };
  const res = input.value ? await listFiles(auth) : { status: 401 };
  if (res.status !== 200) {
    input.setAttribute('aria-invalid', 'true');
    showError(err, res.status === 401 ? (input.value ? 'evPasswordWrong' : 'evPasswordNeeded') : 'evJoinFailed',
      { msg: res.error || String(res.status) });
    input.focus();
    return;
  }
  showError(err, null);
  $('ended-password-form').hidden = true;
  $('ended-files-none').hidden = showFiles(res, auth);
}

// Lists the files of a 200 answer (each downloads with auth); false when
// there are none.
function showFiles(res, auth) {
  if (res.status !== 200 || !res.body || !Array.isArray(res.body.files) || !res.body.files.length) return false;
  const list = $('ended-files-list');
  list.replaceChildren();
  for (const f of res.body.files) {
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'btn';
    btn.dataset.testid = 'ended-file';
    btn.textContent = `${f.name} (${fileSize(f.size)})`;
    btn.addEventListener('click', () => downloadFile(f, auth));
    const li = document.createElement('li');
    li.append(btn);
    list.append(li);
  }
  $('ended-files').hidden = false;
  return true;
}

// ---------------------------------------------------------------- forms

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function register(evt) {
  evt.preventDefault();
  const name = $('reg-name').value.trim();
  const email = $('reg-email').value.trim();
  const consent = $('reg-consent').checked;
  const err = $('reg-error');
  for (const id of ['reg-name', 'reg-email', 'reg-consent']) $(id).removeAttribute('aria-invalid');
  let bad = null;
  if (!name || codePoints(name) > 64) bad = ['reg-name', 'nameEmpty'];
  else if (!EMAIL_RE.test(email)) bad = ['reg-email', 'evEmailInvalid'];
  else if (!consent) bad = ['reg-consent', 'evConsentNeeded'];
  if (bad) {
    $(bad[0]).setAttribute('aria-invalid', 'true');
    showError(err, bad[1]);
    $(bad[0]).focus();
    return;
  }
  showError(err, null);
  const btn = $('reg-submit');
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  const res = await api('POST', `/api/v1/events/${encodeURIComponent(eventId)}/register`,
    { name, email, consent: true, lang: getLang() });
  btn.disabled = false;
  btn.removeAttribute('aria-busy');
  if ((res.status === 201 || res.status === 200) && res.body && (res.body.personal_url || res.body.already_registered)) {
    showRegistered(res.body, email);
    return;
  }
  showError(err, res.status === 0 ? 'joinOffline' : 'evRegisterFailed', { msg: res.error || String(res.status) });
}

function showRegistered(body, email) {
  // Registered before: the link goes to the address again, and is shown
  // only when e-mail is off (whoever typed the address may not own it).
  const url = body.personal_url ? new URL(body.personal_url, window.location.origin).href : '';
  $('personal-link').value = url;
  $('personal-go').href = url || '#';
  $('personal-box').hidden = !url;
  $('personal-go').hidden = !url;
  if (body.already_registered && !url) tr($('registered-mail'), 'evMailAgain', { email });
  else if (body.email_off) tr($('registered-mail'), 'evMailOff');
  else if (body.email_sent === false) tr($('registered-mail'), 'evMailFailed', { email });
  else tr($('registered-mail'), 'evMailSent', { email });
  show('registered');
}

function enterForm(evt) {
  evt.preventDefault();
  const name = $('enter-name').value.trim();
  const err = $('enter-error');
  $('enter-name').removeAttribute('aria-invalid');
  if (!name || codePoints(name) > 64) {
    $('enter-name').setAttribute('aria-invalid', 'true');
    showError(err, 'nameEmpty');
    $('enter-name').focus();
    return;
  }
  showError(err, null);
  cred = { ...keysOnly(cred), name };
  const pw = $('enter-password').value;
  if (pw) cred.password = pw;
  try {
    localStorage.setItem('aula.name', name);
  } catch {
    /* not remembered */
  }
  // Kept for this tab (not the password), so a reload asks nothing again.
  saveCred(eventId, { ...keysOnly(cred), name });
  enter();
}

async function copyPersonal() {
  const ok = await copyText($('personal-link').value, $('personal-link'));
  tr($('copy-personal-status'), ok ? 'copied' : 'copyFailed');
}

// ---------------------------------------------------------------- start

function start() {
  eventId = idFromPath(window.location.pathname, 'e');
  if (!eventId) {
    show('notfound');
    return;
  }
  const fromHash = credFromHash(window.location.hash);
  if (Object.keys(fromHash).length) {
    saveCred(eventId, fromHash);
    // Out of the address bar: a link copied from there is the public one.
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  cred = loadCred(eventId);
  delete cred.room;
  delete cred.finished;
  delete cred.token;
  load();
}

// A personal link opened in a tab that shows this page already (the
// "Open my link" button): only the fragment changes.
window.addEventListener('hashchange', () => {
  const fromHash = credFromHash(window.location.hash);
  if (!Object.keys(fromHash).length) return;
  saveCred(eventId, fromHash);
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  cred = fromHash;
  if (ev) decide();
});

$('register-form').addEventListener('submit', register);
$('enter-host').addEventListener('click', () => {
  cred = { host_key: ev.host_key };
  saveCred(eventId, cred);
  showNameForm();
});
$('enter-form').addEventListener('submit', enterForm);
$('ended-password-form').addEventListener('submit', endedPassword);
$('copy-personal').addEventListener('click', copyPersonal);
$('retry').addEventListener('click', load);
onLangChange(() => {
  renderDetails();
  lastWords = '';
});
initI18n();
start();
