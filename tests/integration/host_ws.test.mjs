// Host controls over the real WebSocket (docs/protocol.md): what a
// participant's token may not do, host mute / remove / end, the lobby,
// raised hands, hosts-only chat, reactions, token errors, locked rooms and
// a reconnection that takes over the old connection. Tokens are signed
// here with the secret aula is started with (--jwt-secret), the same way
// aula signs them.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula, createRoom } from '../lib/server.mjs';
import { openClient, rpcRaw, waitNoWebSockets, closeAllConnections } from '../lib/net.mjs';
import { joinToken, participantId } from '../lib/rpc.mjs';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);

const SECRET = 'a test secret that is long enough for HS256 join tokens';
let aula;

before(async () => {
  aula = await startAula({ args: ['--jwt-secret', SECRET] });
});

after(async () => {
  if (aula) {
    closeAllConnections();
    await waitNoWebSockets(aula.url);
    const st = await aula.stop();
    assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${aula.stderr()}`);
  }
});

let roomCounter = 0;
const newRoom = () => createRoom(aula.url, `host test ${++roomCounter}`);

// Joins room as a new person with role; resolves with {client, join, id, token}.
async function joinAs(room, name, role = 'participant', { sub = participantId(), admitted = true } = {}) {
  const token = joinToken(SECRET, { room: room.id, sub, name, role, admitted });
  const client = await openClient(aula.wsUrl);
  const join = await client.call('room.join', { token });
  return { client, join, id: sub, token };
}

async function expectError(client, method, params, code, message) {
  const res = await rpcRaw(client, method, params);
  assert.ok(res.error, `${method}: expected error ${code}, got ${JSON.stringify(res.result)}`);
  assert.equal(res.error.code, code, `${method}: ${JSON.stringify(res.error)}`);
  if (message instanceof RegExp) assert.match(res.error.message, message, method);
  else if (message) assert.equal(res.error.message, message, method);
  return res.error;
}

// Resolves once every notification the server sent c before now has
// arrived: a chat line c hears is a barrier (the server sends in order).
async function sync(from, to, text) {
  const got = to.waitFor('chat.message', (m) => m.text === text);
  await from.call('chat.send', { text });
  await got;
}

test('a participant token cannot use host controls (-32006)', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  const ala = await joinAs(room, 'Ala');
  const bob = await joinAs(room, 'Bartek');
  assert.equal(host.join.me.role, 'host');
  assert.equal(ala.join.me.role, 'participant');
  assert.deepEqual(bob.join.participants.map((p) => [p.name, p.role]),
    [['Teacher', 'host'], ['Ala', 'participant'], ['Bartek', 'participant']]);

  const c = ala.client;
  await expectError(c, 'host.mute', { participant: bob.id, kind: 'audio' }, -32006, 'only hosts can mute others');
  await expectError(c, 'host.remove', { participant: bob.id }, -32006, 'only hosts can remove participants');
  await expectError(c, 'room.lock', { locked: true }, -32006, 'only hosts can lock the room');
  await expectError(c, 'room.end', {}, -32006, 'only hosts can end the meeting');
  await expectError(c, 'host.setRole', { participant: bob.id, role: 'cohost' }, -32006, 'only hosts can make co-hosts');
  await expectError(c, 'room.setLobby', { lobby: true }, -32006, /^only hosts can/);
  await expectError(c, 'lobby.admit', { participant: bob.id }, -32006, /^only hosts can/);
  await expectError(c, 'hand.lower', { participant: bob.id }, -32006, /^only hosts can/);

  // Nothing happened: Bartek is still in, not muted, and the room is open.
  await sync(bob.client, ala.client, 'still here');
  assert.equal(bob.client.notifications.filter((n) => n.method === 'host.muted').length, 0);
  const late = await joinAs(room, 'Celina');
  assert.equal(late.join.room.locked, false);
  for (const x of [host, ala, bob, late]) await x.client.close();
});

test('host mute pauses the target and refuses self-unmute until allowed', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  const ala = await joinAs(room, 'Ala');

  assert.deepEqual(await host.client.call('host.mute', { participant: ala.id, kind: 'audio' }), {});
  const muted = await ala.client.waitFor('host.muted');
  assert.equal(muted.kind, 'audio');
  assert.equal(muted.allow_unmute, false);
  assert.deepEqual(muted.by, { id: host.id, name: 'Teacher' });
  const st = await host.client.waitFor('participant.media', (m) => m.participant === ala.id);
  assert.equal(st.audio, false);
  assert.equal(st.audio_muted_by_host, true);
  assert.equal(st.video_muted_by_host, false);

  await expectError(ala.client, 'media.pause', { kind: 'audio', paused: false }, -32006,
    'a host has muted your microphone; raise your hand to ask to speak');
  // The camera was not muted: turning it on and off stays free.
  await ala.client.call('media.pause', { kind: 'video', paused: true });
  await ala.client.call('media.pause', { kind: 'video', paused: false });

  await host.client.call('host.mute', { participant: ala.id, kind: 'audio', allow_unmute: true });
  assert.deepEqual(await ala.client.waitFor('host.unmute_allowed'), { kind: 'audio' });
  const mine = await ala.client.call('media.pause', { kind: 'audio', paused: false });
  assert.equal(mine.audio_muted_by_host, false);
  await host.client.waitFor('participant.media', (m) => m.participant === ala.id && m.audio_muted_by_host === false);

  // Muted with permission to unmute from the start.
  await host.client.call('host.mute', { participant: ala.id, kind: 'video', allow_unmute: true });
  assert.equal((await ala.client.waitFor('host.muted', (m) => m.kind === 'video')).allow_unmute, true);
  await ala.client.call('media.pause', { kind: 'video', paused: false });

  await expectError(host.client, 'host.mute', { participant: 'ffffffffffffffff', kind: 'audio' }, -32602,
    /not in the meeting/);
  await expectError(host.client, 'host.mute', { participant: ala.id, kind: 'screen' }, -32602,
    'kind: expected "audio" or "video"');
  await host.client.close();
  await ala.client.close();
});

test('host.remove closes the target with 4001; the others get participant.left', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  const ala = await joinAs(room, 'Ala');
  const bob = await joinAs(room, 'Bartek');

  assert.deepEqual(await host.client.call('host.remove', { participant: ala.id }), {});
  assert.deepEqual((await ala.client.waitFor('room.removed')).by, { id: host.id, name: 'Teacher' });
  const closed = await ala.client.closed;
  assert.equal(closed.code, 4001);
  const left = await bob.client.waitFor('participant.left');
  assert.equal(left.participant.id, ala.id);

  // The same token cannot come back while the meeting goes on.
  const again = await openClient(aula.wsUrl);
  await expectError(again, 'room.join', { token: ala.token }, -32006, 'a host removed you from this meeting');
  await expectError(host.client, 'host.remove', { participant: host.id }, -32602, /cannot remove yourself/);
  for (const c of [again, host.client, bob.client]) await c.close();
});

test('room.end closes everyone with 4002 after telling them', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  const ala = await joinAs(room, 'Ala');
  const bob = await joinAs(room, 'Bartek');
  assert.deepEqual(await host.client.call('room.end', {}), {}, 'the host gets its result first');
  for (const x of [ala, bob, host]) {
    assert.deepEqual((await x.client.waitFor('room.ended')).by, { id: host.id, name: 'Teacher' });
    assert.equal((await x.client.closed).code, 4002, x.join.me.name);
  }
  const st = await (await fetch(`${aula.url}/api/v1/rooms/${room.id}`)).json();
  assert.equal(st.participants, 0);
});

test('lobby: waiters wait until a host admits or declines them', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  await host.client.call('room.setLobby', { lobby: true });

  const alaId = participantId();
  const ala = await openClient(aula.wsUrl);
  const wait = await ala.call('room.join', { token: joinToken(SECRET, { room: room.id, sub: alaId, name: 'Ala', admitted: false }) });
  assert.equal(wait.waiting, true);
  assert.equal(wait.room.lobby, true);
  assert.deepEqual((await host.client.waitFor('lobby.waiting')).participant.id, alaId);
  await expectError(ala, 'chat.send', { text: 'hi' }, -32001);

  const bobId = participantId();
  const bob = await openClient(aula.wsUrl);
  await bob.call('room.join', { token: joinToken(SECRET, { room: room.id, sub: bobId, name: 'Bartek', admitted: false }) });
  await host.client.waitFor('lobby.waiting', (w) => w.participant.id === bobId);

  // A host joining now sees who waits, in arrival order.
  const cohost = await joinAs(room, 'Helper', 'cohost');
  assert.deepEqual(cohost.join.lobby.map((w) => w.name), ['Ala', 'Bartek']);

  await host.client.call('lobby.admit', { participant: alaId });
  const admitted = await ala.waitFor('lobby.admitted');
  assert.equal(typeof admitted.token, 'string');
  const join = await ala.call('room.join', { token: admitted.token });
  assert.equal(join.me.id, alaId);
  await host.client.waitFor('participant.joined', (j) => j.participant.id === alaId);

  await cohost.client.call('lobby.decline', { participant: bobId });
  await bob.waitFor('lobby.declined');
  assert.equal((await bob.closed).code, 4001);
  await host.client.waitFor('lobby.left', (w) => w.participant.id === bobId);
  await expectError(host.client, 'lobby.admit', { participant: bobId }, -32602, /nobody with that id is waiting/);

  // A waiter who gives up is gone from the hosts' list.
  const celId = participantId();
  const cel = await openClient(aula.wsUrl);
  await cel.call('room.join', { token: joinToken(SECRET, { room: room.id, sub: celId, name: 'Celina', admitted: false }) });
  await host.client.waitFor('lobby.waiting', (w) => w.participant.id === celId);
  await cel.close();
  await host.client.waitFor('lobby.left', (w) => w.participant.id === celId);
  for (const c of [ala, host.client, cohost.client]) await c.close();
});

test('hands: everyone sees the queue in raise order', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  const ala = await joinAs(room, 'Ala');
  const bob = await joinAs(room, 'Bartek');

  await bob.client.call('hand.raise', {});
  await ala.client.call('hand.raise', {});
  const again = await bob.client.call('hand.raise', {});
  assert.deepEqual(again.hands.map((h) => h.name), ['Bartek', 'Ala'], 'raising twice keeps the place');
  const seen = await host.client.waitFor('hand.changed', (h) => h.hands.length === 2);
  assert.deepEqual(seen.hands.map((h) => h.id), [bob.id, ala.id]);
  assert.ok(seen.hands[0].since <= seen.hands[1].since);

  const late = await joinAs(room, 'Celina');
  assert.deepEqual(late.join.hands.map((h) => h.name), ['Bartek', 'Ala']);
  const hand = Object.fromEntries(late.join.participants.map((p) => [p.name, p.hand]));
  assert.deepEqual(hand, { Teacher: null, Ala: 2, Bartek: 1, Celina: null });

  await expectError(ala.client, 'hand.lower', { participant: bob.id }, -32006, /^only hosts can/);
  const lowered = await host.client.call('hand.lower', { participant: bob.id });
  assert.deepEqual(lowered.hands.map((h) => h.name), ['Ala']);
  await ala.client.waitFor('hand.changed', (h) => h.hands.length === 1);
  assert.deepEqual((await ala.client.call('hand.lower', {})).hands, []);
  for (const x of [host, ala, bob, late]) await x.client.close();
});

test('chat to hosts reaches hosts and the sender only, also in chat.history', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  const ala = await joinAs(room, 'Ala');
  const bob = await joinAs(room, 'Bartek');

  const sent = await ala.client.call('chat.send', { text: 'I cannot hear', to: 'hosts' });
  assert.equal(sent.to, 'hosts');
  const atHost = await host.client.waitFor('chat.message', (m) => m.seq === sent.seq);
  assert.deepEqual(atHost, sent);
  const open = await host.client.call('chat.send', { text: 'hello all' });
  assert.equal(open.to, 'everyone');
  await bob.client.waitFor('chat.message', (m) => m.seq === open.seq);
  assert.equal(bob.client.notifications.filter((n) => n.method === 'chat.message' && n.params.to === 'hosts').length, 0,
    'Bartek never got the line for hosts');

  const texts = async (c) => (await c.call('chat.history', {})).messages.map((m) => m.text);
  assert.deepEqual(await texts(host.client), ['I cannot hear', 'hello all']);
  assert.deepEqual(await texts(ala.client), ['I cannot hear', 'hello all']);
  assert.deepEqual(await texts(bob.client), ['hello all']);
  await expectError(ala.client, 'chat.send', { text: 'x', to: 'teacher' }, -32602, 'to: expected "everyone" or "hosts"');
  for (const x of [host, ala, bob]) await x.client.close();
});

test('reactions: one of six emoji, to everyone', async () => {
  const room = await newRoom();
  const ala = await joinAs(room, 'Ala');
  const bob = await joinAs(room, 'Bartek');
  assert.deepEqual(await ala.client.call('reaction.send', { emoji: '👏' }), {});
  const r = await bob.client.waitFor('reaction');
  assert.deepEqual(r, { participant: { id: ala.id, name: 'Ala' }, emoji: '👏' });
  await ala.client.waitFor('reaction');
  await expectError(ala.client, 'reaction.send', { emoji: '💩' }, -32602, /^emoji: expected one of/);
  await expectError(ala.client, 'reaction.send', {}, -32602, /^emoji: expected one of/);
  await ala.client.close();
  await bob.client.close();
});

test('expired and forged tokens are refused with -32007', async () => {
  const room = await newRoom();
  const c = await openClient(aula.wsUrl);
  const claims = { room: room.id, sub: participantId(), name: 'Ala' };
  await expectError(c, 'room.join', { token: joinToken(SECRET, { ...claims, ttlMs: -5000 }) }, -32007,
    'the join token has expired: join again');
  await expectError(c, 'room.join', { token: joinToken('another secret that is long enough, really', claims) }, -32007,
    'the join token is not valid');
  await expectError(c, 'room.join', { token: joinToken(SECRET, { ...claims, alg: 'none' }) }, -32007,
    'the join token is not valid');
  await expectError(c, 'room.join', { token: 'not.a.token' }, -32007, 'the join token is not valid');
  await expectError(c, 'room.join', { token: joinToken(SECRET, { ...claims, role: 'king' }) }, -32007,
    'the join token is not valid');
  // A token for another room.
  const other = await newRoom();
  await expectError(c, 'room.join', { room: other.id, token: joinToken(SECRET, claims) }, -32007,
    /not valid/);
  // The session is still usable after the refusals.
  const ok = await c.call('room.join', { token: joinToken(SECRET, claims) });
  assert.equal(ok.me.id, claims.sub);
  const fresh = await c.call('token.refresh', {});
  assert.equal(typeof fresh.token, 'string');
  assert.ok(fresh.expires > Date.now());
  await c.close();
});

test('a locked room refuses newcomers (-32008) but not hosts or people who were in', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  const ala = await joinAs(room, 'Ala');
  await ala.client.close();
  await host.client.call('room.lock', { locked: true });
  assert.deepEqual(await host.client.waitFor('room.locked'), { locked: true });

  const stranger = await openClient(aula.wsUrl);
  await expectError(stranger, 'room.join',
    { token: joinToken(SECRET, { room: room.id, sub: participantId(), name: 'Eve' }) }, -32008, 'the room is locked');
  await expectError(stranger, 'room.join', { room: room.id, name: 'Eve' }, -32008, 'the room is locked');
  const back = await openClient(aula.wsUrl);
  assert.equal((await back.call('room.join', { token: ala.token })).me.id, ala.id);
  const cohost = await joinAs(room, 'Helper', 'cohost');
  assert.equal(cohost.join.room.locked, true);
  for (const c of [stranger, back, host.client, cohost.client]) await c.close();
});

test('a reconnection with the same token replaces the old connection (4000)', async () => {
  const room = await newRoom();
  const host = await joinAs(room, 'Teacher', 'host');
  const ala = await joinAs(room, 'Ala');
  const line = await ala.client.call('chat.send', { text: 'before the drop' });
  await ala.client.call('hand.raise', {});
  await host.client.waitFor('hand.changed', (h) => h.hands.length === 1);
  const seenBefore = host.client.notifications.length;

  const again = await openClient(aula.wsUrl);
  const join = await again.call('room.join', { token: ala.token });
  assert.equal(join.replaced, true);
  assert.deepEqual(join.me, { id: ala.id, name: 'Ala', role: 'participant' });
  assert.deepEqual(join.chat.map((m) => m.seq), [line.seq], 'the chat history is there');
  assert.deepEqual(join.hands.map((h) => h.id), [ala.id], 'the raised hand too');
  const closed = await ala.client.closed;
  assert.equal(closed.code, 4000);

  // The others saw neither a leave nor a join, and hear the new connection.
  await sync(again, host.client, 'after the drop');
  const names = host.client.notifications.slice(seenBefore).map((n) => n.method);
  assert.ok(names.includes('participant.media'), 'the host sees its media go until it publishes again');
  assert.ok(!names.includes('participant.left'), names.join());
  assert.ok(!names.includes('participant.joined'), names.join());
  assert.equal(join.participants.length, 2);
  await again.close();
  await host.client.close();
});

test('a join without a token works in open rooms only', async () => {
  const room = await newRoom();
  const c = await openClient(aula.wsUrl);
  const join = await c.call('room.join', { room: room.id, name: 'Bot' });
  assert.equal(join.me.role, 'participant');
  assert.equal(typeof join.token, 'string', 'it gets a token to reconnect with');
  await c.close();

  const host = await joinAs(room, 'Teacher', 'host');
  await host.client.call('room.setLobby', { lobby: true });
  const d = await openClient(aula.wsUrl);
  await expectError(d, 'room.join', { room: room.id, name: 'Bot' }, -32006, /needs a join token/);
  await d.close();
  await host.client.close();
});
