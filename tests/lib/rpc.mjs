// A small JSON-RPC 2.0 client over the `ws` package, for tests.
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
