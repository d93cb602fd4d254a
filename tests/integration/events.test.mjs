// Events over the REST API (docs/api.md, "Events") against the real aula
// binary, with e-mail going to a local SMTP sink: schedule, edit, cancel,
// list; registration with consent and the personal link it e-mails (with
// an .ics); joining with that link (attendee in a webinar); the registrants
// export; invitations; a reminder; unknown events and bad input; a
// restart; and aula without e-mail.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAula } from '../lib/server.mjs';
import { startSmtpSink, attachment, bodyText, parseIcs, icsDate } from '../lib/smtp.mjs';
import { openClient, closeAllConnections } from '../lib/net.mjs';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);

let sink;
let aula;
const running = new Set();

async function start(opts) {
  const a = await startAula(opts);
  running.add(a);
  return a;
}

async function stop(a, opts) {
  running.delete(a);
  const st = await a.stop(opts);
  assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${a.stderr()}`);
}

before(async () => {
  sink = await startSmtpSink();
  aula = await start({ args: ['--smtp-url', sink.url, '--smtp-from', 'Aula <events@school.example>'] });
});

after(async () => {
  closeAllConnections();
  for (const a of [...running]) await stop(a);
  if (sink) await sink.close();
});

let seq = 0;
const uniqueEmail = (tag) => `${tag}.${process.pid}.${++seq}@school.example`;

// A browser tab: one cookie, the CSRF token from signup.
class Tab {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; }

  async call(method, p, body) {
    const h = {};
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    const res = await fetch(`${this.base}${p}`, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (json && typeof json.csrf === 'string') this.csrf = json.csrf;
    return { status: res.status, json, text, headers: res.headers };
  }
}

async function host(base = aula.url) {
  const tab = new Tab(base);
  const r = await tab.call('POST', '/api/v1/auth/signup',
    { email: uniqueEmail('host'), name: 'Ewa Host', password: 'correct horse battery' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return tab;
}

const msg = (r) => r.json?.error?.message;

// Wall-clock "YYYY-MM-DDTHH:MM" in a zone, n ms from now (for "soon" events).
function isoIn(ms) {
  return new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

const base = {
  title: 'Parents evening', description: 'Class 3b\nRoom plans', starts: '2030-06-15T18:00',
  time_zone: 'Europe/Warsaw', duration_min: 90, type: 'webinar', access: 'registration',
};

async function schedule(tab, fields = {}) {
  const r = await tab.call('POST', '/api/v1/events', { ...base, ...fields });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

// Waits (up to 10 s) for an e-mail matching pred that arrived after the
// first `from` messages.
async function mailWhere(pred, from = 0, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = sink.messages.slice(from).find(pred);
    if (m) return m;
    if (Date.now() > deadline) {
      throw new Error(`no matching e-mail in ${timeoutMs} ms; got: ${sink.messages.map((x) => `${x.rcpt_tos} ${x.subject}`).join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const to = (addr) => (m) => m.rcpt_tos.includes(addr);

function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

async function post(p, body, b = aula.url) {
  const res = await fetch(`${b}${p}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

test('schedule: 201 with links, the time converted from the event time zone; login needed', async () => {
  const anon = await post('/api/v1/events', base);
  assert.equal(anon.status, 401);
  assert.equal(msg(anon), 'log in to schedule an event');

  const tab = await host();
  const ev = await schedule(tab);
  assert.match(ev.id, /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
  // 18:00 in Warsaw in June is 16:00 UTC (CEST, +02:00).
  assert.equal(ev.starts, Date.UTC(2030, 5, 15, 16, 0));
  assert.equal(ev.starts_utc, '2030-06-15T16:00:00Z');
  assert.equal(ev.starts_local, '2030-06-15T18:00');
  assert.equal(ev.utc_offset, '+02:00');
  assert.equal(ev.ends, ev.starts + 90 * 60000);
  assert.equal(ev.status, 'scheduled');
  assert.equal(ev.links.page, `/e/${ev.id}`);
  assert.equal(ev.links.host, `/e/${ev.id}#host=${ev.host_key}`);
  assert.equal(ev.links.presenter, `/e/${ev.id}#presenter=${ev.presenter_key}`);
  assert.match(ev.host_key, /^[0-9a-f]{32}$/);
  assert.equal(ev.registrants, 0);

  // Winter time (+01:00), an explicit offset, another zone.
  const winter = await schedule(tab, { starts: '2030-01-15T18:00' });
  assert.equal(winter.starts, Date.UTC(2030, 0, 15, 17, 0));
  assert.equal(winter.utc_offset, '+01:00');
  const offset = await schedule(tab, { starts: '2030-06-15T18:00+02:00', time_zone: 'America/New_York' });
  assert.equal(offset.starts, Date.UTC(2030, 5, 15, 16, 0));
  assert.equal(offset.starts_local, '2030-06-15T12:00');
  assert.equal(offset.utc_offset, '-04:00');
});

test('bad input: each gets a clear 400 and nothing is stored', async () => {
  const tab = await host();
  const cases = [
    [{ title: undefined }, 'title is missing: give the event a name'],
    [{ title: '   ' }, 'title is empty'],
    [{ starts: 'tomorrow evening' }, /^starts must be a date and time like/],
    [{ starts: '2030-02-30T10:00' }, /^starts must be a date and time like/],
    [{ time_zone: 'Mars/Olympus' }, 'time_zone is not a known time zone (like "Europe/Warsaw")'],
    [{ time_zone: '../../etc/passwd' }, 'time_zone is not a known time zone (like "Europe/Warsaw")'],
    [{ duration_min: 0 }, 'duration_min must be from 1 to 1440 minutes'],
    [{ duration_min: 2000 }, 'duration_min must be from 1 to 1440 minutes'],
    [{ duration_min: '60' }, 'duration_min must be a whole number'],
    [{ type: 'party' }, 'type must be "meeting" or "webinar"'],
    [{ access: 'secret' }, 'access must be "open", "password" or "registration"'],
    [{ access: 'password' }, 'password is missing: access "password" needs one'],
    [{ starts: '2020-01-01T10:00' }, 'this time is over already: pick a time in the future'],
    [{ description: 'bell\u0007' }, 'description holds characters that are not allowed'],
  ];
  for (const [fields, want] of cases) {
    const r = await tab.call('POST', '/api/v1/events', { ...base, ...fields });
    assert.equal(r.status, 400, `${JSON.stringify(fields)}: ${r.text}`);
    if (want instanceof RegExp) assert.match(msg(r), want);
    else assert.equal(msg(r), want, JSON.stringify(fields));
  }
  const list = await tab.call('GET', '/api/v1/events?when=upcoming');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.events, []);
  const badWhen = await tab.call('GET', '/api/v1/events?when=someday');
  assert.equal(badWhen.status, 400);
});

test('public view has no secrets; the owner sees links; edit by the owner only', async () => {
  const tab = await host();
  const ev = await schedule(tab);
  const pub = await (await fetch(`${aula.url}/api/v1/events/${ev.id}`)).json();
  assert.equal(pub.title, 'Parents evening');
  assert.equal(pub.description, 'Class 3b\nRoom plans');
  assert.equal(pub.status, 'scheduled');
  assert.equal(pub.email_on, true);
  for (const secret of ['host_key', 'presenter_key', 'links', 'room', 'registrants']) {
    assert.equal(pub[secret], undefined, secret);
  }
  const other = await host();
  const seen = await other.call('GET', `/api/v1/events/${ev.id}`);
  assert.equal(seen.json.host_key, undefined);

  // Edit: strangers and other hosts are refused, nothing changes.
  const anon = await fetch(`${aula.url}/api/v1/events/${ev.id}`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"title":"x"}',
  });
  assert.equal(anon.status, 401);
  const forbidden = await other.call('PATCH', `/api/v1/events/${ev.id}`, { title: 'Hijacked' });
  assert.equal(forbidden.status, 403);
  assert.equal(msg(forbidden), 'only the host who made this event may do this');
  const bad = await tab.call('PATCH', `/api/v1/events/${ev.id}`, { title: 'New', duration_min: -5 });
  assert.equal(bad.status, 400);
  assert.equal((await tab.call('GET', `/api/v1/events/${ev.id}`)).json.title, 'Parents evening');

  const ok = await tab.call('PATCH', `/api/v1/events/${ev.id}`,
    { title: 'Parents evening (moved)', starts: '2030-06-16T17:30' });
  assert.equal(ok.status, 200, ok.text);
  const now = await tab.call('GET', `/api/v1/events/${ev.id}`);
  assert.equal(now.json.title, 'Parents evening (moved)');
  assert.equal(now.json.starts, Date.UTC(2030, 5, 16, 15, 30));
  // Only the zone changes: the wall-clock time stays 17:30 there.
  const tz = await tab.call('PATCH', `/api/v1/events/${ev.id}`, { time_zone: 'Europe/London' });
  assert.equal(tz.json.starts_local, '2030-06-16T17:30');
  assert.equal(tz.json.starts, Date.UTC(2030, 5, 16, 16, 30));
});

test('list upcoming and past; cancel moves an event to the past and tells registrants', async () => {
  const tab = await host();
  const a = await schedule(tab, { title: 'Upcoming one' });
  const b = await schedule(tab, { title: 'To cancel' });
  // Started 58 s ago, lasts 1 minute: over two seconds from now.
  const c = await schedule(tab, { title: 'Short', starts: isoIn(-58000), time_zone: 'UTC', duration_min: 1 });

  const email = uniqueEmail('parent');
  const reg = await post(`/api/v1/events/${b.id}/register`, { name: 'Jan', email, consent: true });
  assert.equal(reg.status, 201, JSON.stringify(reg.json));

  const other = await host();
  assert.equal((await other.call('POST', `/api/v1/events/${b.id}/cancel`)).status, 403);
  const from = sink.messages.length;
  const cancelled = await tab.call('POST', `/api/v1/events/${b.id}/cancel`);
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.json.event.status, 'cancelled');
  assert.equal(cancelled.json.notified, 1);
  const notice = await mailWhere((m) => to(email)(m) && m.subject.startsWith('Cancelled:'), from);
  assert.equal(notice.subject, 'Cancelled: To cancel');
  assert.match(bodyText(notice), /has been cancelled and will not take place/);

  const again = await tab.call('POST', `/api/v1/events/${b.id}/cancel`);
  assert.equal(again.status, 409);
  assert.equal(msg(again), 'this event is cancelled already');
  const edit = await tab.call('PATCH', `/api/v1/events/${b.id}`, { title: 'Back' });
  assert.equal(edit.status, 409);
  const late = await post(`/api/v1/events/${b.id}/register`, { name: 'Ola', email: uniqueEmail('o'), consent: true });
  assert.equal(late.status, 409);
  assert.equal(late.json.status, 'cancelled');

  const up = await tab.call('GET', '/api/v1/events?when=upcoming');
  const upIds = up.json.events.map((e) => e.id);
  assert.ok(upIds.includes(a.id) && !upIds.includes(b.id), JSON.stringify(upIds));
  // The short one ends within about a second; poll until it has moved.
  const deadline = Date.now() + 10000;
  let past;
  for (;;) {
    past = await tab.call('GET', '/api/v1/events?when=past');
    if (past.json.events.length === 2 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(past.json.events.map((e) => e.id).sort(), [b.id, c.id].sort());
  assert.equal(past.json.events.find((e) => e.id === c.id).status, 'ended');
  const over = await tab.call('PATCH', `/api/v1/events/${c.id}`, { title: 'Renamed' });
  assert.equal(over.status, 409);
  assert.equal(msg(over), 'this event is over and cannot be changed');
  const up2 = await tab.call('GET', '/api/v1/events');
  assert.deepEqual(up2.json.events.map((e) => e.id), [a.id]);
});

test('register: consent required, confirmation e-mail with the personal link and an .ics; same e-mail twice', async () => {
  const tab = await host();
  const ev = await schedule(tab, { title: 'Open day' });
  const email = uniqueEmail('Marta');
  const url = `/api/v1/events/${ev.id}/register`;
  const noConsent = await post(url, { name: 'Marta', email });
  assert.equal(noConsent.status, 400);
  assert.equal(msg(noConsent), 'consent to the privacy notice is required');
  assert.equal((await post(url, { name: 'Marta', email, consent: false })).status, 400);
  assert.equal(msg(await post(url, { name: 'Marta', email: 'not-an-address', consent: true })),
    'email is not an e-mail address (like ola@example.org)');
  assert.equal(msg(await post(url, { email, consent: true })), 'name is missing: say how others will see you');
  assert.equal((await tab.call('GET', `/api/v1/events/${ev.id}/registrants`)).json.count, 0);

  const from = sink.messages.length;
  const r = await post(url, { name: 'Marta Wiśniewska', email, consent: true });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.match(r.json.personal_url, new RegExp(`^/e/${ev.id}#k=[0-9a-f]{32}$`));
  assert.equal(r.json.email_sent, true);
  assert.equal(r.json.email_off, false);
  assert.equal(r.json.registration.email, email.toLowerCase());

  const mail = await mailWhere(to(email.toLowerCase()), from);
  assert.equal(mail.subject, 'Registered: Open day');
  assert.deepEqual(mail.defects, []);
  const text = bodyText(mail);
  assert.ok(text.includes(`${aula.url}${r.json.personal_url}`), text);
  assert.match(text, /Saturday, 15 June 2030, 18:00 CEST/);
  assert.match(text, /Europe\/Warsaw/);
  const ics = parseIcs(attachment(mail, 'invite.ics').text);
  const vevent = ics.components[0].children.find((c) => c.name === 'VEVENT');
  assert.equal(icsDate(vevent.props.DTSTART.value).getTime(), ev.starts);
  assert.equal(icsDate(vevent.props.DTEND.value).getTime(), ev.ends);
  assert.equal(vevent.props.SUMMARY.text, 'Open day');
  assert.equal(vevent.props.URL.value, `${aula.url}${r.json.personal_url}`);

  // A new time: the registrant hears of it, with an updated calendar file.
  const from3 = sink.messages.length;
  const moved = await tab.call('PATCH', `/api/v1/events/${ev.id}`, { starts: '2030-06-15T19:30' });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.notified, 1);
  const changed = await mailWhere(to(email.toLowerCase()), from3);
  assert.equal(changed.subject, 'New time: Open day');
  assert.match(bodyText(changed), /Saturday, 15 June 2030, 19:30 CEST/);
  assert.ok(bodyText(changed).includes(`${aula.url}${r.json.personal_url}`));
  const ics2 = parseIcs(attachment(changed, 'invite.ics').text).components[0].children.find((c) => c.name === 'VEVENT');
  assert.equal(icsDate(ics2.props.DTSTART.value).getTime(), Date.UTC(2030, 5, 15, 17, 30));
  assert.equal(ics2.props.UID.value, vevent.props.UID.value);
  assert.ok(Number(ics2.props.SEQUENCE.value) > Number(vevent.props.SEQUENCE?.value ?? 0));
  // A new title alone notifies nobody.
  assert.equal((await tab.call('PATCH', `/api/v1/events/${ev.id}`, { title: 'Open day' })).json.notified, 0);

  // The same address again (other case): no second registration, the link
  // goes to the mailbox again and not into the answer.
  const from2 = sink.messages.length;
  const twice = await post(url, { name: 'Someone else', email: email.toUpperCase(), consent: true });
  assert.equal(twice.status, 200);
  assert.equal(twice.json.already_registered, true);
  assert.equal(twice.json.personal_url, undefined);
  const again = await mailWhere(to(email.toLowerCase()), from2);
  assert.ok(bodyText(again).includes(r.json.personal_url));
  // Once more right away: not mailed again (a mailbox cannot be flooded);
  // checked by queue order: a later confirmation arrives, this one did not.
  const from4 = sink.messages.length;
  const thrice = await post(url, { name: 'Marta', email, consent: true });
  assert.equal(thrice.status, 200);
  assert.equal(thrice.json.email_sent, false);
  assert.ok(thrice.json.resend_after > Date.now() + 9 * 60000, JSON.stringify(thrice.json));
  const marker = uniqueEmail('marker');
  assert.equal((await post(url, { name: 'Marker', email: marker, consent: true })).status, 201);
  await mailWhere(to(marker), from4);
  assert.equal(sink.messages.slice(from4).filter(to(email.toLowerCase())).length, 0);
  const list = await tab.call('GET', `/api/v1/events/${ev.id}/registrants`);
  assert.equal(list.json.count, 2);
  assert.equal(list.json.registrants[0].name, 'Marta Wiśniewska');

  // An open event needs no registration.
  const open = await schedule(tab, { access: 'open' });
  const refused = await post(`/api/v1/events/${open.id}/register`, { name: 'A', email, consent: true });
  assert.equal(refused.status, 409);
  assert.equal(msg(refused), 'this event needs no registration: open its link to join');
});

// POST with a Host header of our choosing (fetch does not let us set one).
function postWithHost(p, body, hostHeader) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const u = new URL(aula.url);
    const req = http.request({ host: u.hostname, port: u.port, path: p, method: 'POST',
      headers: { host: hostHeader, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

test('links in e-mails never come from the Host header', async () => {
  const tab = await host();
  const ev = await schedule(tab, { title: 'Host header' });
  const email = uniqueEmail('victim');
  const from = sink.messages.length;
  const r = await postWithHost(`/api/v1/events/${ev.id}/register`, { name: 'V', email, consent: true }, 'evil.example');
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const m = await mailWhere(to(email), from);
  assert.ok(!bodyText(m).includes('evil.example'), bodyText(m));
  assert.ok(bodyText(m).includes(`${aula.url}/e/${ev.id}#k=`));
});

test('join: the personal link gives an attendee token for the webinar room, usable on the WebSocket', async () => {
  const tab = await host();
  // Starts in 10 minutes: the doors (15 minutes before) are open.
  const ev = await schedule(tab, { starts: isoIn(10 * 60000), time_zone: 'UTC' });
  const email = uniqueEmail('pupil');
  const reg = await post(`/api/v1/events/${ev.id}/register`, { name: 'Kuba', email, consent: true });
  const key = reg.json.personal_url.split('#k=')[1];
  const join = await post(`/api/v1/events/${ev.id}/join`, { key });
  assert.equal(join.status, 200, JSON.stringify(join.json));
  assert.equal(join.json.role, 'attendee');
  assert.equal(join.json.participant.name, 'Kuba');
  assert.equal(join.json.participant.id, reg.json.registration.id);
  assert.equal(join.json.room.kind, 'webinar');
  const claims = jwtClaims(join.json.token);
  assert.equal(claims.role, 'attendee');
  assert.equal(claims.room, join.json.room.id);
  // The same person again: the same participant id.
  const again = await post(`/api/v1/events/${ev.id}/join`, { key });
  assert.equal(again.json.participant.id, join.json.participant.id);

  const client = await openClient(aula.wsUrl);
  const res = await client.call('room.join', { token: join.json.token });
  assert.equal(res.me.id, join.json.participant.id, JSON.stringify(res));
  assert.equal(res.me.role, 'attendee');
  client.close();

  // The room's own routes do not let newcomers around the event's rules.
  const direct = await post(`/api/v1/rooms/${join.json.room.id}/join`, { name: 'Gatecrasher' });
  assert.equal(direct.status, 409);
  assert.equal(msg(direct), 'join this event from its page');
  assert.equal(direct.json.event, ev.id);
  const back = await post(`/api/v1/rooms/${join.json.room.id}/join`, { name: 'Kuba', token: join.json.token });
  assert.equal(back.status, 200, JSON.stringify(back.json));
  assert.equal(back.json.participant.id, join.json.participant.id);
  const ws = await openClient(aula.wsUrl);
  const tokenless = await ws.raw('room.join', { room: join.json.room.id, name: 'Gatecrasher' });
  assert.equal(tokenless.error?.code, -32006, JSON.stringify(tokenless));
  ws.close();

  const wrong = await post(`/api/v1/events/${ev.id}/join`, { key: '0'.repeat(32) });
  assert.equal(wrong.status, 403);
  assert.equal(msg(wrong), 'this personal link is not valid: register again to get a new one');
  const none = await post(`/api/v1/events/${ev.id}/join`, { name: 'Gatecrasher' });
  assert.equal(none.status, 403);
  assert.equal(none.json.registration_required, true);
  const hostJoin = await post(`/api/v1/events/${ev.id}/join`, { host_key: ev.host_key, name: 'Ewa' });
  assert.equal(hostJoin.json.role, 'host');
  const pres = await post(`/api/v1/events/${ev.id}/join`, { presenter_key: ev.presenter_key, name: 'Guest' });
  assert.equal(pres.json.role, 'presenter');
  assert.equal((await post(`/api/v1/events/${ev.id}/join`, { presenter_key: 'nope', name: 'G' })).status, 403);

  // Far from the start: attendees wait (409 with the status), hosts may enter.
  const later = await schedule(tab);
  const lreg = await post(`/api/v1/events/${later.id}/register`, { name: 'Kuba', email, consent: true });
  const early = await post(`/api/v1/events/${later.id}/join`, { key: lreg.json.personal_url.split('#k=')[1] });
  assert.equal(early.status, 409);
  assert.equal(early.json.status, 'scheduled');
  assert.equal(early.json.starts, later.starts);
  assert.equal((await post(`/api/v1/events/${later.id}/join`, { host_key: later.host_key, name: 'Ewa' })).status, 200);

  // A password event: the password, then a meeting participant.
  const pw = await schedule(tab, { type: 'meeting', access: 'password', password: 'sesame', starts: isoIn(60000), time_zone: 'UTC' });
  const noPw = await post(`/api/v1/events/${pw.id}/join`, { name: 'Ola' });
  assert.equal(noPw.status, 401);
  assert.equal(noPw.json.password_required, true);
  assert.equal((await post(`/api/v1/events/${pw.id}/join`, { name: 'Ola', password: 'wrong' })).status, 401);
  const okPw = await post(`/api/v1/events/${pw.id}/join`, { name: 'Ola', password: 'sesame' });
  assert.equal(okPw.json.role, 'participant');
});

test('registrants: JSON and CSV for the owner only, with spreadsheet formulas neutralised', async () => {
  const tab = await host();
  const ev = await schedule(tab);
  const emails = [uniqueEmail('a'), uniqueEmail('b')];
  await post(`/api/v1/events/${ev.id}/register`, { name: 'Anna, "Ania" Nowak', email: emails[0], consent: true });
  await post(`/api/v1/events/${ev.id}/register`, { name: '=HYPERLINK("http://evil")', email: emails[1], consent: true });

  const csv = await tab.call('GET', `/api/v1/events/${ev.id}/registrants.csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.match(csv.headers.get('content-disposition'), new RegExp(`attachment; filename="registrants-${ev.id}.csv"`));
  const lines = csv.text.split('\r\n');
  assert.equal(lines[0], 'name,email,registered_utc,consent_utc');
  assert.match(lines[1], new RegExp(`^"Anna, ""Ania"" Nowak",${emails[0].replace(/\./g, '\\.')},\\d{4}-\\d\\d-\\d\\dT[\\d:]{8}Z,`));
  assert.ok(lines[2].startsWith(`"'=HYPERLINK(""http://evil"")",${emails[1]},`), lines[2]);
  assert.equal(lines[3], '');
  assert.equal(lines.length, 4);

  const json = await tab.call('GET', `/api/v1/events/${ev.id}/registrants`);
  assert.deepEqual(json.json.registrants.map((r) => r.email), emails);

  const other = await host();
  for (const p of ['registrants', 'registrants.csv']) {
    assert.equal((await fetch(`${aula.url}/api/v1/events/${ev.id}/${p}`)).status, 401, p);
    const r = await other.call('GET', `/api/v1/events/${ev.id}/${p}`);
    assert.equal(r.status, 403, p);
    assert.ok(!r.text.includes(emails[0]));
  }
});

test('invitations: e-mailed with the event page link and an .ics; bad lists refused', async () => {
  const tab = await host();
  const ev = await schedule(tab, { title: 'Science fair', access: 'open' });
  const list = [uniqueEmail('gran'), uniqueEmail('grandad')];
  const from = sink.messages.length;
  const r = await tab.call('POST', `/api/v1/events/${ev.id}/invitations`, { emails: list, message: 'Please come!' });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.queued, 2);
  for (const addr of list) {
    const m = await mailWhere(to(addr), from);
    assert.equal(m.subject, 'Invitation: Science fair');
    const text = bodyText(m);
    assert.match(text, /Please come!/);
    assert.ok(text.includes(`${aula.url}/e/${ev.id}`), text);
    assert.ok(!text.includes('#k='));
    assert.ok(attachment(m, 'invite.ics'));
  }
  const bad = await tab.call('POST', `/api/v1/events/${ev.id}/invitations`, { emails: ['ok@school.example', 'nope'] });
  assert.equal(bad.status, 400);
  assert.equal(msg(bad), 'emails[1] is not an e-mail address');
  const many = Array.from({ length: 501 }, (_, i) => `p${i}@school.example`);
  assert.equal((await tab.call('POST', `/api/v1/events/${ev.id}/invitations`, { emails: many })).status, 400);
  assert.equal((await tab.call('POST', `/api/v1/events/${ev.id}/invitations`, { emails: [] })).status, 400);
  // Refused requests send nothing: mail goes out in queue order, so once a
  // later invitation has arrived, anything queued before it would have too.
  const other = await host();
  const stranger = [uniqueEmail('spam')];
  const bad2 = [uniqueEmail('bad')];
  const from2 = sink.messages.length;
  assert.equal((await other.call('POST', `/api/v1/events/${ev.id}/invitations`, { emails: stranger })).status, 403);
  assert.equal((await tab.call('POST', `/api/v1/events/${ev.id}/invitations`, { emails: [...bad2, 'nope'] })).status, 400);
  const marker = uniqueEmail('marker');
  assert.equal((await tab.call('POST', `/api/v1/events/${ev.id}/invitations`, { emails: [marker] })).status, 202);
  await mailWhere(to(marker), from2);
  assert.equal(sink.messages.slice(from2).filter((m) => to(stranger[0])(m) || to(bad2[0])(m)).length, 0);
});

test('an unknown event id: 404 "event not found" on every route', async () => {
  const tab = await host();
  for (const id of ['zzz-zzzz-zzz', 'not-an-id', '..%2F..']) {
    assert.equal((await tab.call('GET', `/api/v1/events/${id}`)).status, 404);
    for (const [m, p, body] of [['PATCH', '', { title: 'x' }], ['POST', '/cancel'], ['POST', '/register', { name: 'a', email: 'a@b.example', consent: true }],
      ['GET', '/registrants'], ['GET', '/registrants.csv'], ['POST', '/invitations', { emails: ['a@b.example'] }],
      ['POST', '/join', { name: 'a' }], ['GET', '/files'], ['GET', '/files/abc']]) {
      const r = await tab.call(m, `/api/v1/events/${id}${p}`, body);
      assert.equal(r.status, 404, `${m} ${p}`);
      assert.equal(msg(r), 'event not found');
    }
  }
  assert.equal((await tab.call('DELETE', '/api/v1/events')).status, 405);
});

// A small complete PDF (one empty page with a correct xref table).
function tinyPdf() {
  const objs = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Title (handout) >>'];
  let out = '%PDF-1.4\n%' + 'x'.repeat(200) + '\n';
  const offs = [];
  objs.forEach((o, i) => { offs.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offs) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// The host enters the event's room and uploads a handout there.
async function uploadHandout(ev, bytes) {
  const j = await post(`/api/v1/events/${ev.id}/join`, { host_key: ev.host_key, name: 'Ewa' });
  assert.equal(j.status, 200, JSON.stringify(j.json));
  const res = await fetch(`${aula.url}/api/v1/rooms/${ev.room}/files`, {
    method: 'POST', body: bytes,
    headers: { authorization: `Bearer ${j.json.token}`, 'content-type': 'application/pdf', 'x-file-name': 'Handout.pdf' },
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text).file;
}

async function eventFiles(id, headers = {}) {
  const res = await fetch(`${aula.url}/api/v1/events/${id}/files`, { headers });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

test('event files: the personal key lists and downloads (with Range) without a room token', async () => {
  const tab = await host();
  const ev = await schedule(tab, { starts: isoIn(-60000), time_zone: 'UTC' });
  const reg = await post(`/api/v1/events/${ev.id}/register`, { name: 'Kuba', email: uniqueEmail('pupil'), consent: true });
  assert.equal(reg.status, 201, JSON.stringify(reg.json));
  const key = reg.json.personal_url.split('#k=')[1];
  const pdf = tinyPdf();
  await uploadHandout(ev, pdf);

  const l = await eventFiles(ev.id, { 'x-event-key': key });
  assert.equal(l.status, 200, JSON.stringify(l.json));
  assert.equal(l.json.files.length, 1);
  const f = l.json.files[0];
  assert.equal(f.name, 'Handout.pdf');
  assert.equal(f.size, pdf.length);
  assert.equal(f.url, `/api/v1/events/${ev.id}/files/${f.id}`);

  // A link (?key=) and the header both download the same bytes.
  const whole = await fetch(`${aula.url}${f.url}?key=${key}`);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('referrer-policy'), 'no-referrer');
  assert.match(whole.headers.get('content-disposition'), /^attachment; filename="Handout.pdf"/);
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), pdf);
  const part = await fetch(`${aula.url}${f.url}`, { headers: { 'x-event-key': key, range: 'bytes=10-109' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 10-109/${pdf.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), pdf.subarray(10, 110));
  const etag = whole.headers.get('etag');
  const again = await fetch(`${aula.url}${f.url}`, { headers: { 'x-event-key': key, 'if-none-match': etag } });
  assert.equal(again.status, 304);

  // A wrong key, another event's key, none at all.
  const wrong = await eventFiles(ev.id, { 'x-event-key': 'f'.repeat(32) });
  assert.equal(wrong.status, 403);
  assert.match(msg(wrong), /^this personal link is not valid for this event/);
  assert.equal((await fetch(`${aula.url}${f.url}?key=${'0'.repeat(32)}`)).status, 403);
  const other = await schedule(tab, { starts: isoIn(-60000), time_zone: 'UTC' });
  const otherReg = await post(`/api/v1/events/${other.id}/register`, { name: 'Ola', email: uniqueEmail('pupil'), consent: true });
  const otherKey = otherReg.json.personal_url.split('#k=')[1];
  assert.equal((await eventFiles(ev.id, { 'x-event-key': otherKey })).status, 403);
  assert.equal((await fetch(`${aula.url}${f.url}?key=${otherKey}`)).status, 403);
  const none = await eventFiles(ev.id);
  assert.equal(none.status, 401);
  assert.equal(none.json.registration_required, true);
  // The key never travels in the list's URL.
  assert.equal((await fetch(`${aula.url}/api/v1/events/${ev.id}/files?key=${key}`)).status, 401);
  // A file of another room is not found through this event.
  const otherFile = await uploadHandout(other, tinyPdf());
  assert.equal((await fetch(`${aula.url}/api/v1/events/${ev.id}/files/${otherFile.id}?key=${key}`)).status, 404);
  // The owner's session, and a join token of the room, work too.
  assert.equal((await tab.call('GET', `/api/v1/events/${ev.id}/files`)).status, 200);
  assert.equal((await fetch(`${aula.url}/api/v1/events/${ev.id}/files`, { method: 'POST' })).status, 405);
});

test('event files: open events for anyone once started; passwords; not before the start; cancelled 409', async () => {
  const tab = await host();
  const open = await schedule(tab, { access: 'open', starts: isoIn(-60000), time_zone: 'UTC' });
  await uploadHandout(open, tinyPdf());
  const l = await eventFiles(open.id);
  assert.equal(l.status, 200, JSON.stringify(l.json));
  assert.equal(l.json.files.length, 1);
  assert.equal((await fetch(`${aula.url}${l.json.files[0].url}`)).status, 200);

  const pw = await schedule(tab, { type: 'meeting', access: 'password', password: 'sesame', starts: isoIn(-60000), time_zone: 'UTC' });
  const noPw = await eventFiles(pw.id);
  assert.equal(noPw.status, 401);
  assert.equal(noPw.json.password_required, true);
  assert.equal((await eventFiles(pw.id, { 'x-event-password': 'wrong' })).status, 401);
  assert.equal((await eventFiles(pw.id, { 'x-event-password': 'sesame' })).status, 200);

  const later = await schedule(tab, { starts: isoIn(10 * 60000), time_zone: 'UTC' });
  const reg = await post(`/api/v1/events/${later.id}/register`, { name: 'Kuba', email: uniqueEmail('pupil'), consent: true });
  const key = reg.json.personal_url.split('#k=')[1];
  const early = await eventFiles(later.id, { 'x-event-key': key });
  assert.equal(early.status, 409);
  assert.equal(early.json.status, 'scheduled');
  assert.match(msg(early), /has not started yet/);
  // The host, by session, sees them before the start.
  assert.equal((await tab.call('GET', `/api/v1/events/${later.id}/files`)).status, 200);
  // Still a wrong key says so before the start.
  assert.equal((await eventFiles(later.id, { 'x-event-key': 'f'.repeat(32) })).status, 403);

  assert.equal((await tab.call('POST', `/api/v1/events/${later.id}/cancel`)).status, 200);
  const gone = await eventFiles(later.id, { 'x-event-key': key });
  assert.equal(gone.status, 409);
  assert.equal(gone.json.status, 'cancelled');
});

test('a restart keeps events and registrations; the personal link still joins', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'aula-events-'));
  try {
    let a = await start({ dataDir });
    const tab = await host(a.url);
    const ev = await schedule(tab, { starts: isoIn(5 * 60000), time_zone: 'Europe/Warsaw', type: 'meeting' });
    const reg = await post(`/api/v1/events/${ev.id}/register`, { name: 'Zofia', email: uniqueEmail('z'), consent: true }, a.url);
    assert.equal(reg.status, 201);
    assert.equal(reg.json.email_off, true);
    const gone = await schedule(tab, { title: 'Called off' });
    assert.equal((await tab.call('POST', `/api/v1/events/${gone.id}/cancel`)).status, 200);
    await stop(a, { keepData: true });

    a = await start({ dataDir });
    tab.base = a.url;
    const got = await tab.call('GET', `/api/v1/events/${ev.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.title, 'Parents evening');
    assert.equal(got.json.starts, ev.starts);
    assert.equal(got.json.registrants, 1);
    const regs = await tab.call('GET', `/api/v1/events/${ev.id}/registrants`);
    assert.equal(regs.json.registrants[0].name, 'Zofia');
    assert.equal((await tab.call('GET', `/api/v1/events/${gone.id}`)).json.status, 'cancelled');
    const past = await tab.call('GET', '/api/v1/events?when=past');
    assert.deepEqual(past.json.events.map((e) => e.id), [gone.id]);
    const join = await post(`/api/v1/events/${ev.id}/join`, { key: reg.json.personal_url.split('#k=')[1] }, a.url);
    assert.equal(join.status, 200, JSON.stringify(join.json));
    assert.equal(join.json.role, 'participant');
    assert.equal(join.json.participant.name, 'Zofia');
    await stop(a);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('e-mail off: registration works and says so; invitations are refused', async () => {
  const a = await start();
  const tab = await host(a.url);
  const ev = await schedule(tab);
  assert.equal(ev.email_on, false);
  const email = uniqueEmail('off');
  const r = await post(`/api/v1/events/${ev.id}/register`, { name: 'Piotr', email, consent: true }, a.url);
  assert.equal(r.status, 201);
  assert.equal(r.json.email_off, true);
  assert.equal(r.json.email_sent, false);
  assert.match(r.json.personal_url, new RegExp(`^/e/${ev.id}#k=`));
  // Without e-mail the only way back to the link is the answer itself.
  const twice = await post(`/api/v1/events/${ev.id}/register`, { name: 'Piotr', email, consent: true }, a.url);
  assert.equal(twice.json.personal_url, r.json.personal_url);
  const inv = await tab.call('POST', `/api/v1/events/${ev.id}/invitations`, { emails: [email] });
  assert.equal(inv.status, 409);
  assert.equal(msg(inv), 'e-mail is off on this server');
  await stop(a);
});

test('a reminder goes to each registrant once, within reminder_before of the start', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'aula-remind-'));
  const args = ['--smtp-url', sink.url, '--reminder-before', '4000'];
  let a = await start({ dataDir, args });
  const tab = await host(a.url);
  const startsAt = Date.now() + 9000;
  const ev = await schedule(tab, { title: 'Quick chat', starts: new Date(startsAt).toISOString(), time_zone: 'UTC' });
  const email = uniqueEmail('remind');
  const from = sink.messages.length;
  const reg = await post(`/api/v1/events/${ev.id}/register`, { name: 'Iga', email, consent: true, lang: 'pl' }, a.url);
  assert.equal(reg.status, 201);
  const confirm = await mailWhere(to(email), from);
  assert.equal(confirm.subject, 'Rejestracja: Quick chat');
  const reminder = await mailWhere((m) => to(email)(m) && m.subject.startsWith('Wkrótce'), from, 15000);
  const arrived = Date.now();
  assert.equal(reminder.subject, 'Wkrótce: Quick chat');
  assert.ok(arrived >= ev.starts - 4000 - 100, `reminder ${ev.starts - arrived} ms before the start`);
  assert.ok(bodyText(reminder).includes(`/e/${ev.id}#k=`));
  const after = await tab.call('GET', `/api/v1/events/${ev.id}`);
  assert.equal(typeof after.json.reminder_sent, 'number');
  assert.equal(sink.messages.slice(from).filter((m) => to(email)(m) && m.subject.startsWith('Wkrótce')).length, 1);
  // The mark that keeps it to one reminder survives a restart.
  await stop(a, { keepData: true });
  a = await start({ dataDir, args });
  tab.base = a.url;
  assert.equal((await tab.call('GET', `/api/v1/events/${ev.id}`)).json.reminder_sent, after.json.reminder_sent);
  await stop(a);
  rmSync(dataDir, { recursive: true, force: true });
});
