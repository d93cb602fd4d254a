// The host's events (/events.html; needs a host account): plan a meeting
// or a webinar (date and time in a chosen time zone, the browser's by
// default), edit and cancel it, see upcoming and past events, the people
// who registered (and a CSV export), send invitations, and copy the links
// (the public page, the host's, the presenters').
import { initI18n, onLangChange, t, tr } from './i18n.js';
import { api, setCsrf } from './api.js';
import { copyText, h } from './util.js';
import { toMs, formatShort, browserZone, zoneList } from './event_time.js';

const $ = (id) => document.getElementById(id);
const MAX_INVITES = 500;

let when = 'upcoming';
let editing = null; // the event being edited, or null
let events = [];
const open = new Set(); // ids whose details are shown

function show(name) {
  for (const v of ['loading', 'login', 'main']) $(`view-${v}`).hidden = v !== name;
  document.title = `${t(name === 'main' ? 'evsHeading' : 'evsLoginHeading')} — aula`;
}

// ---------------------------------------------------------------- form

function fillZones() {
  const sel = $('ef-zone');
  const own = browserZone();
  sel.replaceChildren(...zoneList().map((z) => h('option', { value: z }, z === own ? `${z} (${t('evsYourZone')})` : z)));
  sel.value = own;
}

function radio(name) {
  return document.querySelector(`input[name="${name}"]:checked`)?.value;
}

function setRadio(name, value) {
  const r = document.querySelector(`input[name="${name}"][value="${value}"]`);
  if (r) r.checked = true;
}

function syncPasswordField() {
  $('ef-password-field').hidden = radio('ef-access') !== 'password';
}

// The date and time of ms as the clock in zone shows them.
function partsIn(ms, zone) {
  try {
    const p = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    }).formatToParts(new Date(ms));
    const g = (type) => p.find((x) => x.type === type).value;
    return { date: `${g('year')}-${g('month')}-${g('day')}`, time: `${g('hour')}:${g('minute')}` };
  } catch {
    return { date: '', time: '' };
  }
}

function resetForm() {
  editing = null;
  $('event-form').reset();
  fillZones();
  // Tomorrow at the next full hour, as a start.
  const d = new Date(Date.now() + 24 * 3600 * 1000);
  d.setMinutes(0, 0, 0);
  const p = partsIn(d.getTime(), browserZone());
  $('ef-date').value = p.date;
  $('ef-time').value = p.time;
  $('ef-duration').value = '60';
  syncPasswordField();
  $('ef-cancel-edit').hidden = true;
  $('ef-submit').dataset.i18n = 'evsCreate';
  $('ef-submit').textContent = t('evsCreate');
  tr($('schedule-heading'), 'evsScheduleHeading');
}

function startEdit(ev) {
  editing = ev;
  $('ef-title').value = ev.title || '';
  $('ef-description').value = ev.description || '';
  const zone = ev.time_zone || browserZone();
  if (![...$('ef-zone').options].some((o) => o.value === zone)) $('ef-zone').append(h('option', { value: zone }, zone));
  $('ef-zone').value = zone;
  const p = partsIn(toMs(ev.starts), zone);
  $('ef-date').value = p.date;
  $('ef-time').value = p.time;
  $('ef-duration').value = String(ev.duration_min || 60);
  setRadio('ef-type', ev.type || 'meeting');
  setRadio('ef-access', ev.access || 'open');
  $('ef-password').value = '';
  $('ef-welcome').value = ev.welcome_text || '';
  syncPasswordField();
  $('ef-cancel-edit').hidden = false;
  $('ef-submit').dataset.i18n = 'evsSave';
  $('ef-submit').textContent = t('evsSave');
  tr($('schedule-heading'), 'evsEditHeading', { title: ev.title || '' });
  $('schedule').scrollIntoView({ block: 'start' });
  $('ef-title').focus();
}

function formError(key, params, field) {
  for (const id of ['ef-title', 'ef-date', 'ef-time', 'ef-duration', 'ef-password']) $(id).removeAttribute('aria-invalid');
  tr($('ef-error'), key, params);
  if (field) {
    $(field).setAttribute('aria-invalid', 'true');
    $(field).focus();
  }
}

async function submitForm(evt) {
  evt.preventDefault();
  const title = $('ef-title').value.trim();
  const date = $('ef-date').value;
  const time = $('ef-time').value;
  const duration = Number($('ef-duration').value);
  const access = radio('ef-access');
  const password = $('ef-password').value;
  if (!title) return formError('evsNeedTitle', {}, 'ef-title');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return formError('evsNeedDate', {}, 'ef-date');
  if (!/^\d{2}:\d{2}$/.test(time)) return formError('evsNeedTime', {}, 'ef-time');
  if (!Number.isInteger(duration) || duration < 1 || duration > 1440) return formError('evsBadDuration', {}, 'ef-duration');
  if (access === 'password' && !password && !(editing && editing.access === 'password')) {
    return formError('evsNeedPassword', {}, 'ef-password');
  }
  formError(null);
  const body = {
    title,
    description: $('ef-description').value.trim(),
    starts: `${date}T${time}`,
    time_zone: $('ef-zone').value,
    duration_min: duration,
    type: radio('ef-type'),
    access,
    welcome_text: $('ef-welcome').value.trim(),
  };
  if (password) body.password = password;
  const btn = $('ef-submit');
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  const res = editing
    ? await api('PATCH', `/api/v1/events/${encodeURIComponent(editing.id)}`, body)
    : await api('POST', '/api/v1/events', body);
  btn.disabled = false;
  btn.removeAttribute('aria-busy');
  if (res.status === 201 || res.status === 200) {
    const ev = res.body && (res.body.event || res.body);
    const wasEditing = !!editing;
    resetForm();
    if (!wasEditing && ev) showCreated(ev, res.body.links || ev.links);
    else tr($('list-status'), 'evsSaved');
    await loadList();
    return;
  }
  if (res.status === 401) {
    show('login');
    return;
  }
  formError(res.status === 0 ? 'joinOffline' : 'evsSaveFailed', { msg: res.error || String(res.status) });
}

// ---------------------------------------------------------------- links

function abs(path) {
  return path ? new URL(path, window.location.origin).href : '';
}

function linkRow(idPrefix, key, hintKey, url) {
  const id = `${idPrefix}-${key}`;
  const input = h('input', { id, type: 'text', readonly: true, 'data-testid': `link-${key}` });
  input.value = url;
  const label = h('label', { for: id });
  tr(label, `evsLink_${key}`);
  const hint = h('p', { class: 'hint' });
  tr(hint, hintKey);
  const btn = h('button', { type: 'button', class: 'btn', 'data-testid': `copy-${key}` });
  tr(btn, 'copyLink');
  btn.setAttribute('aria-label', t('evsCopyThis', { what: t(`evsLink_${key}`) }));
  const status = h('p', { class: 'status', role: 'status' });
  btn.addEventListener('click', async () => {
    const ok = await copyText(input.value, input);
    tr(status, ok ? 'copied' : 'copyFailed');
  });
  return h('div', { class: 'field link-row' }, label, hint, h('div', { class: 'input-row' }, input, btn), status);
}

function linksBox(idPrefix, links) {
  const box = h('div', { class: 'links' });
  if (!links) return box;
  if (links.page) box.append(linkRow(idPrefix, 'page', 'evsLinkHint_page', abs(links.page)));
  if (links.host) box.append(linkRow(idPrefix, 'host', 'evsLinkHint_host', abs(links.host)));
  if (links.presenter) box.append(linkRow(idPrefix, 'presenter', 'evsLinkHint_presenter', abs(links.presenter)));
  return box;
}

function showCreated(ev, links) {
  $('created-links').replaceChildren(linksBox('created', links));
  $('created').hidden = false;
  $('created-heading').focus();
}

// ---------------------------------------------------------------- list

async function loadList() {
  const res = await api('GET', `/api/v1/events?when=${when}`);
  if (res.status === 401) {
    show('login');
    return;
  }
  if (res.status !== 200 || !res.body) {
    tr($('list-status'), 'evsLoadFailed', { msg: res.error || String(res.status) });
    return;
  }
  events = res.body.events || [];
  renderList();
}

function statusKey(ev) {
  return { scheduled: 'evsStatusScheduled', live: 'evsStatusLive', ended: 'evsStatusEnded', cancelled: 'evsStatusCancelled' }[ev.status] || 'evsStatusScheduled';
}

function renderList() {
  const list = $('events-list');
  list.replaceChildren();
  if (!events.length) {
    list.append(h('li', { class: 'muted', 'data-testid': 'events-empty' }, t(when === 'upcoming' ? 'evsNoUpcoming' : 'evsNoPast')));
    return;
  }
  for (const ev of events) list.append(eventItem(ev));
}

function eventItem(ev) {
  const li = h('li', { dataset: { event: ev.id }, 'data-testid': 'event-item' });
  const starts = toMs(ev.starts);
  const meta = [
    Number.isFinite(starts) ? `${formatShort(starts, ev.time_zone)} (${ev.time_zone || ''})` : '',
    t(ev.type === 'webinar' ? 'evKindWebinar' : 'evKindMeeting'),
    t(statusKey(ev)),
  ];
  if (ev.access === 'registration') meta.push(t('evsRegistrantsN', { n: ev.registrants ?? 0 }));
  const detailsId = `details-${ev.id}`;
  const toggle = h('button', { type: 'button', class: 'btn btn-small', 'aria-expanded': String(open.has(ev.id)), 'aria-controls': detailsId, 'data-testid': 'event-toggle' });
  tr(toggle, 'evsDetails');
  toggle.setAttribute('aria-label', t('evsDetailsOf', { title: ev.title }));
  const details = h('div', { id: detailsId, class: 'event-details', hidden: !open.has(ev.id) });
  li.append(
    h('p', { class: 'event-name', 'data-testid': 'event-name' }, ev.title || ''),
    h('p', { class: 'muted' }, meta.filter(Boolean).join(' · ')),
    toggle, details,
  );
  toggle.addEventListener('click', () => {
    const now = details.hidden;
    details.hidden = !now;
    toggle.setAttribute('aria-expanded', String(now));
    if (now) {
      open.add(ev.id);
      fillDetails(ev, details);
    } else {
      open.delete(ev.id);
    }
  });
  if (open.has(ev.id)) fillDetails(ev, details);
  return li;
}

function fillDetails(ev, box) {
  box.replaceChildren();
  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'event-status' });
  box.append(linksBox(`ev-${ev.id}`, ev.links));
  const pageLink = h('a', { href: `/e/${encodeURIComponent(ev.id)}`, class: 'btn btn-quiet' });
  tr(pageLink, 'evsOpenPage');
  const actions = h('div', { class: 'actions' }, pageLink);
  if (ev.status !== 'cancelled' && ev.status !== 'ended') {
    const edit = h('button', { type: 'button', class: 'btn', 'data-testid': 'event-edit' });
    tr(edit, 'evsEdit');
    edit.addEventListener('click', () => startEdit(ev));
    const cancel = h('button', { type: 'button', class: 'btn btn-danger-quiet', 'data-testid': 'event-cancel' });
    tr(cancel, 'evsCancelEvent');
    const confirm = h('div', { class: 'confirm', hidden: true });
    const yes = h('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'event-cancel-yes' });
    tr(yes, 'evsCancelYes');
    const no = h('button', { type: 'button', class: 'btn' });
    tr(no, 'evsCancelNo');
    const q = h('p');
    tr(q, ev.access === 'registration' ? 'evsCancelConfirmReg' : 'evsCancelConfirm');
    confirm.append(q, yes, no);
    cancel.addEventListener('click', () => {
      confirm.hidden = false;
      yes.focus();
    });
    no.addEventListener('click', () => {
      confirm.hidden = true;
      cancel.focus();
    });
    yes.addEventListener('click', async () => {
      const res = await api('POST', `/api/v1/events/${encodeURIComponent(ev.id)}/cancel`, {});
      if (res.status === 200 || res.status === 204) {
        tr($('list-status'), 'evsCancelled', { title: ev.title });
        await loadList();
        $('list-heading').focus?.();
      } else {
        tr(status, 'evsSaveFailed', { msg: res.error || String(res.status) });
      }
    });
    actions.append(edit, cancel);
    box.append(actions, confirm);
  } else {
    box.append(actions);
  }
  if (ev.access === 'registration') box.append(registrantsBox(ev));
  if (ev.status !== 'cancelled' && ev.status !== 'ended') box.append(invitationsBox(ev));
  box.append(status);
}

function registrantsBox(ev) {
  const sec = h('section', { class: 'registrants', 'aria-labelledby': `reg-h-${ev.id}` });
  const heading = h('h3', { id: `reg-h-${ev.id}` });
  tr(heading, 'evsRegistrants');
  const csv = h('a', { href: `/api/v1/events/${encodeURIComponent(ev.id)}/registrants.csv`, download: `registrants-${ev.id}.csv`, class: 'btn btn-small', 'data-testid': 'export-csv' });
  tr(csv, 'evsExportCsv');
  const body = h('div', { 'data-testid': 'registrants' });
  sec.append(heading, csv, body);
  (async () => {
    const res = await api('GET', `/api/v1/events/${encodeURIComponent(ev.id)}/registrants`);
    const list = res.status === 200 && res.body ? (res.body.registrants || []) : null;
    if (!list) {
      body.append(h('p', { class: 'error' }, t('evsLoadFailed', { msg: res.error || String(res.status) })));
      return;
    }
    if (!list.length) {
      body.append(h('p', { class: 'muted' }, t('evsNoRegistrants')));
      return;
    }
    const head = h('tr', {}, h('th', { scope: 'col' }, t('evsColName')), h('th', { scope: 'col' }, t('emailLabel')), h('th', { scope: 'col' }, t('evsRegisteredAt')));
    const rows = list.map((r) => h('tr', { 'data-testid': 'registrant' },
      h('td', {}, r.name || ''), h('td', {}, r.email || ''),
      h('td', {}, r.registered !== undefined ? formatShort(toMs(r.registered)) : '')));
    const caption = h('caption', { class: 'visually-hidden' }, t('evsRegistrantsOf', { title: ev.title }));
    body.append(h('table', { class: 'reg-table' }, caption, h('thead', {}, head), h('tbody', {}, ...rows)));
  })();
  return sec;
}

function invitationsBox(ev) {
  const id = `inv-${ev.id}`;
  const sec = h('section', { class: 'invitations', 'aria-labelledby': `${id}-h` });
  const heading = h('h3', { id: `${id}-h` });
  tr(heading, 'evsInvite');
  const label = h('label', { for: `${id}-emails` });
  tr(label, 'evsInviteEmails');
  const hint = h('p', { id: `${id}-hint`, class: 'hint' });
  tr(hint, 'evsInviteHint');
  const emails = h('textarea', { id: `${id}-emails`, rows: '3', 'aria-describedby': `${id}-hint ${id}-st`, 'data-testid': 'invite-emails' });
  const msgLabel = h('label', { for: `${id}-msg` });
  tr(msgLabel, 'evsInviteMessage');
  const msg = h('textarea', { id: `${id}-msg`, rows: '2', maxlength: '2000', 'data-testid': 'invite-message' });
  const st = h('p', { id: `${id}-st`, class: 'status', role: 'status', 'data-testid': 'invite-status' });
  const send = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'invite-send' });
  tr(send, 'evsInviteSend');
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'field' }, label, hint, emails), h('div', { class: 'field' }, msgLabel, msg), st, send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const list = [...new Set(emails.value.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean))];
    st.classList.remove('error');
    if (!list.length || list.length > MAX_INVITES) {
      st.classList.add('error');
      tr(st, list.length ? 'evsInviteTooMany' : 'evsInviteEmpty', { n: MAX_INVITES });
      emails.focus();
      return;
    }
    const body = { emails: list };
    if (msg.value.trim()) body.message = msg.value.trim();
    send.disabled = true;
    const res = await api('POST', `/api/v1/events/${encodeURIComponent(ev.id)}/invitations`, body);
    send.disabled = false;
    if (res.status === 202 || res.status === 200) {
      tr(st, 'evsInviteQueued', { n: res.body?.queued ?? list.length });
      emails.value = '';
    } else {
      st.classList.add('error');
      tr(st, res.status === 409 ? 'evsMailOff' : 'evsSaveFailed', { msg: res.error || String(res.status) });
    }
  });
  sec.append(heading, form);
  return sec;
}

// ---------------------------------------------------------------- start

function setTab(w) {
  when = w;
  $('tab-upcoming').setAttribute('aria-pressed', String(w === 'upcoming'));
  $('tab-past').setAttribute('aria-pressed', String(w === 'past'));
  tr($('list-status'), null);
  loadList();
}

async function start() {
  show('loading');
  const me = await api('GET', '/api/v1/auth/me');
  if (me.status !== 200 || !me.body || !me.body.user) {
    show('login');
    return;
  }
  setCsrf(me.body.csrf);
  tr($('events-who'), 'loggedInAs', { name: me.body.user.name, email: me.body.user.email });
  resetForm();
  show('main');
  await loadList();
}

$('event-form').addEventListener('submit', submitForm);
for (const r of document.querySelectorAll('input[name="ef-access"]')) r.addEventListener('change', syncPasswordField);
$('ef-cancel-edit').addEventListener('click', () => {
  resetForm();
  $('ef-title').focus();
});
$('tab-upcoming').addEventListener('click', () => setTab('upcoming'));
$('tab-past').addEventListener('click', () => setTab('past'));
onLangChange(() => {
  const zone = $('ef-zone').value;
  fillZones();
  $('ef-zone').value = zone;
  renderList();
  document.title = `${t($('view-main').hidden ? 'evsLoginHeading' : 'evsHeading')} — aula`;
});
initI18n();
start();
