// Join tokens from the REST API used over the WebSocket: a participant's
// token cannot host, a host's expired token stops working for host
// controls (aula started with a 2 s join_token_ttl), and after a restart of
// aula the same token brings back the same participant with its chat
// history, past the lock.
import { test as nodeTest, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAula, createRoom } from '../lib/server.mjs';
import { openClient, rpcRaw, pollUntil, closeAllConnections } from '../lib/net.mjs';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);
const running = new Set();

after(async () => {
  closeAllConnections();
  for (const a of running) await a.stop();
});

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

// POST /api/v1/rooms/{id}/join; resolves with the JSON body (status 200).
async function restJoin(aula, roomId, body) {
  const res = await fetch(`${aula.url}/api/v1/rooms/${roomId}/join`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

async function wsJoin(aula, token) {
  const client = await openClient(aula.wsUrl);
  const join = await client.call('room.join', { token });
  return { client, join };
}

async function expectError(client, method, params, code, message) {
  const res = await rpcRaw(client, method, params);
  assert.ok(res.error, `${method}: expected error ${code}, got ${JSON.stringify(res.result)}`);
  assert.equal(res.error.code, code, `${method}: ${JSON.stringify(res.error)}`);
  assert.equal(res.error.message, message, method);
}

test('REST tokens: the role decides, and an expired host token stops hosting', async () => {
  const aula = await start({ args: ['--join-token-ttl', '2000'] });
  const room = await createRoom(aula.url, 'token test');
  const hostTok = await restJoin(aula, room.id, { name: 'Teacher', host_key: room.host_key });
  const alaTok = await restJoin(aula, room.id, { name: 'Ala' });
  assert.equal(hostTok.role, 'host');
  assert.equal(alaTok.role, 'participant');
  const host = await wsJoin(aula, hostTok.token);
  const ala = await wsJoin(aula, alaTok.token);
  assert.equal(host.join.me.role, 'host');
  assert.equal(ala.join.me.id, alaTok.participant.id);

  await expectError(ala.client, 'host.mute', { participant: host.join.me.id, kind: 'audio' }, -32006,
    'only hosts can mute others');
  await expectError(ala.client, 'room.end', {}, -32006, 'only hosts can end the meeting');
  assert.deepEqual(await host.client.call('host.mute', { participant: ala.join.me.id, kind: 'video' }), {});

  // Once the connection's newest token has expired (the page would have
  // refreshed it), host controls and refreshing are refused.
  const expires = host.join.expires;
  assert.ok(expires > Date.now() && expires <= Date.now() + 3000, `expires ${expires}`);
  await pollUntil(async () => Date.now(), (now) => now > expires + 50,
    { timeoutMs: 5000, what: 'the host token to expire' });
  await expectError(host.client, 'host.mute', { participant: ala.join.me.id, kind: 'audio' }, -32007,
    'the join token has expired: join again');
  await expectError(host.client, 'token.refresh', {}, -32007, 'the join token has expired: join again');
  const again = await openClient(aula.wsUrl);
  await expectError(again, 'room.join', { token: hostTok.token }, -32007, 'the join token has expired: join again');

  // Joining again through the REST API with the expired token keeps the
  // participant; the new connection replaces the old one.
  const back = await restJoin(aula, room.id, { name: 'Teacher', host_key: room.host_key, token: hostTok.token });
  assert.equal(back.participant.id, host.join.me.id);
  const { join } = await wsJoin(aula, back.token);
  assert.equal(join.replaced, true);
  assert.equal((await host.client.closed).code, 4000);
  closeAllConnections();
  await stop(aula);
});

test('after a restart the same token brings back the same participant and its chat', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'aula-restart-'));
  try {
    let aula = await start({ dataDir });
    const room = await createRoom(aula.url, 'restart test');
    const hostTok = await restJoin(aula, room.id, { name: 'Teacher', host_key: room.host_key });
    const alaTok = await restJoin(aula, room.id, { name: 'Ala' });
    const host = await wsJoin(aula, hostTok.token);
    const ala = await wsJoin(aula, alaTok.token);
    const open = await ala.client.call('chat.send', { text: 'hello everyone' });
    const toHosts = await ala.client.call('chat.send', { text: 'only for the teacher', to: 'hosts' });
    await host.client.call('room.lock', { locked: true });
    await ala.client.waitFor('room.locked');
    closeAllConnections();
    await stop(aula, { keepData: true });

    aula = await start({ dataDir });
    // The participant rejoins with the token it kept: same id and name,
    // past the lock, with its own hosts-only line in the history.
    const ala2 = await wsJoin(aula, alaTok.token);
    assert.deepEqual(ala2.join.me, { id: alaTok.participant.id, name: 'Ala', role: 'participant' });
    assert.equal(ala2.join.room.locked, true);
    assert.deepEqual(ala2.join.chat.map((m) => [m.seq, m.text, m.to]),
      [[open.seq, 'hello everyone', 'everyone'], [toHosts.seq, 'only for the teacher', 'hosts']]);
    // A newcomer is still kept out of the locked room.
    const eveTok = await restJoin(aula, room.id, { name: 'Eve', host_key: room.host_key });
    assert.equal(eveTok.role, 'host', 'hosts still get in');
    const stranger = await openClient(aula.wsUrl);
    await expectError(stranger, 'room.join', { room: room.id, name: 'Eve' }, -32008, 'the room is locked');
    closeAllConnections();
    await stop(aula);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
