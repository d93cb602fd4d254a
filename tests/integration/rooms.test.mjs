// Rooms over the HTTP API (docs/api.md) against the real aula binary.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula, createRoom } from '../lib/server.mjs';
import { rawRequest, jsonBody, joinAs, pollUntil, waitNoWebSockets, closeAllConnections } from '../lib/net.mjs';

// Every test gets a timeout so that a missing answer fails instead of hanging.
const test = (name, opts, fn) => (typeof opts === 'function'
  ? nodeTest(name, { timeout: 60000 }, opts) : nodeTest(name, { timeout: 60000, ...opts }, fn));

let aula;

before(async () => { aula = await startAula(); });

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

function postRooms(body, contentType = 'application/json') {
  return fetch(`${aula.url}/api/v1/rooms`, {
    method: 'POST',
    headers: contentType ? { 'content-type': contentType } : {},
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function expectJsonError(res, status, label) {
  assert.equal(res.status, status, `${label}: got ${res.status}`);
  assert.match(res.headers.get('content-type') || '', /^application\/json\b/i, `${label}: content type`);
  const body = await res.json();
  assert.equal(body.error?.status, status, `${label}: ${JSON.stringify(body)}`);
  assert.equal(typeof body.error.message, 'string', label);
  assert.ok(body.error.message.length > 0, label);
}

test('POST /api/v1/rooms creates a room: 201 with id, join_path and join_url', async () => {
  const before = Date.now();
  const res = await postRooms({ title: 'Maths 4B' });
  assert.equal(res.status, 201);
  assert.match(res.headers.get('content-type') || '', /^application\/json\b/i);
  const room = await res.json();
  assert.equal(typeof room.id, 'string');
  assert.match(room.id, /^[A-Za-z0-9_-]+$/, 'the id is safe in a URL path');
  assert.equal(room.title, 'Maths 4B');
  assert.equal(room.join_path, `/r/${room.id}`);
  assert.equal(room.join_url, `${aula.url}/r/${room.id}`, 'join_url from the Host header when public_url is unset');
  assert.equal(typeof room.created, 'number');
  assert.ok(room.created >= before - 2000 && room.created <= Date.now() + 2000,
    `created ${room.created} is milliseconds since the epoch, now`);
});

test('room ids are unique', async () => {
  const ids = new Set();
  for (let i = 0; i < 20; i++) ids.add((await createRoom(aula.url, `Room ${i}`)).id);
  assert.equal(ids.size, 20);
});

test('the title is optional and defaults to "Meeting"', async () => {
  const res = await postRooms({});
  assert.equal(res.status, 201);
  assert.equal((await res.json()).title, 'Meeting');
});

test('join_url follows the request Host header', async () => {
  const body = JSON.stringify({ title: 'Host header' });
  const { res, conn } = await rawRequest(aula.port,
    `POST /api/v1/rooms HTTP/1.1\r\nHost: meet.example.org:8443\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  conn.destroy();
  assert.equal(res.status, 201, res.text);
  const room = jsonBody(res);
  assert.equal(room.join_url, `http://meet.example.org:8443/r/${room.id}`);
});

test('GET /api/v1/rooms/{id} answers the room with its participant count', async () => {
  const room = await createRoom(aula.url, 'Lookup ąćę');
  const res = await fetch(`${aula.url}/api/v1/rooms/${room.id}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /^application\/json\b/i);
  const got = await res.json();
  assert.equal(got.id, room.id);
  assert.equal(got.title, 'Lookup ąćę');
  assert.equal(got.created, room.created);
  assert.equal(got.join_path, room.join_path);
  assert.equal(got.join_url, room.join_url);
  assert.equal(got.participants, 0);

  // Two people join over the WebSocket: the count follows.
  const { client: a } = await joinAs(aula.wsUrl, room.id, 'Ala');
  const { client: b } = await joinAs(aula.wsUrl, room.id, 'Ola');
  const count = async () => (await (await fetch(`${aula.url}/api/v1/rooms/${room.id}`)).json()).participants;
  assert.equal(await count(), 2);
  await a.close();
  await b.close();
  // Leaving is processed by the server after the close; poll briefly.
  await pollUntil(count, (n) => n === 0, { what: 'participants to drop to 0' });
});

test('an unknown room id answers 404 with a JSON error', async () => {
  await expectJsonError(await fetch(`${aula.url}/api/v1/rooms/zzz-zzzz-zzz`), 404, 'unknown id');
  await expectJsonError(await fetch(`${aula.url}/api/v1/rooms/${'q'.repeat(300)}`), 404, 'very long id');
  await expectJsonError(await fetch(`${aula.url}/api/v1/rooms/%27%20OR%201%3D1`), 404, 'SQL-looking id');
});

test('a body that is not JSON answers 400', async () => {
  for (const body of ['{', 'not json', '{"title": "x",}', '"just a string"', '[1,2]', 'null']) {
    await expectJsonError(await postRooms(body), 400, `body ${JSON.stringify(body)}`);
  }
});

test('an empty body with a JSON content type is not JSON: 400', async () => {
  await expectJsonError(await postRooms(''), 400, 'empty body');
});

test('a title that is not a string answers 400', async () => {
  for (const title of [42, true, ['a'], { t: 'a' }]) {
    await expectJsonError(await postRooms({ title }), 400, `title ${JSON.stringify(title)}`);
  }
});

test('a null title is not a 1-200 character string: 400', async () => {
  await expectJsonError(await postRooms({ title: null }), 400, 'title null');
});

test('a non-JSON content type answers 415', async () => {
  await expectJsonError(await postRooms({ title: 'x' }, 'text/plain'), 415, 'text/plain');
  await expectJsonError(await postRooms('title=x', 'application/x-www-form-urlencoded'), 415, 'form');
});

test('title length: 200 characters are fine, 201 or empty answer 400', async () => {
  // Characters are code points: 200 two-byte characters are still 200.
  for (const title of ['t'.repeat(200), 'ż'.repeat(200), '😀'.repeat(200)]) {
    const res = await postRooms({ title });
    assert.equal(res.status, 201, `${title.length} UTF-16 units`);
    assert.equal((await res.json()).title, title);
  }
  await expectJsonError(await postRooms({ title: 't'.repeat(201) }), 400, '201 characters');
  await expectJsonError(await postRooms({ title: 'ż'.repeat(201) }), 400, '201 two-byte characters');
  await expectJsonError(await postRooms({ title: '' }), 400, 'empty title');
});

test('a title with control characters answers 400', async () => {
  for (const title of ['a\u0000b', 'bell\u0007', 'two\nlines', 'tab\there', 'del\u007f', 'c1\u0085x', 'c1\u009f']) {
    await expectJsonError(await postRooms({ title }), 400, `title ${JSON.stringify(title)}`);
  }
});

test('a title that is not valid UTF-8 answers 400', async () => {
  const body = Buffer.concat([Buffer.from('{"title":"bad '), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const res = await fetch(`${aula.url}/api/v1/rooms`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body,
  });
  await expectJsonError(res, 400, 'invalid UTF-8');
});

test('HTML in a title is stored as text, unchanged', async () => {
  const title = '<script>alert(1)</script> & "quotes"';
  const room = await createRoom(aula.url, title);
  assert.equal(room.title, title);
  const got = await (await fetch(`${aula.url}/api/v1/rooms/${room.id}`)).json();
  assert.equal(got.title, title);
});

test('/r/{id} serves the room page as HTML', async () => {
  const room = await createRoom(aula.url, 'Page');
  for (const path of [room.join_path, `${room.join_path}?name=Ala`]) {
    const res = await fetch(`${aula.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') || '', /^text\/html\b/i, path);
    assert.match(await res.text(), /<html[\s>]|<!doctype html/i, path);
  }
});
