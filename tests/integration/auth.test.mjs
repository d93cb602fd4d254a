// Host accounts over the REST API (docs/api.md) against the real aula
// binary: sign up, log in, log out, who am I; the session cookie's flags;
// CSRF and Origin refusals; rooms owned by an account and listed for it;
// the limit on failed log-ins.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula } from '../lib/server.mjs';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);

let aula;
before(async () => { aula = await startAula(); });
after(async () => {
  if (aula) {
    const st = await aula.stop();
    assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${aula.stderr()}`);
  }
});

let seq = 0;
const uniqueEmail = (tag) => `${tag}.${process.pid}.${++seq}@school.example`;

// A small HTTP client with a cookie jar of one cookie, as a browser tab.
class Tab {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; }

  async call(method, path, body, { csrf = true, headers = {} } = {}) {
    const h = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    if (csrf && this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    const res = await fetch(`${(this.base)}${path}`, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = pair.endsWith('=') ? '' : pair;
    }
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (json && typeof json.csrf === 'string') this.csrf = json.csrf;
    return { status: res.status, json, setCookie, headers: res.headers };
  }
}

async function signup(tab, email, password = 'correct horse battery', name = 'Anna Nowak') {
  const r = await tab.call('POST', '/api/v1/auth/signup', { email, name, password });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r;
}

function errorMessage(r) {
  return r.json?.error?.message;
}

test('sign up: 201 with the user and a CSRF token, and an HttpOnly SameSite session cookie', async () => {
  const tab = new Tab(aula.url);
  const email = uniqueEmail('Anna');
  const r = await signup(tab, email);
  assert.equal(r.json.user.email, email.toLowerCase(), 'the e-mail is kept lower-cased');
  assert.equal(r.json.user.name, 'Anna Nowak');
  assert.match(r.json.user.id, /^[0-9a-f]{16}$/);
  assert.match(r.json.csrf, /^[0-9a-f]{32}$/);
  assert.equal(r.json.user.password_hash, undefined, 'the hash never leaves the server');
  const flags = r.setCookie.split(';').map((s) => s.trim());
  assert.match(flags[0], /^aula_session=[0-9a-f]{64}$/);
  assert.ok(flags.includes('HttpOnly'), r.setCookie);
  assert.ok(flags.includes('SameSite=Lax'), r.setCookie);
  assert.ok(flags.includes('Path=/'), r.setCookie);
  assert.ok(flags.includes(`Max-Age=${30 * 24 * 3600}`), r.setCookie);
  assert.ok(!flags.includes('Secure'), 'no Secure flag over plain http (the browser would drop it)');

  const me = await tab.call('GET', '/api/v1/auth/me');
  assert.equal(me.status, 200);
  assert.deepEqual(me.json.user, r.json.user);
  assert.equal(me.json.csrf, r.json.csrf);
});

test('sign up refuses a taken e-mail (any case) and bad input with a clear sentence', async () => {
  const email = uniqueEmail('taken');
  await signup(new Tab(aula.url), email);
  const again = await new Tab(aula.url).call('POST', '/api/v1/auth/signup',
    { email: email.toUpperCase(), name: 'Other', password: 'another long password' });
  assert.equal(again.status, 409);
  assert.match(errorMessage(again), /already exists/);

  const bad = [
    [{ email: 'not-an-address', name: 'A', password: 'long enough pw' }, /email/],
    [{ email: uniqueEmail('x'), name: 'A', password: 'short' }, /password must be between 10/],
    [{ email: uniqueEmail('x'), password: 'long enough pw' }, /name is missing/],
    [{ email: uniqueEmail('x'), name: '   ', password: 'long enough pw' }, /name/],
    [{ email: 42, name: 'A', password: 'long enough pw' }, /email must be a string/],
  ];
  for (const [body, re] of bad) {
    const r = await new Tab(aula.url).call('POST', '/api/v1/auth/signup', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(errorMessage(r), re, JSON.stringify(body));
    assert.equal(r.setCookie, null, 'no session for a refused sign-up');
  }
});

test('log in: a wrong password and an unknown e-mail get the same 401; the right one a new session', async () => {
  const email = uniqueEmail('login');
  const first = await signup(new Tab(aula.url), email, 'my long password 1');
  const wrong = await new Tab(aula.url).call('POST', '/api/v1/auth/login', { email, password: 'my long password 2' });
  assert.equal(wrong.status, 401);
  assert.equal(errorMessage(wrong), 'wrong e-mail or password');
  assert.equal(wrong.setCookie, null);
  const unknown = await new Tab(aula.url).call('POST', '/api/v1/auth/login',
    { email: uniqueEmail('nobody'), password: 'my long password 1' });
  assert.equal(unknown.status, 401);
  assert.equal(errorMessage(unknown), 'wrong e-mail or password');

  const tab = new Tab(aula.url);
  const ok = await tab.call('POST', '/api/v1/auth/login', { email: email.toUpperCase(), password: 'my long password 1' });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.equal(ok.json.user.id, first.json.user.id);
  assert.notEqual(ok.json.csrf, first.json.csrf, 'every session has its own CSRF token');
  assert.equal((await tab.call('GET', '/api/v1/auth/me')).json.user.id, first.json.user.id);
  assert.equal((await new Tab(aula.url).call('GET', '/api/v1/auth/me')).status, 401, 'no cookie: not logged in');
});

test('log out needs the CSRF token, clears the cookie and ends the session on the server', async () => {
  const tab = new Tab(aula.url);
  await signup(tab, uniqueEmail('logout'));
  const cookie = tab.cookie;

  const noToken = await tab.call('POST', '/api/v1/auth/logout', undefined, { csrf: false });
  assert.equal(noToken.status, 403);
  assert.equal(errorMessage(noToken), 'missing or wrong CSRF token');
  const wrongToken = await tab.call('POST', '/api/v1/auth/logout', undefined,
    { csrf: false, headers: { 'x-csrf-token': 'f'.repeat(32) } });
  assert.equal(wrongToken.status, 403);
  assert.equal((await tab.call('GET', '/api/v1/auth/me')).status, 200, 'still logged in after refusals');

  const out = await tab.call('POST', '/api/v1/auth/logout');
  assert.equal(out.status, 204);
  assert.match(out.setCookie, /^aula_session=;/);
  assert.match(out.setCookie, /Max-Age=0/);
  // The old cookie, replayed, no longer works: the session is gone.
  const replay = new Tab(aula.url);
  replay.cookie = cookie;
  assert.equal((await replay.call('GET', '/api/v1/auth/me')).status, 401);
});

test('a request from another site (Origin) is refused, one from this site passes', async () => {
  const tab = new Tab(aula.url);
  await signup(tab, uniqueEmail('origin'));
  const evil = await tab.call('POST', '/api/v1/rooms', { title: 'x' }, { headers: { origin: 'https://evil.example' } });
  assert.equal(evil.status, 403);
  assert.match(errorMessage(evil), /another site/);
  const same = await tab.call('POST', '/api/v1/rooms', { title: 'x' }, { headers: { origin: aula.url } });
  assert.equal(same.status, 201, JSON.stringify(same.json));
});

test('rooms made while logged in belong to the account and are listed newest first', async () => {
  const anna = new Tab(aula.url);
  const bob = new Tab(aula.url);
  await signup(anna, uniqueEmail('owner'));
  await signup(bob, uniqueEmail('other'));

  const noCsrf = await anna.call('POST', '/api/v1/rooms', { title: 'Forged' }, { csrf: false });
  assert.equal(noCsrf.status, 403, 'a logged-in request without the CSRF token makes nothing');
  assert.equal(errorMessage(noCsrf), 'missing or wrong CSRF token');

  const a1 = await anna.call('POST', '/api/v1/rooms', { title: 'Maths 4B' });
  const a2 = await anna.call('POST', '/api/v1/rooms', { title: 'Biology', lobby: true, password: 'sekret' });
  const b1 = await bob.call('POST', '/api/v1/rooms', { title: "Bob's" });
  for (const r of [a1, a2, b1]) assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(a2.json.lobby, true);
  assert.equal(a2.json.has_password, true);
  assert.equal(a2.json.password, undefined);
  assert.equal(a2.json.host_url, `${a2.json.join_url}#host=${a2.json.host_key}`);

  const list = await anna.call('GET', '/api/v1/rooms');
  assert.equal(list.status, 200);
  const ids = list.json.rooms.map((r) => r.id);
  assert.deepEqual(ids, [a2.json.id, a1.json.id], 'only mine, newest first');
  assert.equal(list.json.rooms[0].host_key, a2.json.host_key);
  assert.equal(list.json.rooms[0].host_url, a2.json.host_url);
  assert.equal(list.json.rooms[0].participants, 0);
  assert.equal(list.json.rooms[1].title, 'Maths 4B');
  assert.deepEqual((await bob.call('GET', '/api/v1/rooms')).json.rooms.map((r) => r.id), [b1.json.id]);

  const nobody = await new Tab(aula.url).call('GET', '/api/v1/rooms');
  assert.equal(nobody.status, 401);
  assert.match(errorMessage(nobody), /log in/);

  // The host key is shown to the owner only.
  const mine = await anna.call('GET', `/api/v1/rooms/${a1.json.id}`);
  assert.equal(mine.json.host_key, a1.json.host_key);
  const theirs = await bob.call('GET', `/api/v1/rooms/${a1.json.id}`);
  assert.equal(theirs.status, 200);
  assert.equal(theirs.json.host_key, undefined);
  assert.equal(theirs.json.host_url, undefined);
  assert.equal(theirs.json.has_password, false);
  assert.equal(theirs.json.locked, false);

  // The owner joining from the logged-in tab is a host without the key.
  const join = await anna.call('POST', `/api/v1/rooms/${a1.json.id}/join`, { name: 'Anna' });
  assert.equal(join.status, 200, JSON.stringify(join.json));
  assert.equal(join.json.role, 'host');
  const other = await bob.call('POST', `/api/v1/rooms/${a1.json.id}/join`, { name: 'Bob' });
  assert.equal(other.json.role, 'participant');
});

test('five failed log-ins in a minute: further attempts get 429, even with the right password', async () => {
  // Its own aula: the limit also counts per address, which would slow the
  // other tests down.
  const own = await startAula();
  try {
    const email = uniqueEmail('guess');
    await signup(new Tab(own.url), email, 'the real password');
    for (let i = 0; i < 5; i++) {
      const r = await new Tab(own.url).call('POST', '/api/v1/auth/login', { email, password: `guess number ${i}` });
      assert.equal(r.status, 401, `attempt ${i}`);
    }
    const blocked = await new Tab(own.url).call('POST', '/api/v1/auth/login', { email, password: 'the real password' });
    assert.equal(blocked.status, 429);
    assert.match(errorMessage(blocked), /wait a minute/);
    assert.equal(blocked.headers.get('retry-after'), '60');
  } finally {
    const st = await own.stop();
    assert.equal(st.code, 0, own.stderr());
  }
});
