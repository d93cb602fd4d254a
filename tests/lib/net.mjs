// Raw-socket helpers for integration tests that need exact bytes: a TCP
// connection that collects what it receives and lets a test wait for a
// condition (no sleeps), a small HTTP/1.1 response parser, and a WebSocket
// client that does its own handshake and frames (RFC 6455), so tests can
// send broken frames and read the close frame the server answers with.
import net from 'node:net';
import crypto from 'node:crypto';
import { RpcClient } from './rpc.mjs';

// Every connection the helpers open, so that an after() hook can drop
// what a failed test left open (see closeAllConnections).
const live = new Set();

// Closes every RawConn and openClient() connection still open.
export function closeAllConnections() {
  for (const x of live) {
    if (x.socket) x.socket.destroy(); else x.ws.terminate();
  }
  live.clear();
}

// A TCP connection to 127.0.0.1 that buffers everything it receives.
export class RawConn {
  constructor(socket) {
    this.socket = socket;
    this.chunks = [];
    this.length = 0;
    this.ended = false;     // the peer closed (FIN or reset) or we destroyed it
    this.endedAt = 0;       // performance.now() when that happened
    this.firstDataAt = 0;   // performance.now() when the first byte arrived
    this.error = null;      // ECONNRESET / EPIPE are expected in some tests
    this.watchers = new Set();
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      if (!this.firstDataAt) this.firstDataAt = performance.now();
      this.chunks.push(d);
      this.length += d.length;
      this._notify();
    });
    socket.on('error', (e) => { this.error = e; });
    live.add(this);
    this.closed = new Promise((resolve) => socket.on('close', () => {
      live.delete(this);
      this.ended = true;
      this.endedAt = performance.now();
      this._notify();
      resolve();
    }));
  }

  static connect(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host });
      s.once('connect', () => { s.off('error', reject); resolve(new RawConn(s)); });
      s.once('error', reject);
    });
  }

  // Everything received and not consumed yet.
  get buf() {
    if (this.chunks.length !== 1) {
      const b = Buffer.concat(this.chunks, this.length);
      this.chunks = [b];
    }
    return this.chunks[0] || Buffer.alloc(0);
  }

  // Drops the first n received bytes.
  consume(n) {
    const rest = this.buf.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
  }

  write(data) {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    try { this.socket.write(data); } catch { return false; }
    return true;
  }

  _notify() {
    for (const w of [...this.watchers]) w();
  }

  // Resolves with fn()'s value as soon as it is truthy (checked now and on
  // every change); rejects after timeoutMs, saying what was awaited.
  until(fn, timeoutMs = 5000, what = 'condition') {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        let v;
        try { v = fn(); } catch (e) { cleanup(); reject(e); return; }
        if (v) { cleanup(); resolve(v); }
      };
      const cleanup = () => { clearTimeout(timer); this.watchers.delete(check); };
      timer = setTimeout(() => {
        cleanup();
        const head = this.buf.subarray(0, 300).toString('latin1');
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ` +
          `ended=${this.ended}, received ${this.length} bytes: ${JSON.stringify(head)}`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  // Waits until the peer closed the connection.
  waitEnded(timeoutMs = 5000) {
    return this.until(() => this.ended, timeoutMs, 'the connection to close');
  }

  destroy() { this.socket.destroy(); }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

// Parses one HTTP/1.1 response at the start of buf. Returns null while it
// is incomplete, else {status, reason, headers, body, raw, length} where
// headers maps lower-case names to values (repeated ones joined by ", ")
// and length is the number of bytes it took. head: true for the answer to
// a HEAD request (no body whatever Content-Length says). eof: true when
// the connection has ended (a body without a length runs to the end).
export function parseResponse(buf, { head = false, eof = false } = {}) {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = lines[0].match(/^HTTP\/1\.[01] (\d{3})(?: (.*))?$/);
  if (!m) throw new Error(`bad status line: ${JSON.stringify(lines[0])}`);
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`bad header line: ${JSON.stringify(line)}`);
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  }
  const status = Number(m[1]);
  let pos = end + 4;
  let body = Buffer.alloc(0);
  if (head || status < 200 || status === 204 || status === 304) {
    // no body
  } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    for (;;) {
      const le = buf.indexOf('\r\n', pos);
      if (le < 0) return null;
      const size = parseInt(buf.subarray(pos, le).toString('latin1').split(';')[0], 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      pos = le + 2;
      if (size === 0) {
        // trailers until an empty line
        for (;;) {
          const te = buf.indexOf('\r\n', pos);
          if (te < 0) return null;
          const empty = te === pos;
          pos = te + 2;
          if (empty) break;
        }
        break;
      }
      if (buf.length < pos + size + 2) return null;
      parts.push(buf.subarray(pos, pos + size));
      pos += size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    if (buf.length < pos + n) return null;
    body = buf.subarray(pos, pos + n);
    pos += n;
  } else {
    if (!eof) return null;
    body = buf.subarray(pos);
    pos = buf.length;
  }
  return {
    status, reason: m[2] || '', headers, body: Buffer.from(body),
    text: body.toString('utf8'), raw: Buffer.from(buf.subarray(0, pos)), length: pos,
  };
}

// Waits for the next complete response on conn and consumes it.
export async function readResponse(conn, { head = false, timeoutMs = 5000 } = {}) {
  const r = await conn.until(() => parseResponse(conn.buf, { head, eof: conn.ended })
    || (conn.ended && conn.length === 0 ? { closedEmpty: true } : null),
  timeoutMs, 'an HTTP response');
  if (r.closedEmpty) throw new Error('the connection closed without a response');
  conn.consume(r.length);
  return r;
}

// Sends raw request bytes on a new connection and returns the first
// response (and the connection, still open if the server kept it).
export async function rawRequest(port, bytes, opts = {}) {
  const conn = await RawConn.connect(port);
  conn.write(bytes);
  const res = await readResponse(conn, opts);
  return { res, conn };
}

// JSON body of a response, or a failed assertion that shows the body.
export function jsonBody(res) {
  try { return JSON.parse(res.text); } catch {
    throw new Error(`expected a JSON body, got ${JSON.stringify(res.text.slice(0, 300))}`);
  }
}

// ---------- WebSocket ----------

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 };

export function wsAcceptFor(key) {
  return crypto.createHash('sha1').update(key + WS_GUID).digest('base64');
}

// Builds one frame. Client frames are masked unless mask: false.
export function encodeFrame({ opcode = OP.TEXT, payload = Buffer.alloc(0), fin = true, rsv = 0,
  mask = true, lengthOverride } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = lengthOverride ?? data.length;
  let head;
  if (len < 126) {
    head = Buffer.alloc(2);
    head[1] = len;
  } else if (len < 65536) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  if (!mask) return Buffer.concat([head, data]);
  head[1] |= 0x80;
  const key = crypto.randomBytes(4);
  const body = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) body[i] = data[i] ^ key[i & 3];
  return Buffer.concat([head, key, body]);
}

// A close frame payload: 2-byte code + reason.
export function closePayload(code, reason = '') {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code, 0);
  return Buffer.concat([b, Buffer.from(reason)]);
}

// Parses one frame at the start of buf; null while incomplete.
export function parseFrame(buf) {
  if (buf.length < 2) return null;
  const fin = (buf[0] & 0x80) !== 0;
  const rsv = (buf[0] >> 4) & 7;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let pos = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    pos = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    pos = 10;
  }
  let key = null;
  if (masked) {
    if (buf.length < pos + 4) return null;
    key = buf.subarray(pos, pos + 4);
    pos += 4;
  }
  if (buf.length < pos + len) return null;
  const payload = Buffer.from(buf.subarray(pos, pos + len));
  if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
  return { fin, rsv, opcode, masked, payload, length: pos + len };
}

// A WebSocket client over a RawConn. It parses every frame the server
// sends into this.frames; text frames are also JSON-parsed into
// this.messages (when they are JSON).
export class RawWs {
  constructor(conn) {
    this.conn = conn;
    this.frames = [];
    this.messages = [];
    this.nextId = 1;
    this.parseError = null;
    this.maxKeep = Infinity; // set lower when a test floods itself with data
    this.bytesSeen = 0;
    const pump = () => {
      for (;;) {
        let f;
        try { f = parseFrame(conn.buf); } catch (e) { this.parseError = e; return; }
        if (!f) return;
        conn.consume(f.length);
        this.bytesSeen += f.length;
        if (this.frames.length < this.maxKeep || f.opcode === OP.CLOSE) this.frames.push(f);
        if (f.opcode === OP.TEXT && this.messages.length < this.maxKeep) {
          try { this.messages.push(JSON.parse(f.payload.toString('utf8'))); } catch { /* not JSON */ }
        }
      }
    };
    this._pump = pump;
    conn.watchers.add(pump);
    pump();
  }

  // Opens /ws (or path) with a hand-made handshake and checks the answer:
  // 101, Upgrade: websocket, and Sec-WebSocket-Accept computed per RFC 6455.
  static async connect(port, { path = '/ws', timeoutMs = 5000 } = {}) {
    const conn = await RawConn.connect(port);
    const key = crypto.randomBytes(16).toString('base64');
    conn.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const end = await conn.until(() => {
      const i = conn.buf.indexOf(CRLFCRLF);
      return i >= 0 ? i + 4 : (conn.ended ? -1 : 0);
    }, timeoutMs, 'the WebSocket handshake answer');
    if (end < 0) throw new Error('connection closed during the WebSocket handshake');
    const res = parseResponse(conn.buf.subarray(0, end), { head: true });
    conn.consume(end);
    if (res.status !== 101) throw new Error(`handshake: expected 101, got ${res.status}`);
    if ((res.headers.upgrade || '').toLowerCase() !== 'websocket') {
      throw new Error(`handshake: Upgrade header is ${res.headers.upgrade}`);
    }
    if (!/\bupgrade\b/i.test(res.headers.connection || '')) {
      throw new Error(`handshake: Connection header is ${res.headers.connection}`);
    }
    const want = wsAcceptFor(key);
    if (res.headers['sec-websocket-accept'] !== want) {
      throw new Error(`handshake: Sec-WebSocket-Accept ${res.headers['sec-websocket-accept']}, want ${want}`);
    }
    return new RawWs(conn);
  }

  sendFrame(opts) { return this.conn.write(encodeFrame(opts)); }
  sendText(text, opts = {}) { return this.sendFrame({ opcode: OP.TEXT, payload: Buffer.from(text), ...opts }); }
  sendJson(obj) { return this.sendText(JSON.stringify(obj)); }

  // Waits for a parsed JSON message matching pred (already received or coming).
  waitMessage(pred, timeoutMs = 5000, what = 'a message') {
    return this.conn.until(() => {
      this._pump();
      return this.messages.find(pred);
    }, timeoutMs, what);
  }

  // Sends a JSON-RPC request and resolves with the whole response object.
  async request(method, params, timeoutMs = 5000) {
    const id = this.nextId++;
    this.sendJson({ jsonrpc: '2.0', id, method, params });
    return this.waitMessage((m) => m && !Array.isArray(m) && m.id === id, timeoutMs, `the response to ${method}`);
  }

  async call(method, params) {
    const res = await this.request(method, params);
    if (res.error) throw new Error(`${method}: ${res.error.message} (${res.error.code})`);
    return res.result;
  }

  closeFrame() { return this.frames.find((f) => f.opcode === OP.CLOSE); }

  // Waits for the server's close frame and returns {code, reason}
  // (code 1005 when the frame had no payload). Rejects when the TCP
  // connection ends without one.
  async waitClose(timeoutMs = 5000) {
    const f = await this.conn.until(() => {
      this._pump();
      const c = this.closeFrame();
      if (c) return c;
      if (this.conn.ended) throw new Error('the connection closed without a close frame');
      return null;
    }, timeoutMs, 'a close frame');
    const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
    return { code, reason: f.payload.subarray(2).toString('utf8'), frame: f };
  }

  // After a close frame from the server: answer it (as RFC 6455 asks) and
  // wait for the server to close the TCP connection.
  async finishClose(timeoutMs = 5000) {
    const f = this.closeFrame();
    this.sendFrame({ opcode: OP.CLOSE, payload: f ? f.payload.subarray(0, 2) : Buffer.alloc(0) });
    await this.conn.waitEnded(timeoutMs);
  }

  destroy() { this.conn.destroy(); }
}

// Opens an RpcClient and keeps a socket error (a reset after a server-side
// close, for instance) from crashing the test process.
export async function openClient(url) {
  const c = await RpcClient.open(url);
  c.errors = [];
  c.ws.on('error', (e) => c.errors.push(e));
  live.add(c);
  c.ws.on('close', () => live.delete(c));
  return c;
}

// Opens a client and joins a room; resolves with {client, join}.
export async function joinAs(url, room, name) {
  const client = await openClient(url);
  const join = await client.call('room.join', { room, name });
  return { client, join };
}

// Waits for the next raw message on an RpcClient's WebSocket matching pred
// (for answers RpcClient does not route: id null, batches).
export function nextRaw(client, pred = () => true, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { client.ws.off('message', on); reject(new Error(`no matching message within ${timeoutMs} ms`)); }, timeoutMs);
    function on(data) {
      let msg;
      try { msg = JSON.parse(data.toString()); } catch { return; }
      if (!pred(msg)) return;
      clearTimeout(t);
      client.ws.off('message', on);
      resolve(msg);
    }
    client.ws.on('message', on);
  });
}

// Polls fn() (async) until check(value) holds; no fixed sleep per se, but
// a short pause between polls. Rejects after timeoutMs with the last value.
export async function pollUntil(fn, check, { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = performance.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (check(last)) return last;
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// Sends a request over an RpcClient and resolves with the whole response,
// like client.raw(), but never hangs: rejects after timeoutMs, and resolves
// with an error response that carries id null (a parse error the server
// could not tie to the request) if that comes first.
export function rpcRaw(client, method, params, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const onMsg = (data) => {
      let m;
      try { m = JSON.parse(data.toString()); } catch { return; }
      if (m && !Array.isArray(m) && m.id === null && m.error) { cleanup(); resolve(m); }
    };
    const t = setTimeout(() => { cleanup(); reject(new Error(`no response to ${method} within ${timeoutMs} ms`)); }, timeoutMs);
    const cleanup = () => { clearTimeout(t); client.ws.off('message', onMsg); };
    client.ws.on('message', onMsg);
    client.raw(method, params).then((m) => { cleanup(); resolve(m); });
  });
}

// Like client.call(), with rpcRaw's timeout.
export async function rpcCall(client, method, params, timeoutMs = 5000) {
  const res = await rpcRaw(client, method, params, timeoutMs);
  if (res.error) {
    const e = new Error(`${method}: ${res.error.message} (${res.error.code})`);
    e.code = res.error.code;
    throw e;
  }
  return res.result;
}

// Waits until GET /healthz answers 200 (right after start a media worker
// may not have answered its first ping yet).
export function waitHealthy(baseUrl, timeoutMs = 10000) {
  return pollUntil(async () => {
    const r = await fetch(`${baseUrl}/healthz`);
    await r.arrayBuffer();
    return r.status;
  }, (s) => s === 200, { timeoutMs, what: `${baseUrl}/healthz to answer 200` });
}

// Waits until /metrics shows no open WebSocket (every client the tests
// opened is gone on the server side too). Resolves true, or false after
// timeoutMs; never throws.
export async function waitNoWebSockets(baseUrl, timeoutMs = 10000) {
  try {
    await pollUntil(async () => {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      const m = text.match(/^aula_websockets_open (\S+)$/m);
      return m ? Number(m[1]) : -1;
    }, (n) => n === 0, { timeoutMs, what: 'aula_websockets_open 0' });
    return true;
  } catch {
    return false;
  }
}
