// HTTP basics against the real aula binary (docs/api.md): pages and static
// files, caching, HEAD, keep-alive, pipelining, chunked bodies, health,
// JSON 404s, path traversal.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula } from '../lib/server.mjs';
import { RawConn, rawRequest, readResponse, jsonBody, waitHealthy } from '../lib/net.mjs';

// Every test gets a timeout so that a missing answer fails instead of hanging.
const test = (name, opts, fn) => (typeof opts === 'function'
  ? nodeTest(name, { timeout: 60000 }, opts) : nodeTest(name, { timeout: 60000, ...opts }, fn));

let aula;
let port;

before(async () => {
  aula = await startAula();
  port = aula.port;
  await waitHealthy(aula.url);
});

after(async () => {
  if (aula) {
    const st = await aula.stop();
    assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${aula.stderr()}`);
  }
});

const get = (path, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`;

// The first <script src> of the home page: the client's JavaScript.
async function firstScriptPath() {
  const res = await fetch(`${aula.url}/`);
  const html = await res.text();
  const m = html.match(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/i);
  assert.ok(m, `the home page has no <script src=...>:\n${html.slice(0, 500)}`);
  return new URL(m[1], `${aula.url}/`).pathname;
}

test('GET / serves the home page as text/html', async () => {
  const res = await fetch(`${aula.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /^text\/html\b/i);
  const body = await res.text();
  assert.match(body, /<html[\s>]|<!doctype html/i);
  assert.match(res.headers.get('cache-control') || '', /no-cache/i, 'static files revalidate (Cache-Control: no-cache)');
});

test('a JavaScript file is served with a JavaScript MIME type', async () => {
  const path = await firstScriptPath();
  const res = await fetch(`${aula.url}${path}`);
  assert.equal(res.status, 200, `GET ${path}`);
  assert.match(res.headers.get('content-type') || '', /^(text|application)\/javascript\b/i);
  assert.ok((await res.text()).length > 0);
});

test('ETag, then If-None-Match answers 304 without a body', async () => {
  for (const path of ['/', await firstScriptPath()]) {
    const first = await fetch(`${aula.url}${path}`);
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    assert.ok(etag, `${path}: no ETag`);
    assert.match(etag, /^"[^"]*"$/, `${path}: a strong ETag is a quoted string, got ${etag}`);

    const { res, conn } = await rawRequest(port, get(path, `If-None-Match: ${etag}\r\nConnection: close\r\n`));
    assert.equal(res.status, 304, `${path}: If-None-Match with the current ETag`);
    assert.equal(res.headers.etag, etag);
    await conn.waitEnded();
    assert.equal(conn.length, 0, `${path}: a 304 has no body`);

    const other = await fetch(`${aula.url}${path}`, { headers: { 'if-none-match': '"not-the-etag"' } });
    assert.equal(other.status, 200, `${path}: a different ETag gets the file`);
    await other.arrayBuffer();
  }
});

test('HEAD has Content-Length and no body', async () => {
  const full = await fetch(`${aula.url}/`);
  const bodyLen = Buffer.byteLength(Buffer.from(await full.arrayBuffer()));

  const conn = await RawConn.connect(port);
  conn.write(`HEAD / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  const res = await readResponse(conn, { head: true });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] || '', /^text\/html\b/i);
  assert.equal(res.headers['content-length'], String(bodyLen), 'Content-Length of the GET body');
  await conn.waitEnded();
  assert.equal(conn.length, 0, `HEAD sent a body: ${JSON.stringify(conn.buf.subarray(0, 100).toString())}`);
});

test('keep-alive: two requests one after the other on one connection', async () => {
  const conn = await RawConn.connect(port);
  try {
    conn.write(get('/healthz'));
    const r1 = await readResponse(conn);
    assert.equal(r1.status, 200);
    assert.equal(jsonBody(r1).status, 'ok');
    assert.ok(!/close/i.test(r1.headers.connection || ''), 'HTTP/1.1 keeps the connection open');
    assert.equal(conn.ended, false, 'the connection is still open');

    conn.write(get('/'));
    const r2 = await readResponse(conn);
    assert.equal(r2.status, 200);
    assert.match(r2.headers['content-type'], /^text\/html\b/i);
    assert.equal(conn.ended, false);
  } finally {
    conn.destroy();
  }
});

test('pipelined requests are answered in order', async () => {
  const conn = await RawConn.connect(port);
  try {
    // Three requests in one write.
    conn.write(get('/healthz') + get('/api/v1/rooms/zzz-zzzz-zzz') + get('/') +
      `HEAD / HTTP/1.1\r\nHost: x\r\n\r\n` + get('/api/v1/nothing-here'));
    const r1 = await readResponse(conn);
    const r2 = await readResponse(conn);
    const r3 = await readResponse(conn);
    const r4 = await readResponse(conn, { head: true });
    const r5 = await readResponse(conn);
    assert.deepEqual([r1.status, r2.status, r3.status, r4.status, r5.status], [200, 404, 200, 200, 404]);
    assert.equal(jsonBody(r1).status, 'ok');
    assert.equal(jsonBody(r2).error.status, 404);
    assert.match(r3.headers['content-type'], /^text\/html\b/i);
    assert.equal(r4.headers['content-length'], String(r3.body.length));
    assert.equal(jsonBody(r5).error.status, 404);
    assert.equal(conn.length, 0, 'nothing extra after the five answers');
  } finally {
    conn.destroy();
  }
});

test('a chunked request body to POST /api/v1/rooms works', async () => {
  const conn = await RawConn.connect(port);
  try {
    const body = JSON.stringify({ title: 'Chunked ąę room' });
    const b = Buffer.from(body);
    const parts = [b.subarray(0, 5), b.subarray(5, 13), b.subarray(13)];
    conn.write(`POST /api/v1/rooms HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    // Each chunk in its own write; the last chunk carries an extension.
    conn.write(Buffer.concat([Buffer.from(`${parts[0].length.toString(16)}\r\n`), parts[0], Buffer.from('\r\n')]));
    conn.write(Buffer.concat([Buffer.from(`${parts[1].length.toString(16).toUpperCase()}\r\n`), parts[1], Buffer.from('\r\n')]));
    conn.write(Buffer.concat([Buffer.from(`${parts[2].length.toString(16)};ext=1\r\n`), parts[2], Buffer.from('\r\n0\r\n\r\n')]));
    const res = await readResponse(conn);
    assert.equal(res.status, 201, res.text);
    const room = jsonBody(res);
    assert.equal(room.title, 'Chunked ąę room');
    assert.equal(room.join_path, `/r/${room.id}`);

    // The connection stays usable after a chunked request.
    conn.write(get(`/api/v1/rooms/${room.id}`));
    const again = await readResponse(conn);
    assert.equal(again.status, 200);
    assert.equal(jsonBody(again).title, 'Chunked ąę room');
  } finally {
    conn.destroy();
  }
});

test('GET /healthz answers 200 with status ok and the media workers', async () => {
  const res = await fetch(`${aula.url}/healthz`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /^application\/json\b/i);
  const body = await res.json();
  assert.equal(body.status, 'ok');
  assert.ok(Array.isArray(body.workers) && body.workers.length >= 1, `workers: ${JSON.stringify(body.workers)}`);
  for (const w of body.workers) {
    assert.equal(typeof w.id, 'number');
    assert.equal(typeof w.port, 'number');
    assert.equal(w.ok, true);
    assert.ok(w.busy >= 0 && w.busy <= 1, `worker ${w.id} busy ${w.busy}`);
    assert.equal(typeof w.last_pong_ms, 'number');
    assert.ok(w.last_pong_ms >= 0 && w.last_pong_ms <= 3000, `worker ${w.id} last_pong_ms ${w.last_pong_ms}`);
  }
});

test('an unknown /api/v1 route answers 404 with a JSON error', async () => {
  for (const path of ['/api/v1/nope', '/api/v1/rooms/zzz-zzzz-zzz/extra', '/api/v2/rooms']) {
    const res = await fetch(`${aula.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.match(res.headers.get('content-type') || '', /^application\/json\b/i, path);
    const body = await res.json();
    assert.equal(body.error.status, 404, path);
    assert.equal(typeof body.error.message, 'string');
    assert.ok(body.error.message.length > 0);
  }
});

test('a static file that does not exist answers 404', async () => {
  const res = await fetch(`${aula.url}/no-such-file-${Date.now()}.js`);
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') || '', /^application\/json\b/i);
  assert.equal((await res.json()).error.status, 404);
});

test('a browser asking for a page that does not exist gets a friendly 404 page', async () => {
  const res = await fetch(`${aula.url}/r/abc-defg-hjk/`, { headers: { accept: 'text/html,*/*' } });
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') || '', /^text\/html/i);
  const html = await res.text();
  assert.match(html, /Nie ma takiej strony/);
  assert.match(html, /This page does not exist/);
  assert.match(html, /href="\/"/);
});

test('path traversal attempts answer 404 and never leak files', async () => {
  const paths = [
    '/../../etc/passwd',
    '/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
    '/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/.%2e/.%2e/.%2e/etc/passwd',
    '/static/../../../../etc/passwd',
    '/%2e%2e%5c%2e%2e%5cetc%5cpasswd',
    '/index.html%00.js',
    '/%00',
  ];
  for (const path of paths) {
    const { res, conn } = await rawRequest(port, get(path, 'Connection: close\r\n'));
    conn.destroy();
    assert.equal(res.status, 404, `${path} -> ${res.status}`);
    assert.ok(!res.text.includes('root:'), `${path} leaked /etc/passwd`);
  }
});

test('methods other than GET and HEAD on a static file answer 405', async () => {
  const res = await fetch(`${aula.url}/`, { method: 'DELETE' });
  assert.equal(res.status, 405);
  await res.arrayBuffer();
});
