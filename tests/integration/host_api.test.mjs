// Joining rooms and host actions over the REST API (docs/api.md) against
// the real aula binary: host link vs participant link (read from the
// token's payload), room passwords, the lock, the lobby flag, rejoin with
// the same participant id, and host actions with a bearer join token that a
// participant's token, an expired token or a forged one cannot perform.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula, createRoom } from '../lib/server.mjs';
import { openClient, pollUntil, closeAllConnections, waitNoWebSockets } from '../lib/net.mjs';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);

let aula;
before(async () => { aula = await startAula(); });
after(async () => {
  closeAllConnections();
  if (aula) {
    await waitNoWebSockets(aula.url);
    const st = await aula.stop();
    assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${aula.stderr()}`);
  }
});

async function post(base, path, body, headers = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const join = (roomId, body, base = aula.url) => post(base, `/api/v1/rooms/${roomId}/join`, body);
const act = (roomId, action, token, body = {}, base = aula.url) =>
  post(base, `/api/v1/rooms/${roomId}/${action}`, body, token ? { authorization: `Bearer ${token}` } : {});
const payload = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const header = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());

async function joined(roomId, body) {
  const r = await join(roomId, body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

async function wsJoin(token) {
  const client = await openClient(aula.wsUrl);
  const result = await client.call('room.join', { token });
  return { client, result };
}

test('the host link makes a host, the participant link a participant: the token says so', async () => {
  const room = await createRoom(aula.url, 'Links');
  assert.match(room.host_key, /^[0-9a-f]{32}$/);
  assert.equal(room.host_url, `${room.join_url}#host=${room.host_key}`, 'the key travels in the fragment');
  const before = Math.floor(Date.now() / 1000);

  const host = await joined(room.id, { name: 'Teacher', host_key: room.host_key });
  assert.equal(host.role, 'host');
  assert.deepEqual(host.room, { id: room.id, title: 'Links', lobby: false, has_password: false });
  assert.equal(header(host.token).alg, 'HS256');
  const hp = payload(host.token);
  assert.equal(hp.room, room.id);
  assert.equal(hp.role, 'host');
  assert.equal(hp.name, 'Teacher');
  assert.equal(hp.sub, host.participant.id);
  assert.match(hp.sub, /^[0-9a-f]{16}$/);
  assert.equal(hp.admitted, true);
  assert.ok(hp.iat >= before - 1 && hp.iat <= Date.now() / 1000 + 1, `iat ${hp.iat}`);
  assert.equal(hp.exp - hp.iat, 900, 'the default join_token_ttl is 15 minutes');
  assert.equal(host.expires, hp.exp * 1000);

  const pupil = await joined(room.id, { name: '  Ala  ' });
  assert.equal(pupil.role, 'participant');
  assert.deepEqual(pupil.participant, { id: payload(pupil.token).sub, name: 'Ala' });
  assert.equal(payload(pupil.token).role, 'participant');
  assert.notEqual(pupil.participant.id, host.participant.id);

  const wrongKey = await join(room.id, { name: 'Mallory', host_key: 'f'.repeat(32) });
  assert.equal(wrongKey.status, 403);
  assert.match(wrongKey.json.error.message, /host link is not valid/);

  assert.equal((await join('zzz-zzzz-zzz', { name: 'Ala' })).status, 404);
  const noName = await join(room.id, {});
  assert.equal(noName.status, 400);
  assert.match(noName.json.error.message, /name/);
});

test('a room password: missing and wrong are 401 with password_required; hosts need none', async () => {
  const res = await post(aula.url, '/api/v1/rooms', { title: 'Secret', password: 'ciasteczko' });
  assert.equal(res.status, 201);
  const room = res.json;
  assert.equal(room.has_password, true);

  const missing = await join(room.id, { name: 'Ala' });
  assert.equal(missing.status, 401);
  assert.equal(missing.json.error.message, 'this room needs a password');
  assert.equal(missing.json.password_required, true);
  const wrong = await join(room.id, { name: 'Ala', password: 'ciastko' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error.message, 'wrong password');
  assert.equal(wrong.json.password_required, true);
  const right = await joined(room.id, { name: 'Ala', password: 'ciasteczko' });
  assert.equal(right.role, 'participant');
  assert.equal(right.room.has_password, true);
  // Everyone types the same password: argon2id checks it once, /metrics
  // counts the rest as remembered.
  const checks = async () => {
    const text = await (await fetch(`${aula.url}/metrics`)).text();
    const n = (how) => Number(text.match(new RegExp(`^aula_password_checks_total\\{how="${how}"\\} (\\d+)$`, 'm'))[1]);
    return { argon2id: n('argon2id'), remembered: n('remembered') };
  };
  const before = await checks();
  const ola = await joined(room.id, { name: 'Ola', password: 'ciasteczko' });
  assert.equal(ola.role, 'participant');
  assert.deepEqual(await checks(), { argon2id: before.argon2id, remembered: before.remembered + 1 });
  const host = await joined(room.id, { name: 'Teacher', host_key: room.host_key });
  assert.equal(host.role, 'host');
  // Coming back with the token needs no password again.
  const back = await joined(room.id, { name: 'Ala', token: right.token });
  assert.equal(back.participant.id, right.participant.id);
});

test('a lobby room admits hosts at once and marks participants as waiting', async () => {
  const room = (await post(aula.url, '/api/v1/rooms', { title: 'Lobby', lobby: true })).json;
  assert.equal(room.lobby, true);
  const pupil = await joined(room.id, { name: 'Ala' });
  assert.equal(payload(pupil.token).admitted, false);
  assert.equal(pupil.room.lobby, true);
  const host = await joined(room.id, { name: 'Teacher', host_key: room.host_key });
  assert.equal(payload(host.token).admitted, true);
});

test('a participant token cannot mute, remove, promote, lock or end; a host token can', async () => {
  const room = await createRoom(aula.url, 'Permissions');
  const hostTok = await joined(room.id, { name: 'Teacher', host_key: room.host_key });
  const alaTok = await joined(room.id, { name: 'Ala' });
  const olaTok = await joined(room.id, { name: 'Ola' });
  const host = await wsJoin(hostTok.token);
  const ala = await wsJoin(alaTok.token);
  const ola = await wsJoin(olaTok.token);
  const olaId = olaTok.participant.id;

  const refusals = [
    [`participants/${olaId}/mute`, { kind: 'audio' }, /^only hosts can /],
    [`participants/${olaId}/remove`, {}, /^only hosts can /],
    [`participants/${olaId}/role`, { role: 'cohost' }, /^only (a )?hosts? can /],
    ['lock', { locked: true }, /^only hosts can /],
    ['end', {}, /^only hosts can /],
  ];
  for (const [action, body, re] of refusals) {
    const r = await act(room.id, action, alaTok.token, body);
    assert.equal(r.status, 403, `${action}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.error.message, re, action);
  }
  // Nothing happened: the room is not locked and Ola is still in it.
  const info = await (await fetch(`${aula.url}/api/v1/rooms/${room.id}`)).json();
  assert.equal(info.locked, false);
  assert.equal(info.participants, 3);

  // The host's token does it, and the participant hears about it.
  const mute = await act(room.id, `participants/${olaId}/mute`, hostTok.token, { kind: 'audio', allow_unmute: false });
  assert.equal(mute.status, 200, JSON.stringify(mute.json));
  assert.deepEqual(mute.json, { ok: true });
  const muted = await ola.client.waitFor('host.muted');
  assert.equal(muted.kind, 'audio');
  assert.equal(muted.allow_unmute, false);

  const bad = await act(room.id, `participants/${olaId}/mute`, hostTok.token, { kind: 'screen' });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /kind must be/);
  const ghost = await act(room.id, 'participants/0123456789abcdef/remove', hostTok.token);
  assert.equal(ghost.status, 404);

  const promote = await act(room.id, `participants/${alaTok.participant.id}/role`, hostTok.token, { role: 'cohost' });
  assert.equal(promote.status, 200, JSON.stringify(promote.json));
  await ala.client.waitFor('participant.role', (p) => p.participant.role === 'cohost');

  const remove = await act(room.id, `participants/${olaId}/remove`, hostTok.token);
  assert.equal(remove.status, 200, JSON.stringify(remove.json));
  assert.equal((await ola.client.closed).code, 4001);

  const end = await act(room.id, 'end', hostTok.token);
  assert.equal(end.status, 200, JSON.stringify(end.json));
  assert.equal((await host.client.closed).code, 4002);
  assert.equal((await ala.client.closed).code, 4002);
});

test('a locked room: 423 for newcomers, hosts and earlier participants still get in', async () => {
  const room = await createRoom(aula.url, 'Locked');
  const hostTok = await joined(room.id, { name: 'Teacher', host_key: room.host_key });
  const ala = await joined(room.id, { name: 'Ala' });
  const { client } = await wsJoin(ala.token); // Ala has been in the room
  await client.close();

  const lock = await act(room.id, 'lock', hostTok.token, { locked: true });
  assert.equal(lock.status, 200, JSON.stringify(lock.json));
  const info = await (await fetch(`${aula.url}/api/v1/rooms/${room.id}`)).json();
  assert.equal(info.locked, true);

  const late = await join(room.id, { name: 'Late' });
  assert.equal(late.status, 423);
  assert.equal(late.json.error.message, 'the room is locked');
  assert.equal((await joined(room.id, { name: 'Co-teacher', host_key: room.host_key })).role, 'host');
  const back = await joined(room.id, { name: 'Ala', token: ala.token });
  assert.equal(back.participant.id, ala.participant.id, 'rejoin keeps the participant id');

  const unlock = await act(room.id, 'lock', hostTok.token, { locked: false });
  assert.equal(unlock.status, 200);
  assert.equal((await join(room.id, { name: 'Late' })).status, 200);
  const badBody = await act(room.id, 'lock', hostTok.token, { locked: 'yes' });
  assert.equal(badBody.status, 400);
});

test('no token, a forged token, another room\'s token: refused with a clear message', async () => {
  const room = await createRoom(aula.url, 'Forgery');
  const other = await createRoom(aula.url, 'Other');
  const pupil = await joined(room.id, { name: 'Ala' });
  const otherHost = await joined(other.id, { name: 'Teacher', host_key: other.host_key });

  const none = await act(room.id, 'lock', null, { locked: true });
  assert.equal(none.status, 401);
  assert.match(none.json.error.message, /Bearer/);

  // The participant rewrites its own payload to say "host": the signature
  // no longer matches.
  const [h, , s] = pupil.token.split('.');
  const forgedBody = Buffer.from(JSON.stringify({ ...payload(pupil.token), role: 'host' })).toString('base64url');
  const forged = await act(room.id, 'lock', `${h}.${forgedBody}.${s}`, { locked: true });
  assert.equal(forged.status, 401);
  assert.equal(forged.json.error.message, 'the join token is not valid');
  const noneAlg = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const unsigned = await act(room.id, 'lock', `${noneAlg}.${forgedBody}.`, { locked: true });
  assert.equal(unsigned.status, 401);
  assert.equal(unsigned.json.error.message, 'the join token is not valid');
  const garbage = await act(room.id, 'end', 'not-a-token');
  assert.equal(garbage.status, 401);

  const elsewhere = await act(room.id, 'lock', otherHost.token, { locked: true });
  assert.equal(elsewhere.status, 403);
  assert.equal(elsewhere.json.error.message, 'this join token is for another room');

  // A forged token given to join is ignored: a new participant, not a host.
  const j = await joined(room.id, { name: 'Mallory', token: `${h}.${forgedBody}.${s}` });
  assert.equal(j.role, 'participant');
  assert.notEqual(j.participant.id, pupil.participant.id);
  const info = await (await fetch(`${aula.url}/api/v1/rooms/${room.id}`)).json();
  assert.equal(info.locked, false, 'none of the refused requests locked the room');
});

test('an expired host token is refused with "the join token has expired: join again"', async () => {
  const short = await startAula({ args: ['--join-token-ttl', '1000'] });
  try {
    const room = await createRoom(short.url, 'Short');
    const host = (await join(room.id, { name: 'Teacher', host_key: room.host_key }, short.url)).json;
    assert.equal(payload(host.token).exp - payload(host.token).iat, 1);
    await pollUntil(async () => Date.now(), (now) => now > host.expires + 50,
      { timeoutMs: 5000, what: 'the token to expire' });
    const r = await act(room.id, 'lock', host.token, { locked: true }, short.url);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.message, 'the join token has expired: join again');
    // Joining again with the expired token keeps the participant.
    const again = (await join(room.id, { name: 'Teacher', host_key: room.host_key, token: host.token }, short.url)).json;
    assert.equal(again.participant.id, host.participant.id);
    assert.equal((await act(room.id, 'lock', again.token, { locked: true }, short.url)).status, 200);
  } finally {
    const st = await short.stop();
    assert.equal(st.code, 0, short.stderr());
  }
});
