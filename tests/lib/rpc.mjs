// A small JSON-RPC 2.0 client over the `ws` package, for tests.
import crypto from 'node:crypto';
import WebSocket from 'ws';

export class RpcClient {
  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.notifications = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) =>
      resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (Array.isArray(msg) || msg.id !== undefined) {
        const list = Array.isArray(msg) ? msg : [msg];
        for (const m of list) {
          const p = this.pending.get(m.id);
          if (p) { this.pending.delete(m.id); p(m); }
        }
        return;
      }
      this.notifications.push(msg);
      this.waiters = this.waiters.filter((w) => !w(msg));
    });
  }

  static open(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new RpcClient(ws)));
      ws.once('error', reject);
    });
  }

  // Sends a request and resolves with the whole response object.
  raw(method, params) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  // Sends a request; resolves with its result or rejects with its error.
  async call(method, params) {
    const res = await this.raw(method, params);
    if (res.error) {
      const e = new Error(`${method}: ${res.error.message} (${res.error.code})`);
      e.code = res.error.code;
      throw e;
    }
    return res.result;
  }

  // Resolves with the first notification (already received or coming)
  // that matches method and predicate; rejects after timeoutMs.
  waitFor(method, pred = () => true, timeoutMs = 5000) {
    const hit = this.notifications.find((n) => n.method === method && pred(n.params));
    if (hit) return Promise.resolve(hit.params);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((n) => {
        if (n.method !== method || !pred(n.params)) return false;
        clearTimeout(t);
        resolve(n.params);
        return true;
      });
    });
  }

  close() { this.ws.close(); return this.closed; }
}

// A join token (JWT HS256, docs/protocol.md) signed with secret, for tests
// that start aula with --jwt-secret: claims {room, sub, name, role,
// admitted}, valid ttlMs from now (negative: already expired). alg lets a
// test forge a token with another algorithm name.
const b64url = (buf) => Buffer.from(buf).toString('base64url');

export function joinToken(secret, { room, sub, name, role = 'participant', admitted = true,
  ttlMs = 600000, alg = 'HS256' }) {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + Math.floor(ttlMs / 1000);
  const head = b64url(JSON.stringify({ alg, typ: 'JWT' }));
  const body = b64url(JSON.stringify({ room, sub, name, role, admitted,
    iat: Math.min(now, exp - 60), exp }));
  const sig = alg === 'none' ? ''
    : b64url(crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest());
  return `${head}.${body}.${sig}`;
}

// A fresh participant id as aula makes them: 16 lowercase hex characters.
export function participantId() {
  return crypto.randomBytes(8).toString('hex');
}
