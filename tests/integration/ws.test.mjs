// The WebSocket JSON-RPC protocol (docs/protocol.md) against the real aula
// binary: rooms, chat, history, errors, rate limits, batches, and the
// connection rules (broken frames, bad UTF-8, oversize messages).
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula, createRoom } from '../lib/server.mjs';
import { RawWs, RawConn, OP, closePayload, readResponse, openClient, joinAs, nextRaw, rpcRaw, waitNoWebSockets, closeAllConnections } from '../lib/net.mjs';

// Every test gets a timeout so that a missing answer fails instead of hanging.
const test = (name, opts, fn) => (typeof opts === 'function'
  ? nodeTest(name, { timeout: 60000 }, opts) : nodeTest(name, { timeout: 60000, ...opts }, fn));

let aula;
let port;

before(async () => {
  aula = await startAula();
  port = aula.port;
});

after(async () => {
  if (aula) {
    // Every WebSocket is gone first (also those a failed test left open):
    // this checks a clean stop, not the race of a client closing during
    // shutdown.
    closeAllConnections();
    await waitNoWebSockets(aula.url);
    const st = await aula.stop();
    assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${aula.stderr()}`);
  }
});

let roomCounter = 0;
const newRoom = (title) => createRoom(aula.url, title || `ws test ${++roomCounter}`);

async function expectRpcError(client, method, params, code, label = method) {
  const res = await rpcRaw(client, method, params);
  assert.ok(res.error, `${label}: expected error ${code}, got result ${JSON.stringify(res.result)}`);
  assert.equal(res.error.code, code, `${label}: ${JSON.stringify(res.error)}`);
  assert.equal(typeof res.error.message, 'string', label);
  assert.ok(res.error.message.length > 0, `${label}: the message is readable text`);
  assert.equal(res.jsonrpc, '2.0');
  assert.notEqual(res.id, null, `${label}: the error answers the request (id), got id null`);
  return res.error;
}

// A raw WebSocket that joined a room, plus an RpcClient peer in the same
// room, for the connection-rule tests: the raw one breaks a rule, the peer
// must see it leave and must go on chatting with a third participant.
async function rawAndPeers(label) {
  const room = await newRoom(label);
  const { client: peer } = await joinAs(aula.wsUrl, room.id, 'Peer');
  const { client: third } = await joinAs(aula.wsUrl, room.id, 'Third');
  const raw = await RawWs.connect(port);
  const join = await raw.call('room.join', { room: room.id, name: 'Raw' });
  await peer.waitFor('participant.joined', (p) => p.participant.id === join.participant.id);
  return { room, peer, third, raw, rawId: join.participant.id };
}

async function peersKeepChatting({ peer, third, rawId }, text) {
  await peer.waitFor('participant.left', (p) => p.participant.id === rawId);
  const got = third.waitFor('chat.message', (p) => p.text === text);
  const sent = await peer.call('chat.send', { text });
  assert.equal(sent.text, text);
  assert.equal((await got).seq, sent.seq);
  await peer.close();
  await third.close();
}

// ---------- rooms and chat ----------

test('two clients join a room: participants, participant.joined', async () => {
  const room = await newRoom('Maths 4B');
  const { client: a, join: ja } = await joinAs(aula.wsUrl, room.id, 'Ala');
  assert.equal(ja.participant.name, 'Ala');
  assert.match(ja.participant.id, /^\S+$/);
  assert.equal(ja.room.id, room.id);
  assert.equal(ja.room.title, 'Maths 4B');
  // A join without a token is a participant; list entries carry the role,
  // the hand and host mutes besides id and name.
  const entry = (p) => ({ ...p, role: 'participant', hand: null,
    audio_muted_by_host: false, video_muted_by_host: false });
  assert.deepEqual(ja.me, { ...ja.participant, role: 'participant' });
  assert.deepEqual(ja.participants, [entry(ja.participant)]);
  assert.deepEqual(ja.chat, []);
  assert.equal(ja.chat_has_more, false);

  const { client: b, join: jb } = await joinAs(aula.wsUrl, room.id, 'Ola');
  assert.notEqual(jb.participant.id, ja.participant.id);
  const byId = (x, y) => (x.id < y.id ? -1 : 1);
  assert.deepEqual([...jb.participants].sort(byId),
    [entry(ja.participant), entry(jb.participant)].sort(byId),
    'participants lists everyone, the new participant included');

  const joined = await a.waitFor('participant.joined');
  assert.deepEqual(joined.participant, entry(jb.participant));

  // B got no participant.joined about itself: A's next event reaches B
  // after anything the server sent B at join time.
  const got = b.waitFor('chat.message', (p) => p.text === 'sync');
  await a.call('chat.send', { text: 'sync' });
  await got;
  assert.equal(b.notifications.filter((n) => n.method === 'participant.joined').length, 0);

  await a.close();
  await b.close();
});

test('names are trimmed; the same name may join twice as two participants', async () => {
  const room = await newRoom();
  const { client: a, join: ja } = await joinAs(aula.wsUrl, room.id, '  Ala Kowalska  ');
  assert.equal(ja.participant.name, 'Ala Kowalska');
  const { client: b, join: jb } = await joinAs(aula.wsUrl, room.id, 'Ala Kowalska');
  assert.notEqual(ja.participant.id, jb.participant.id);
  await a.close();
  await b.close();
});

test('chat both ways: chat.send result and chat.message to the other', async () => {
  const room = await newRoom();
  const { client: a, join: ja } = await joinAs(aula.wsUrl, room.id, 'Ala');
  const { client: b, join: jb } = await joinAs(aula.wsUrl, room.id, 'Ola');

  const t0 = Date.now();
  const toB = b.waitFor('chat.message', (p) => p.text === 'Cześć!');
  const sentA = await a.call('chat.send', { text: 'Cześć!' });
  assert.equal(sentA.text, 'Cześć!');
  assert.deepEqual(sentA.from, ja.participant);
  assert.equal(typeof sentA.seq, 'number');
  assert.ok(Math.abs(sentA.ts - t0) < 60000, `ts ${sentA.ts} is server time in ms`);
  assert.deepEqual(await toB, sentA);

  const toA = a.waitFor('chat.message', (p) => p.text === 'Hej 👋 <b>not html</b>');
  const sentB = await b.call('chat.send', { text: '  Hej 👋 <b>not html</b>  ' });
  assert.equal(sentB.text, 'Hej 👋 <b>not html</b>', 'trimmed, otherwise unchanged');
  assert.deepEqual(sentB.from, jb.participant);
  assert.ok(sentB.seq > sentA.seq, 'seq grows within a room');
  assert.deepEqual(await toA, sentB);

  // The sender does not get its own line as a notification.
  assert.equal(a.notifications.filter((n) => n.method === 'chat.message' && n.params.from.id === ja.participant.id).length, 0);
  assert.equal(b.notifications.filter((n) => n.method === 'chat.message' && n.params.from.id === jb.participant.id).length, 0);

  // A third joiner sees both lines, oldest first.
  const { client: c, join: jc } = await joinAs(aula.wsUrl, room.id, 'Ela');
  assert.deepEqual(jc.chat, [sentA, sentB]);
  assert.equal(jc.chat_has_more, false);
  for (const x of [a, b, c]) await x.close();
});

test('chat is per room', async () => {
  const r1 = await newRoom();
  const r2 = await newRoom();
  const { client: a } = await joinAs(aula.wsUrl, r1.id, 'A');
  const { client: b } = await joinAs(aula.wsUrl, r2.id, 'B');
  const { client: b2 } = await joinAs(aula.wsUrl, r2.id, 'B2');
  await a.call('chat.send', { text: 'only in room 1' });
  const got = b2.waitFor('chat.message', (p) => p.text === 'only in room 2');
  await b.call('chat.send', { text: 'only in room 2' });
  await got;
  assert.equal(b2.notifications.filter((n) => n.method === 'chat.message' && n.params.text === 'only in room 1').length, 0);
  const h = await b.call('chat.history', {});
  assert.deepEqual(h.messages.map((m) => m.text), ['only in room 2']);
  for (const x of [a, b, b2]) await x.close();
});

test('chat.history pages back with before and limit', async () => {
  const room = await newRoom();
  // 60 lines from 6 participants (the rate limit is 10 lines per 10 s each).
  const sent = [];
  const senders = [];
  for (let k = 0; k < 6; k++) {
    const { client } = await joinAs(aula.wsUrl, room.id, `Sender ${k}`);
    senders.push(client);
    for (let i = 0; i < 10; i++) {
      const n = k * 10 + i;
      sent.push(await client.call('chat.send', { text: `line ${String(n).padStart(2, '0')}` }));
    }
  }
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i].seq > sent[i - 1].seq, 'seq grows');

  const { client: r, join } = await joinAs(aula.wsUrl, room.id, 'Reader');
  assert.equal(join.chat.length, 50, 'join shows the newest 50 lines');
  assert.deepEqual(join.chat, sent.slice(10), 'oldest first');
  assert.equal(join.chat_has_more, true);

  const older = await r.call('chat.history', { before: join.chat[0].seq, limit: 50 });
  assert.deepEqual(older.messages, sent.slice(0, 10));
  assert.equal(older.has_more, false);

  const page = await r.call('chat.history', { before: sent[30].seq, limit: 5 });
  assert.deepEqual(page.messages, sent.slice(25, 30));
  assert.equal(page.has_more, true);

  const exact = await r.call('chat.history', { before: sent[10].seq, limit: 10 });
  assert.deepEqual(exact.messages, sent.slice(0, 10));
  assert.equal(exact.has_more, false, 'no more when the page reached the first line exactly');

  const defaults = await r.call('chat.history', {});
  assert.deepEqual(defaults.messages, sent.slice(10), 'defaults: newest, limit 50');
  assert.equal(defaults.has_more, true);

  const noParams = await r.call('chat.history');
  assert.deepEqual(noParams.messages, sent.slice(10), 'params are optional');

  const all = await r.call('chat.history', { limit: 100 });
  assert.deepEqual(all.messages, sent);
  assert.equal(all.has_more, false);

  const none = await r.call('chat.history', { before: sent[0].seq });
  assert.deepEqual(none.messages, []);
  assert.equal(none.has_more, false);

  for (const params of [{ limit: 0 }, { limit: 101 }, { limit: -1 }, { limit: 'ten' }, { before: 'x' }]) {
    await expectRpcError(r, 'chat.history', params, -32602, `chat.history ${JSON.stringify(params)}`);
  }
  for (const c of [...senders, r]) await c.close();
});

test('room.leave and closing the socket send participant.left', async () => {
  const room = await newRoom();
  const { client: a } = await joinAs(aula.wsUrl, room.id, 'Ala');
  const { client: b, join: jb } = await joinAs(aula.wsUrl, room.id, 'Ola');

  assert.deepEqual(await b.call('room.leave'), {});
  assert.deepEqual((await a.waitFor('participant.left', (p) => p.participant.id === jb.participant.id)).participant,
    jb.participant);
  await expectRpcError(b, 'chat.send', { text: 'gone' }, -32001, 'chat.send after leave');
  await expectRpcError(b, 'room.leave', undefined, -32001, 'room.leave twice');

  // The same WebSocket may join again, as a new participant.
  const again = await b.call('room.join', { room: room.id, name: 'Ola again' });
  const rejoined = await a.waitFor('participant.joined', (p) => p.participant.id === again.participant.id);
  assert.equal(rejoined.participant.name, 'Ola again');
  assert.equal(again.participants.length, 2);

  // Closing the socket without room.leave.
  await b.close();
  await a.waitFor('participant.left', (p) => p.participant.id === again.participant.id);

  // And a dropped TCP connection (no close frame).
  const { client: c, join: jc } = await joinAs(aula.wsUrl, room.id, 'Ela');
  c.ws.terminate();
  await a.waitFor('participant.left', (p) => p.participant.id === jc.participant.id);
  await a.close();
});

// ---------- JSON-RPC errors ----------

test('invalid JSON answers -32700 with id null', async () => {
  const c = await openClient(aula.wsUrl);
  for (const text of ['{', 'not json at all', '{"jsonrpc":"2.0","id":1,"method":"room.join",}']) {
    const res = nextRaw(c);
    c.ws.send(text);
    const msg = await res;
    assert.equal(msg.jsonrpc, '2.0');
    assert.equal(msg.id, null, text);
    assert.equal(msg.error?.code, -32700, `${text}: ${JSON.stringify(msg)}`);
    assert.equal(typeof msg.error.message, 'string');
  }
  // The connection still works.
  await expectRpcError(c, 'chat.send', { text: 'x' }, -32001);
  await c.close();
});

test('a message that is not a JSON-RPC 2.0 request answers -32600', async () => {
  const c = await openClient(aula.wsUrl);
  const cases = [
    { jsonrpc: '1.0', id: 1, method: 'chat.history' },
    { id: 2, method: 'chat.history' },
    { jsonrpc: '2.0', id: 3 },
    { jsonrpc: '2.0', id: 4, method: 42 },
    { jsonrpc: '2.0', id: 5, method: 'chat.history', params: 'a string' },
    42,
    'a string',
  ];
  for (const req of cases) {
    const res = nextRaw(c);
    c.ws.send(JSON.stringify(req));
    const msg = await res;
    assert.equal(msg.error?.code, -32600, `${JSON.stringify(req)} -> ${JSON.stringify(msg)}`);
    assert.ok(msg.id === null || msg.id === req.id, `id is the request's or null: ${JSON.stringify(msg)}`);
  }
  await c.close();
});

test('an unknown method answers -32601', async () => {
  const c = await openClient(aula.wsUrl);
  await expectRpcError(c, 'room.explode', {}, -32601);
  await expectRpcError(c, 'rpc.discover', undefined, -32601);
  const res = await c.raw('no.such.method', { a: 1 });
  assert.equal(res.id, c.nextId - 1, 'the response carries the request id');
  await c.close();
});

test('methods that need a room answer -32001 before room.join', async () => {
  const c = await openClient(aula.wsUrl);
  await expectRpcError(c, 'chat.send', { text: 'hello' }, -32001);
  await expectRpcError(c, 'chat.history', {}, -32001);
  await expectRpcError(c, 'room.leave', undefined, -32001);
  await c.close();
});

test('joining an unknown room answers -32002; a room id that is not a string -32602', async () => {
  const c = await openClient(aula.wsUrl);
  await expectRpcError(c, 'room.join', { room: 'zzz-zzzz-zzz', name: 'Ala' }, -32002);
  for (const room of [42, null, ['x']]) {
    await expectRpcError(c, 'room.join', { room, name: 'Ala' }, -32602, `room ${JSON.stringify(room)}`);
  }
  await expectRpcError(c, 'room.join', { name: 'Ala' }, -32602, 'no room');
  await expectRpcError(c, 'room.join', undefined, -32602, 'no params');
  // Still not joined, still usable.
  const room = await newRoom();
  const r = await c.call('room.join', { room: room.id, name: 'Ala' });
  assert.equal(r.room.id, room.id);
  await c.close();
});

test('a malformed room id (empty, 500 characters, a path) answers -32602', async () => {
  const c = await openClient(aula.wsUrl);
  for (const room of ['', 'x'.repeat(500), '../etc', 'a b/c']) {
    await expectRpcError(c, 'room.join', { room, name: 'Ala' }, -32602, `room ${JSON.stringify(room)}`);
  }
  await c.close();
});

test('joining twice on one connection answers -32003', async () => {
  const room = await newRoom();
  const other = await newRoom();
  const { client: c } = await joinAs(aula.wsUrl, room.id, 'Ala');
  await expectRpcError(c, 'room.join', { room: room.id, name: 'Ala' }, -32003);
  await expectRpcError(c, 'room.join', { room: other.id, name: 'Ala' }, -32003);
  await c.close();
});

test('a bad name answers -32602: control characters, empty, too long', async () => {
  const room = await newRoom();
  const c = await openClient(aula.wsUrl);
  const bad = ['A\u0007la', 'Ala\nKot', 'tab\tname', 'del\u007f', 'c1\u0085', '', '   ',
    'n'.repeat(65), 'ż'.repeat(65), 42, null];
  for (const name of bad) {
    await expectRpcError(c, 'room.join', { room: room.id, name }, -32602, `name ${JSON.stringify(name)}`);
  }
  await expectRpcError(c, 'room.join', { room: room.id }, -32602, 'no name');
  // 64 characters (code points) is fine, even when they are 4 bytes each.
  const ok = await c.call('room.join', { room: room.id, name: '😀'.repeat(64) });
  assert.equal(ok.participant.name, '😀'.repeat(64));
  await c.close();
});

test('U+0000 (valid JSON "\\u0000") in a name or chat line answers -32602 like other control characters', async () => {
  const room = await newRoom();
  const c = await openClient(aula.wsUrl);
  await expectRpcError(c, 'room.join', { room: room.id, name: 'Ala\u0000' }, -32602, 'name with U+0000');
  const { client: d } = await joinAs(aula.wsUrl, room.id, 'Ola');
  await expectRpcError(d, 'chat.send', { text: 'nul\u0000' }, -32602, 'chat line with U+0000');
  await c.close();
  await d.close();
});

test('bad chat lines answer -32602 and the room keeps chatting', async () => {
  const room = await newRoom();
  const { client: a } = await joinAs(aula.wsUrl, room.id, 'Ala');
  const { client: b } = await joinAs(aula.wsUrl, room.id, 'Ola');
  const bad = ['x'.repeat(2001), 'ż'.repeat(2001), '', '   ', 'bell\u0007', 'c1\u009f'];
  for (const text of bad) {
    await expectRpcError(a, 'chat.send', { text }, -32602, `text of ${text.length} UTF-16 units ${JSON.stringify(text.slice(0, 12))}`);
  }
  await expectRpcError(a, 'chat.send', {}, -32602, 'no text');
  await expectRpcError(a, 'chat.send', { text: 42 }, -32602, 'text not a string');

  // 2000 characters (code points) are fine.
  const long = '😀'.repeat(2000);
  const got = b.waitFor('chat.message', (p) => p.text === long);
  const sent = await a.call('chat.send', { text: long });
  assert.equal(sent.text, long);
  await got;

  // None of the bad lines reached B or the history; chat goes on both ways.
  assert.deepEqual(b.notifications.filter((n) => n.method === 'chat.message').map((n) => n.params.text), [long]);
  const back = a.waitFor('chat.message', (p) => p.text === 'still here');
  await b.call('chat.send', { text: 'still here' });
  await back;
  const h = await a.call('chat.history', {});
  assert.deepEqual(h.messages.map((m) => m.text), [long, 'still here']);
  await a.close();
  await b.close();
});

test('more than 10 chat lines in 10 seconds answers -32004', async () => {
  const room = await newRoom();
  const { client: a } = await joinAs(aula.wsUrl, room.id, 'Spammer');
  const { client: b } = await joinAs(aula.wsUrl, room.id, 'Calm');
  const results = await Promise.all(Array.from({ length: 11 }, (_, i) => a.raw('chat.send', { text: `spam ${i}` })));
  for (let i = 0; i < 10; i++) assert.ok(results[i].result, `line ${i}: ${JSON.stringify(results[i].error)}`);
  assert.equal(results[10].error?.code, -32004, JSON.stringify(results[10]));
  await expectRpcError(a, 'chat.send', { text: 'still too fast' }, -32004);

  // The limit is the spammer's: another participant chats normally.
  const got = a.waitFor('chat.message', (p) => p.text === 'not limited');
  await b.call('chat.send', { text: 'not limited' });
  await got;
  const h = await b.call('chat.history', {});
  assert.equal(h.messages.filter((m) => m.text.startsWith('spam ')).length, 10, 'the refused line was not stored');
  await a.close();
  await b.close();
});

test('requests on one connection are answered in order', async () => {
  const room = await newRoom();
  const { client: c } = await joinAs(aula.wsUrl, room.id, 'Orderly');
  const ids = [];
  const seen = [];
  const done = new Promise((resolve) => {
    c.ws.on('message', function on(data) {
      const m = JSON.parse(data.toString());
      if (m.id === undefined) return;
      seen.push(m.id);
      if (seen.length === 8) { c.ws.off('message', on); resolve(); }
    });
  });
  const methods = ['chat.history', 'nope', 'chat.send', 'chat.history', 'room.join', 'chat.send', 'x', 'chat.history'];
  for (const [i, method] of methods.entries()) {
    const id = 1000 + i;
    ids.push(id);
    const params = method === 'chat.send' ? { text: `ordered ${i}` } : method === 'room.join' ? { room: room.id, name: 'x' } : {};
    c.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  }
  await done;
  assert.deepEqual(seen, ids);
  await c.close();
});

test('a batch is answered with an array of the responses', async () => {
  const room = await newRoom();
  const { client: c } = await joinAs(aula.wsUrl, room.id, 'Batcher');
  let res = nextRaw(c, Array.isArray);
  c.ws.send(JSON.stringify([
    { jsonrpc: '2.0', id: 'a', method: 'chat.send', params: { text: 'from a batch' } },
    { jsonrpc: '2.0', id: 'b', method: 'no.such' },
    { jsonrpc: '2.0', method: 'chat.history', params: {} }, // a notification: no response
    { jsonrpc: '2.0', id: 'c', method: 'chat.history', params: { limit: 1 } },
    { bad: true },
  ]));
  const arr = await res;
  assert.equal(arr.length, 4, JSON.stringify(arr));
  const byId = Object.fromEntries(arr.filter((m) => m.id !== null).map((m) => [m.id, m]));
  assert.equal(byId.a.result.text, 'from a batch');
  assert.equal(byId.b.error.code, -32601);
  assert.deepEqual(byId.c.result.messages, [byId.a.result]);
  const invalid = arr.filter((m) => m.id === null);
  assert.equal(invalid.length, 1);
  assert.equal(invalid[0].error.code, -32600);

  // An empty batch is an invalid request, answered with one error.
  res = nextRaw(c);
  c.ws.send('[]');
  const empty = await res;
  assert.ok(!Array.isArray(empty), `an empty batch gets a single response: ${JSON.stringify(empty)}`);
  assert.equal(empty.error?.code, -32600);
  assert.equal(empty.id, null);

  // 64 entries are fine, 65 are refused as a whole.
  const batch = (n) => JSON.stringify(Array.from({ length: n }, (_, i) =>
    ({ jsonrpc: '2.0', id: i, method: 'chat.history', params: { limit: 1 } })));
  res = nextRaw(c);
  c.ws.send(batch(64));
  const ok = await res;
  assert.ok(Array.isArray(ok) && ok.length === 64, `64 entries: ${JSON.stringify(ok).slice(0, 200)}`);
  assert.ok(ok.every((m) => m.result), 'every entry answered');
  res = nextRaw(c);
  c.ws.send(batch(65));
  const tooLong = await res;
  assert.ok(!Array.isArray(tooLong), `a too long batch is refused as a whole: ${JSON.stringify(tooLong).slice(0, 200)}`);
  assert.equal(tooLong.error?.code, -32600);

  // A batch of notifications only gets no answer: the next message is the
  // response to the request sent after it.
  res = nextRaw(c);
  c.ws.send(JSON.stringify([{ jsonrpc: '2.0', method: 'chat.history' }, { jsonrpc: '2.0', method: 'nope' }]));
  c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'after', method: 'chat.history', params: { limit: 1 } }));
  assert.equal((await res).id, 'after');
  await c.close();
});

// ---------- connection rules (raw frames) ----------

test('the handshake answers Sec-WebSocket-Accept; a fragmented message is reassembled; ping gets pong', async () => {
  const room = await newRoom();
  const raw = await RawWs.connect(port); // checks 101 and Sec-WebSocket-Accept
  const text = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'room.join', params: { room: room.id, name: 'Fragmented' } });
  const b = Buffer.from(text);
  raw.sendFrame({ opcode: OP.TEXT, fin: false, payload: b.subarray(0, 10) });
  raw.sendFrame({ opcode: OP.PING, payload: 'in between' }); // control frames may come between fragments
  raw.sendFrame({ opcode: OP.CONT, fin: false, payload: b.subarray(10, 30) });
  raw.sendFrame({ opcode: OP.CONT, fin: true, payload: b.subarray(30) });
  const res = await raw.waitMessage((m) => m.id === 7);
  assert.equal(res.result?.participant?.name, 'Fragmented', JSON.stringify(res));
  const pong = await raw.conn.until(() => raw.frames.find((f) => f.opcode === OP.PONG), 5000, 'a pong');
  assert.equal(pong.payload.toString(), 'in between');
  assert.equal(pong.masked, false, 'server frames are not masked');
  assert.ok(raw.frames.every((f) => !f.masked && f.rsv === 0));

  // A normal close: the server answers the close frame and closes TCP.
  raw.sendFrame({ opcode: OP.CLOSE, payload: closePayload(1000, 'bye') });
  const { code } = await raw.waitClose();
  assert.equal(code, 1000);
  await raw.conn.waitEnded();
});

test('an upgrade with a wrong version answers 426; without a key 400', async () => {
  let conn = await RawConn.connect(port);
  conn.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n`);
  let res = await readResponse(conn);
  conn.destroy();
  assert.equal(res.status, 426);
  conn = await RawConn.connect(port);
  conn.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  res = await readResponse(conn);
  conn.destroy();
  assert.equal(res.status, 400);
});

const protocolErrors = {
  'an unmasked frame': (raw) => raw.sendText('{"jsonrpc":"2.0","id":99,"method":"chat.history"}', { mask: false }),
  'reserved bit 1 set': (raw) => raw.sendText('{"jsonrpc":"2.0","id":99,"method":"chat.history"}', { rsv: 4 }),
  'reserved bits 2 and 3 set': (raw) => raw.sendText('{"jsonrpc":"2.0","id":99,"method":"chat.history"}', { rsv: 3 }),
  'an unknown opcode': (raw) => raw.sendFrame({ opcode: 3, payload: 'x' }),
  'a control frame over 125 bytes': (raw) => raw.sendFrame({ opcode: OP.PING, payload: Buffer.alloc(126, 0x61) }),
  'a fragmented control frame': (raw) => raw.sendFrame({ opcode: OP.PING, fin: false, payload: 'x' }),
  'a continuation frame with no message started': (raw) => raw.sendFrame({ opcode: OP.CONT, payload: 'x' }),
  'a new text frame in the middle of a fragmented message': (raw) => {
    raw.sendFrame({ opcode: OP.TEXT, fin: false, payload: '{"jsonrpc"' });
    raw.sendFrame({ opcode: OP.TEXT, fin: true, payload: ':"2.0"}' });
  },
};

for (const [label, breakIt] of Object.entries(protocolErrors)) {
  test(`${label} closes that connection with 1002; the others keep chatting`, async () => {
    const ctx = await rawAndPeers(label);
    breakIt(ctx.raw);
    const { code } = await ctx.raw.waitClose();
    assert.equal(code, 1002);
    await ctx.raw.finishClose();
    assert.equal(ctx.raw.messages.filter((m) => m.id === 99).length, 0, 'the broken frame was not processed');
    await peersKeepChatting(ctx, `after ${label}`);
  });
}

test('a binary frame closes the connection with 1003', async () => {
  const ctx = await rawAndPeers('binary');
  ctx.raw.sendFrame({ opcode: OP.BINARY, payload: Buffer.from([1, 2, 3]) });
  assert.equal((await ctx.raw.waitClose()).code, 1003);
  await ctx.raw.finishClose();
  await peersKeepChatting(ctx, 'after binary');
});

test('invalid UTF-8 in a text frame closes the connection with 1007', async () => {
  const ctx = await rawAndPeers('utf8');
  const bad = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":99,"method":"chat.send","params":{"text":"'),
    Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
  ctx.raw.sendFrame({ opcode: OP.TEXT, payload: bad });
  assert.equal((await ctx.raw.waitClose()).code, 1007);
  await ctx.raw.finishClose();
  await peersKeepChatting(ctx, 'after bad utf-8');
});

test('invalid UTF-8 split over fragments (a surrogate) closes with 1007', async () => {
  const ctx = await rawAndPeers('utf8 fragments');
  // "\xed\xa0\x80" encodes U+D800, a surrogate: not valid UTF-8.
  ctx.raw.sendFrame({ opcode: OP.TEXT, fin: false, payload: Buffer.from('"abc\xed', 'latin1') });
  ctx.raw.sendFrame({ opcode: OP.CONT, fin: true, payload: Buffer.from('\xa0\x80"', 'latin1') });
  assert.equal((await ctx.raw.waitClose()).code, 1007);
  await ctx.raw.finishClose();
  await peersKeepChatting(ctx, 'after a surrogate');
});

test('a message of exactly 64 KiB is processed', async () => {
  const raw = await RawWs.connect(port);
  const head = '{"jsonrpc":"2.0","id":5,"method":"no.such.method","params":{"pad":"';
  const tail = '"}}';
  const msg = head + 'p'.repeat(65536 - head.length - tail.length) + tail;
  assert.equal(Buffer.byteLength(msg), 65536);
  raw.sendText(msg);
  const res = await raw.waitMessage((m) => m.id === 5);
  assert.equal(res.error?.code, -32601);
  assert.equal(raw.closeFrame(), undefined);
  raw.destroy();
});

test('a message over 64 KiB closes the connection with 1009', async () => {
  const ctx = await rawAndPeers('too big');
  const text = JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'chat.history', params: { pad: 'x'.repeat(70000) } });
  ctx.raw.sendText(text);
  assert.equal((await ctx.raw.waitClose()).code, 1009);
  await ctx.raw.finishClose().catch(() => {});
  await ctx.raw.conn.waitEnded();
  await peersKeepChatting(ctx, 'after too big');
});

test('a fragmented message over 64 KiB in total closes with 1009', async () => {
  const ctx = await rawAndPeers('too big fragmented');
  const chunk = Buffer.alloc(30000, 0x61);
  ctx.raw.sendFrame({ opcode: OP.TEXT, fin: false, payload: chunk });
  ctx.raw.sendFrame({ opcode: OP.CONT, fin: false, payload: chunk });
  ctx.raw.sendFrame({ opcode: OP.CONT, fin: false, payload: chunk });
  ctx.raw.sendFrame({ opcode: OP.CONT, fin: true, payload: chunk });
  assert.equal((await ctx.raw.waitClose()).code, 1009);
  await ctx.raw.finishClose().catch(() => {});
  await ctx.raw.conn.waitEnded();
  await peersKeepChatting(ctx, 'after too big fragments');
});

test('a client that does not read is closed (1008) without disturbing others', { timeout: 120000 }, async () => {
  const room = await newRoom('deaf');
  // 100 lines of 2000 characters (10 senders: the rate limit), so one
  // chat.history answer is ~200 KB.
  const senders = [];
  for (let k = 0; k < 10; k++) {
    const { client } = await joinAs(aula.wsUrl, room.id, `Filler ${k}`);
    senders.push(client);
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.call('chat.send', { text: `${k}${i}`.padEnd(2000, '.') })));
  }
  const { client: peer } = await joinAs(aula.wsUrl, room.id, 'Peer');
  const deaf = await RawWs.connect(port);
  try {
    deaf.maxKeep = 4;
    const join = await deaf.call('room.join', { room: room.id, name: 'Deaf' });
    await peer.waitFor('participant.joined', (p) => p.participant.id === join.participant.id);

    // Stop reading and ask for ~40 MB of answers: far more than the 4 MiB
    // the server may queue for one client, and more than socket buffers hold.
    deaf.conn.socket.pause();
    for (let i = 0; i < 200; i++) {
      deaf.sendJson({ jsonrpc: '2.0', id: 1000 + i, method: 'chat.history', params: { limit: 100 } });
    }
    // The server drops the deaf client: the room sees it leave.
    await peer.waitFor('participant.left', (p) => p.participant.id === join.participant.id, 60000);
    // Others are not disturbed.
    const got = senders[0].waitFor('chat.message', (p) => p.text === 'after the deaf one');
    await peer.call('chat.send', { text: 'after the deaf one' });
    await got;

    // Read what was queued: the connection has ended. The 1008 close frame
    // sits behind the backlog the client never read, so it arrives only if
    // the socket could still take it before the server gave up (docs).
    deaf.conn.socket.resume();
    await deaf.conn.waitEnded(60000);
    const close = deaf.closeFrame();
    if (close) assert.equal(close.payload.readUInt16BE(0), 1008);
    assert.ok(deaf.bytesSeen < 40e6, 'the server stopped sending to the client that does not read');
  } finally {
    deaf.destroy();
    for (const c of [...senders, peer]) await c.close();
  }
});
