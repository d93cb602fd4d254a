// Host accounts on the home page: sign up, log in, log out (a session
// cookie set by aula; every change sends the CSRF token), and "My
// meetings" with each meeting's participant and host links.
import { t, tr, onLangChange } from './i18n.js';
import { api, setCsrf } from './api.js';
import { h, copyText } from './util.js';

const $ = (id) => document.getElementById(id);
const el = {
  card: $('account'),
  out: $('logged-out'),
  in: $('logged-in'),
  showLogin: $('show-login'),
  showSignup: $('show-signup'),
  loginForm: $('login-form'),
  loginEmail: $('login-email'),
  loginPassword: $('login-password'),
  loginError: $('login-error'),
  signupForm: $('signup-form'),
  signupName: $('signup-name'),
  signupEmail: $('signup-email'),
  signupPassword: $('signup-password'),
  signupError: $('signup-error'),
  who: $('account-who'),
  logout: $('logout'),
  meetings: $('meetings'),
  empty: $('meetings-empty'),
  status: $('meetings-status'),
};

let user = null;
let rooms = [];

function fail(target, key, serverMessage) {
  target.replaceChildren();
  if (!key) return;
  const main = h('span');
  tr(main, key);
  target.append(main);
  if (serverMessage) {
    const d = h('span', { class: 'error-detail' });
    tr(d, 'serverSaid', { msg: serverMessage });
    target.append(' ', d);
  }
}

function showTab(which) {
  const login = which === 'login';
  el.loginForm.hidden = !login;
  el.signupForm.hidden = login;
  el.showLogin.setAttribute('aria-pressed', String(login));
  el.showSignup.setAttribute('aria-pressed', String(!login));
}

function render() {
  el.out.hidden = !!user;
  el.in.hidden = !user;
  if (user) tr(el.who, 'loggedInAs', { name: user.name, email: user.email });
  renderMeetings();
}

function copyButton(labelKey, url, name, testid) {
  const b = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': testid });
  tr(b, labelKey);
  b.setAttribute('aria-label', t(`${labelKey}Of`, { name }));
  b.addEventListener('click', async () => {
    const ok = await copyText(url);
    tr(el.status, ok ? 'copied' : 'copyFailed');
  });
  return b;
}

function renderMeetings() {
  el.empty.hidden = !user || rooms.length > 0;
  el.meetings.replaceChildren(...rooms.map((r) => {
    const path = r.join_path || `/r/${encodeURIComponent(r.id)}`;
    const url = r.join_url || new URL(path, window.location.origin).href;
    const hostUrl = r.host_url || (r.host_key ? `${url}#host=${encodeURIComponent(r.host_key)}` : url);
    const title = r.title || r.id;
    const open = h('a', { class: 'btn btn-primary btn-small', href: new URL(hostUrl).pathname + new URL(hostUrl).hash, 'data-testid': 'meeting-open' });
    tr(open, 'openMeeting');
    open.setAttribute('aria-label', t('openMeetingOf', { name: title }));
    const people = h('span', { class: 'muted' });
    if (typeof r.participants === 'number') tr(people, 'peopleNow', { n: r.participants });
    return h('li', { 'data-testid': 'meeting', dataset: { id: r.id } },
      h('span', { class: 'meeting-name', 'data-testid': 'meeting-title' }, title), people,
      open,
      copyButton('copyParticipantLink', url, title, 'meeting-copy-link'),
      copyButton('copyHostLinkShort', hostUrl, title, 'meeting-copy-host-link'));
  }));
}

export async function refreshMeetings() {
  if (!user) return;
  const res = await api('GET', '/api/v1/rooms');
  if (res.status === 200 && res.body && Array.isArray(res.body.rooms)) {
    rooms = res.body.rooms;
  } else if (res.status === 401) {
    user = null;
  }
  render();
}

async function loadMe() {
  const res = await api('GET', '/api/v1/auth/me');
  if (res.status === 200 && res.body && res.body.user) {
    user = res.body.user;
    setCsrf(res.body.csrf);
    await refreshMeetings();
  } else if (res.status === 404 || res.status === 405) {
    el.card.hidden = true; // an aula without host accounts
    return;
  }
  render();
}

function signedIn(body) {
  user = body.user;
  setCsrf(body.csrf);
  el.loginPassword.value = '';
  el.signupPassword.value = '';
  render();
  refreshMeetings();
  el.who.setAttribute('tabindex', '-1');
  el.who.focus();
}

async function login() {
  fail(el.loginError, null);
  const email = el.loginEmail.value.trim();
  const password = el.loginPassword.value;
  if (!email || !password) {
    fail(el.loginError, 'loginEmpty');
    (email ? el.loginPassword : el.loginEmail).focus();
    return;
  }
  const res = await api('POST', '/api/v1/auth/login', { email, password });
  if (res.status === 200 && res.body && res.body.user) {
    signedIn(res.body);
  } else if (res.status === 401) {
    fail(el.loginError, 'loginWrong');
    el.loginPassword.focus();
  } else {
    fail(el.loginError, res.status === 0 ? 'createOffline' : 'accountFailed', res.error);
  }
}

async function signup() {
  fail(el.signupError, null);
  const name = el.signupName.value.trim();
  const email = el.signupEmail.value.trim();
  const password = el.signupPassword.value;
  if (!name || !email) {
    fail(el.signupError, 'signupEmpty');
    (name ? el.signupEmail : el.signupName).focus();
    return;
  }
  if ([...password].length < 10) {
    fail(el.signupError, 'signupShortPassword');
    el.signupPassword.focus();
    return;
  }
  const res = await api('POST', '/api/v1/auth/signup', { name, email, password });
  if (res.status === 201 && res.body && res.body.user) {
    signedIn(res.body);
  } else if (res.status === 409) {
    fail(el.signupError, 'signupTaken');
    el.signupEmail.focus();
  } else {
    fail(el.signupError, res.status === 0 ? 'createOffline' : 'accountFailed', res.error);
  }
}

async function logout() {
  await api('POST', '/api/v1/auth/logout');
  user = null;
  rooms = [];
  setCsrf('');
  render();
  showTab('login');
  el.showLogin.focus();
}

export function initAccount() {
  el.showLogin.addEventListener('click', () => showTab('login'));
  el.showSignup.addEventListener('click', () => showTab('signup'));
  el.loginForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    login();
  });
  el.signupForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    signup();
  });
  el.logout.addEventListener('click', logout);
  onLangChange(render);
  loadMe();
}
