// Bad and slow HTTP clients against the real aula binary: the limits of
// docs/api.md and src/http/http_server.h (400, 431, 413, 408, idle close),
// and one misbehaving connection never blocking the others.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula, createRoom } from '../lib/server.mjs';
import { RawConn, RawWs, rawRequest, readResponse, jsonBody, openClient, waitHealthy, waitNoWebSockets } from '../lib/net.mjs';

// Every test gets a timeout so that a missing answer fails instead of hanging.
const test = (name, opts, fn) => (typeof opts === 'function'
  ? nodeTest(name, { timeout: 60000 }, opts) : nodeTest(name, { timeout: 60000, ...opts }, fn));

const REQUEST_TIMEOUT_MS = 500;
const IDLE_TIMEOUT_MS = 500;
const MAX_BODY = 1024;

let aula; // small limits and short timeouts
let stalledServerExit;
let port;

before(async () => {
  aula = await startAula({
    args: ['--http-max-body', String(MAX_BODY),
      '--http-request-timeout', String(REQUEST_TIMEOUT_MS),
      '--http-idle-timeout', String(IDLE_TIMEOUT_MS)],
  });
  port = aula.port;
  await waitHealthy(aula.url);
});

after(async () => {
  if (aula) {
    const st = await aula.stop();
    assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${aula.stderr()}`);
  }
});

// Sends bytes on a new connection, expects one error answer with the
// documented JSON body, then the connection closed by the server.
async function expectErrorAndClose(bytes, status, label) {
  const { res, conn } = await rawRequest(port, bytes);
  try {
    assert.equal(res.status, status, `${label}: got ${res.status} ${res.text}`);
    assert.match(res.headers['content-type'] || '', /^application\/json\b/i, `${label}: content type`);
    const body = jsonBody(res);
    assert.equal(body.error?.status, status, `${label}: body ${res.text}`);
    assert.equal(typeof body.error.message, 'string');
    await conn.waitEnded(3000).catch(() => {
      throw new Error(`${label}: the connection was not closed after the ${status}`);
    });
    return res;
  } finally {
    conn.destroy();
  }
}

const post = (body, extra = '') =>
  `POST /api/v1/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extra}` +
  `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test('a malformed request answers 400 with a JSON error and closes', async () => {
  const cases = {
    'garbage request line': 'GARBAGE\r\n\r\n',
    'bad method characters': 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n',
    'binary junk': Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]),
    'header line without a colon': 'GET / HTTP/1.1\r\nHost: x\r\nThis is not a header\r\n\r\n',
    'Content-Length not a number': 'POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'Content-Length and Transfer-Encoding both': 'POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\n' +
      'Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'bad chunk size': 'POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  };
  for (const [label, bytes] of Object.entries(cases)) {
    await expectErrorAndClose(bytes, 400, label);
  }
});

test('a request head over 16 KiB answers 431', async () => {
  await expectErrorAndClose(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    431, 'one big header');
  let many = '';
  for (let i = 0; i < 200; i++) many += `X-H${i}: ${'b'.repeat(90)}\r\n`;
  await expectErrorAndClose(`GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`, 431, '200 headers of 100 bytes');
  await expectErrorAndClose(`GET /${'c'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, '17 KiB request line');
  // Sent without the end of the head: the limit applies before the head is complete.
  await expectErrorAndClose(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'d'.repeat(20 * 1024)}`,
    431, 'unterminated 20 KiB head');
});

test('a request head just under 16 KiB is served', async () => {
  let headers = '';
  for (let i = 0; i < 14; i++) headers += `X-H${i}: ${'e'.repeat(1000)}\r\n`;
  const bytes = `GET /healthz HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`;
  assert.ok(bytes.length < 15 * 1024);
  const { res, conn } = await rawRequest(port, bytes);
  conn.destroy();
  assert.equal(res.status, 200, res.text);
});

test('a body over the maximum answers 413', async () => {
  const big = JSON.stringify({ title: 'x'.repeat(MAX_BODY) });
  assert.ok(Buffer.byteLength(big) > MAX_BODY);
  await expectErrorAndClose(post(big), 413, 'Content-Length body');

  // Declared too large and never sent: answered from the head alone, before the request timeout.
  const t0 = performance.now();
  await expectErrorAndClose('POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Content-Length: 10000000\r\n\r\n{"title":', 413, 'declared 10 MB');
  assert.ok(performance.now() - t0 < REQUEST_TIMEOUT_MS, 'a declared-too-large body is refused without waiting for it');

  // Chunked, each chunk small, the sum over the limit.
  let chunked = 'POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n';
  for (let i = 0; i < 5; i++) chunked += `100\r\n${' '.repeat(256)}\r\n`;
  chunked += '0\r\n\r\n';
  await expectErrorAndClose(chunked, 413, 'chunked body over the limit');
});

test('a body of exactly the maximum is accepted', async () => {
  const json = '{"title":"Exactly the limit"}';
  const body = json + ' '.repeat(MAX_BODY - json.length); // JSON allows trailing whitespace
  assert.equal(Buffer.byteLength(body), MAX_BODY);
  const { res, conn } = await rawRequest(port, post(body, 'Connection: close\r\n'));
  conn.destroy();
  assert.equal(res.status, 201, res.text);
  assert.equal(jsonBody(res).title, 'Exactly the limit');
});

test('half a request head gets 408 after the request timeout, then the connection closes', async () => {
  const conn = await RawConn.connect(port);
  try {
    const t0 = performance.now();
    conn.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Waiting: for');
    const res = await readResponse(conn, { timeoutMs: 10000 });
    const elapsed = performance.now() - t0;
    assert.equal(res.status, 408, res.text);
    assert.equal(jsonBody(res).error.status, 408);
    assert.ok(elapsed >= REQUEST_TIMEOUT_MS - 100, `408 came too early: ${elapsed.toFixed(0)} ms`);
    assert.ok(elapsed < REQUEST_TIMEOUT_MS + 4000, `408 came too late: ${elapsed.toFixed(0)} ms`);
    await conn.waitEnded(3000);
  } finally {
    conn.destroy();
  }
});

test('half a request body gets 408 after the request timeout', async () => {
  const conn = await RawConn.connect(port);
  try {
    const t0 = performance.now();
    conn.write('POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Content-Length: 100\r\n\r\n{"title":"never fin');
    const res = await readResponse(conn, { timeoutMs: 10000 });
    const elapsed = performance.now() - t0;
    assert.equal(res.status, 408, res.text);
    assert.equal(jsonBody(res).error.status, 408);
    assert.ok(elapsed >= REQUEST_TIMEOUT_MS - 100, `408 came too early: ${elapsed.toFixed(0)} ms`);
    await conn.waitEnded(3000);
  } finally {
    conn.destroy();
  }
});

test('a client dribbling its head byte by byte still gets 408 (the timeout runs from the first byte)', async () => {
  const conn = await RawConn.connect(port);
  // Keep sending one byte of a header value every 50 ms, never finishing.
  conn.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  const drip = setInterval(() => conn.write('a'), 50);
  try {
    const t0 = performance.now();
    const res = await readResponse(conn, { timeoutMs: 10000 });
    const elapsed = performance.now() - t0;
    assert.equal(res.status, 408, res.text);
    assert.ok(elapsed < REQUEST_TIMEOUT_MS + 4000, `dribbling postponed the 408: ${elapsed.toFixed(0)} ms`);
  } finally {
    clearInterval(drip);
    conn.destroy();
  }
});

test('an idle keep-alive connection is closed silently after the idle timeout', async () => {
  const conn = await RawConn.connect(port);
  try {
    conn.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const res = await readResponse(conn);
    const t0 = performance.now();
    assert.equal(res.status, 200);
    assert.equal(conn.ended, false);
    await conn.waitEnded(IDLE_TIMEOUT_MS + 5000);
    const idle = conn.endedAt - t0;
    assert.ok(idle >= IDLE_TIMEOUT_MS - 100, `closed too early: after ${idle.toFixed(0)} ms idle`);
    assert.equal(conn.length, 0, `nothing is sent on an idle close, got ${JSON.stringify(conn.buf.toString())}`);
  } finally {
    conn.destroy();
  }
});

test('stalled and misbehaving clients do not slow down a well-behaved one', async () => {
  // A server with the default 10 s request timeout: the stalls last well
  // beyond the time the good client needs.
  const srv = await startAula();
  const stalled = [];
  try {
    await waitHealthy(srv.url);
    // Half heads, half bodies, nothing at all, half WebSocket handshakes.
    for (let i = 0; i < 5; i++) {
      const c = await RawConn.connect(srv.port);
      c.write('GET / HTTP/1.1\r\nHost: x\r\nX-Stall: ');
      stalled.push(c);
    }
    for (let i = 0; i < 5; i++) {
      const c = await RawConn.connect(srv.port);
      c.write('POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 500\r\n\r\n{"title":');
      stalled.push(c);
    }
    for (let i = 0; i < 5; i++) stalled.push(await RawConn.connect(srv.port));
    const halfWs = await RawConn.connect(srv.port);
    halfWs.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
    stalled.push(halfWs);
    // A client that pipelines many requests and never reads the answers.
    const deaf = await RawConn.connect(srv.port);
    deaf.socket.pause();
    deaf.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(500));
    stalled.push(deaf);
    // A WebSocket client that sent half a frame.
    const halfFrame = await RawWs.connect(srv.port);
    halfFrame.conn.write(Buffer.from([0x81, 0xfe, 0x10, 0x00, 1, 2, 3, 4, 0x41]));
    stalled.push(halfFrame.conn);

    // The good client: every step must be quick.
    const timed = async (label, fn) => {
      const t0 = performance.now();
      const v = await fn();
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `${label} took ${ms.toFixed(0)} ms while others were stalled`);
      return v;
    };
    const health = await timed('GET /healthz', () => fetch(`${srv.url}/healthz`));
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    const room = await timed('POST /api/v1/rooms', () => createRoom(srv.url, 'Not blocked'));
    const home = await timed('GET /', async () => { const r = await fetch(`${srv.url}/`); await r.text(); return r; });
    assert.equal(home.status, 200);
    const a = await timed('open ws', () => openClient(srv.wsUrl));
    const b = await timed('open ws', () => openClient(srv.wsUrl));
    await timed('join', () => a.call('room.join', { room: room.id, name: 'A' }));
    await timed('join', () => b.call('room.join', { room: room.id, name: 'B' }));
    const got = b.waitFor('chat.message', (p) => p.text === 'still fast', 2000);
    await timed('chat.send', () => a.call('chat.send', { text: 'still fast' }));
    await timed('chat.message', () => got);
    await a.close();
    await b.close();

    // The stalled connections were still stalled (no answer yet) the whole time.
    for (const c of stalled.slice(0, 16)) {
      assert.equal(c.ended, false, 'a stalled connection was closed before its timeout');
    }
  } finally {
    for (const c of stalled) c.destroy();
    await waitNoWebSockets(srv.url);
    stalledServerExit = { status: await srv.stop(), stderr: srv.stderr() };
  }
});

test('the server that had stalled clients exits 0 on SIGTERM', () => {
  assert.ok(stalledServerExit, 'the previous test did not get to stop its server');
  assert.equal(stalledServerExit.status.code, 0,
    `aula exit status ${JSON.stringify(stalledServerExit.status)}\n${stalledServerExit.stderr}`);
});
